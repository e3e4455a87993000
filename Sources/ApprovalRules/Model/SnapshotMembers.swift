import ApprovalJSON

/// The top-level members of a snapshot that its index and its checks read, each looked up once
/// (`nil` where absent, and all `nil` when the document is not an object): a lookup compares the
/// wanted key with the object's keys one by one, and half a dozen of them were repeated.
struct SnapshotMembers {
    let taskID: JSONValue?
    let task: JSONValue?
    let files: JSONValue?
    let taskFiles: JSONValue?
    let activeApprovers: JSONValue?
    let nextApprovers: JSONValue?

    init(_ document: JSONValue) {
        guard case .object(let object) = document else {
            (taskID, task, files, taskFiles, activeApprovers, nextApprovers) = (nil, nil, nil, nil, nil, nil)
            return
        }
        taskID = object["task_id"]
        task = object["task"]
        files = object["files"]
        taskFiles = object["task_files"]
        activeApprovers = object[Self.activeApproversKey]
        nextApprovers = object[Self.nextApproversKey]
    }

    static let activeApproversKey = "eligible_approvers_active"
    static let nextApproversKey = "next_eligible_approvers"

    /// `task_files.files`, when `task_files` is an object with that member.
    var taskFilesList: JSONValue? { taskFiles?["files"] }
}
