public import ApprovalJSON

/// One approval task as the rules see it: the approval-details body
/// (`GET /tasks/{id}/approval-details?include_files=true`), optionally with the task itself
/// (`"task"`), its files listing (`"task_files"`) and signed documents (`"signed_documents"`)
/// saved alongside, plus the convenient views rules read.
///
/// Building a snapshot indexes it once (variables by id, files by variable), so that evaluating
/// many rule sets against it costs no further parsing. Nothing is judged here: shape problems are
/// reported by the evaluation, for the parts a rule set actually reads.
///
/// Views, as `var` paths:
/// - `variables.<id>`: the value from `variables_to_approve`, falling back to `step_run.variables`
///   and then `task.variables`;
/// - `variable_types.<id>`: that variable's `variable_type`;
/// - `files_by_variable.<id>`: the file objects attached to that variable (from `files` and
///   `task_files.files`, without duplicates);
/// - `approvers.active`, `approvers.next`, `approvers.all`: the eligible approvers;
/// - `owner`: the task owner's e-mail (`null` when the task is not in the snapshot);
/// - `now`: the evaluation's clock (from ``EvaluationOptions``).
///
/// ```swift
/// let snapshot = ApprovalSnapshot(try JSONParser().parse(contentsOf: "examples/snapshots/basic.json"))
/// snapshot.taskID                              // 12345
/// snapshot.value(at: "variables.contract_value")  // 150000
/// ```
public struct ApprovalSnapshot: Sendable {
    /// The document as read.
    public let document: JSONValue
    /// Variables by id, first source wins.
    let variables: [String: SnapshotVariable]
    /// The same variables in a list: a few string comparisons beat hashing for the usual handful.
    private let variableList: [SnapshotVariable]
    /// Files by the variable they belong to.
    let filesByVariable: [String: [JSONValue]]
    /// Whether a files listing says more files exist than it lists (`total_files` > listed).
    let filesListingIncomplete: Bool
    /// `approvers.all`: active then next approvers, without repeats.
    let allApprovers: JSONValue
    /// Shape problems, found once here and filtered per rule set by the evaluation.
    let findings: SnapshotFindings

    /// Indexes `document`.
    public init(_ document: JSONValue) {
        self.document = document
        var variables: [String: SnapshotVariable] = [:]
        for source in SnapshotVariable.Source.allCases {
            guard case .array(let entries) = document.lookup(source.path[...]) else { continue }
            for (index, entry) in entries.enumerated() {
                guard case .string(let id) = entry["variable_id"], variables[id] == nil else { continue }
                variables[id] = SnapshotVariable(
                    id: id, type: entry["variable_type"]?.string, value: entry["value"] ?? .null,
                    hasValue: entry["value"] != nil, source: source, index: index)
            }
        }
        self.variables = variables
        self.variableList = variables.values.sorted { $0.id < $1.id }

        var files: [String: [JSONValue]] = [:]
        var seen: Set<String> = []
        for listing in [document["files"], document["task_files"]?["files"]] {
            guard case .array(let entries)? = listing else { continue }
            for entry in entries {
                guard case .string(let variable) = entry["variable_id"] else { continue }
                if case .string(let fileID) = entry["file_id"] {
                    guard seen.insert(variable + "\u{0}" + fileID).inserted else { continue }
                }
                files[variable, default: []].append(entry)
            }
        }
        self.filesByVariable = files

        var incomplete = false
        if let listing = document["task_files"], let total = listing["total_files"]?.integer {
            incomplete = total > Int64(listing["files"]?.array?.count ?? 0)
        }
        self.filesListingIncomplete = incomplete

        let active = document["eligible_approvers_active"]?.array ?? []
        let next = document["next_eligible_approvers"]?.array ?? []
        var all: [JSONValue] = []
        all.reserveCapacity(active.count + next.count)
        for approver in active + next where !all.contains(approver) { all.append(approver) }
        self.allApprovers = .array(all)
        self.findings = SnapshotValidator.findings(for: document, variables: variables)
    }

    /// The variable with this id.
    func variable(_ id: String) -> SnapshotVariable? {
        if variableList.count > 16 { return variables[id] }
        for variable in variableList where variable.id == id { return variable }
        return nil
    }

    /// The task id (`task_id`), or `null` when absent.
    public var taskID: JSONValue { document["task_id"] ?? .null }

    /// The value at a dotted path (`variables.contract_value`, `approvers.active`, `task_id`).
    public func value(at path: String) -> JSONValue? {
        lookup(path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...])
    }

    /// Follows `path` through the views, then through the document.
    func lookup(_ path: ArraySlice<String>) -> JSONValue? {
        guard let head = path.first else { return dataView }
        let rest = path.dropFirst()
        switch head {
        case "variables":
            guard let id = rest.first else { return .object(JSONObject(variables.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) })) }
            return variable(id)?.value.lookup(rest.dropFirst())
        case "variable_types":
            guard let id = rest.first else {
                return .object(JSONObject(variables.sorted { $0.key < $1.key }.map { ($0.key, $0.value.type.map(JSONValue.string) ?? .null) }))
            }
            guard rest.count == 1, let variable = variable(id) else { return nil }
            return variable.type.map(JSONValue.string) ?? .null
        case "files_by_variable":
            guard let id = rest.first else {
                return .object(JSONObject(filesByVariable.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value)) }))
            }
            return JSONValue.array(filesByVariable[id] ?? []).lookup(rest.dropFirst())
        case "approvers":
            switch rest.first {
            case "active"?: return (document["eligible_approvers_active"] ?? .array([])).lookup(rest.dropFirst())
            case "next"?: return (document["next_eligible_approvers"] ?? .array([])).lookup(rest.dropFirst())
            case "all"?: return allApprovers.lookup(rest.dropFirst())
            default: return approvers.lookup(rest)
            }
        case "owner":
            guard rest.isEmpty else { return nil }
            return document["task"]?["owner_email"] ?? .null
        default:
            return document.lookup(path)
        }
    }

    /// `approvers.active`, `.next` and `.all` (active then next, without repeats).
    var approvers: JSONValue {
        [
            "active": document["eligible_approvers_active"] ?? .array([]),
            "next": document["next_eligible_approvers"] ?? .array([]), "all": allApprovers,
        ]
    }

    /// The document with its views added (what `{"var": ""}` sees).
    var dataView: JSONValue {
        guard case .object(var object) = document else { return document }
        for view in ["variables", "variable_types", "files_by_variable", "approvers", "owner"] where object[view] == nil {
            object[view] = lookup([view][...])
        }
        return .object(object)
    }
}

/// One variable of a snapshot, with where it came from.
struct SnapshotVariable: Sendable {
    enum Source: CaseIterable, Sendable {
        case variablesToApprove, stepRun, task

        private static let paths = [["variables_to_approve"], ["step_run", "variables"], ["task", "variables"]]

        var path: [String] {
            switch self {
            case .variablesToApprove: return Self.paths[0]
            case .stepRun: return Self.paths[1]
            case .task: return Self.paths[2]
            }
        }
    }

    let id: String
    let type: String?
    let value: JSONValue
    /// False when the entry has no `value` member at all.
    let hasValue: Bool
    let source: Source
    let index: Int

    /// Where the entry is, as a JSON Pointer (`/variables_to_approve/3`).
    var pointer: JSONPointer {
        JSONPointer(tokens: source.path + [String(index)])
    }
}
