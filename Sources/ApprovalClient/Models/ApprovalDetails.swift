public import ApprovalJSON

/// The body of `GET /tasks/{task_id}/approval-details`: the pending approval step, who may
/// approve, what to review, and (with `include_files=true`) presigned file links.
///
/// ```swift
/// let details = try await client.approvalDetails(taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
/// details.eligibleApproversActive  // ["manager@example.com"]
/// details.files?.first?.fileName    // "contract_draft.pdf"
/// ```
public struct ApprovalDetails: Sendable, Hashable {
    /// A presigned download for a file-type variable (`files[]`).
    ///
    /// ```swift
    /// details.files?.first?.downloadURL  // presigned; see expiresAt
    /// ```
    public struct File: Sendable, Hashable {
        /// `file_id`.
        public var fileID: String
        /// `file_name`.
        public var fileName: String?
        /// `content_type` (MIME type).
        public var contentType: String?
        /// `download_url`: presigned, expires at ``expiresAt``.
        public var downloadURL: String?
        /// `expires_at` (ISO 8601).
        public var expiresAt: String?
        /// `variable_id`: the variable the file belongs to.
        public var variableID: String?
        /// The object as received.
        public var raw: JSONValue

        init(json: JSONValue, path: String) throws(ModelError) {
            let reader = try ModelReader(json, path: path)
            fileID = try reader.string("file_id")
            fileName = try reader.optionalString("file_name")
            contentType = try reader.optionalString("content_type")
            downloadURL = try reader.optionalString("download_url")
            expiresAt = try reader.optionalString("expires_at")
            variableID = try reader.optionalString("variable_id")
            raw = json
        }
    }

    /// `task_id`.
    public var taskID: Int64
    /// `step_run`: the current approval step run.
    public var stepRun: StepRun?
    /// `eligible_approvers_active`: whose turn it is now.
    public var eligibleApproversActive: [String]
    /// `next_eligible_approvers`: who comes next (empty for parallel approval).
    public var nextEligibleApprovers: [String]
    /// `variables_to_approve`.
    public var variablesToApprove: [Variable]
    /// `files`, or `nil` when the response has none (`include_files` was not true).
    public var files: [File]?
    /// The body as received, unknown fields included.
    public var raw: JSONValue

    /// Reads an approval-details body.
    ///
    /// - Throws: ``ModelError`` when `task_id` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        let reader = try ModelReader(json)
        taskID = try reader.integer("task_id")
        stepRun = try reader.optionalObject("step_run") { (value, path) throws(ModelError) in
            try StepRun(json: value, path: path)
        }
        eligibleApproversActive = try reader.strings("eligible_approvers_active")
        nextEligibleApprovers = try reader.strings("next_eligible_approvers")
        variablesToApprove = try reader.objects("variables_to_approve") { (value, path) throws(ModelError) in
            try Variable(json: value, path: path)
        }
        files = try reader.optionalObjects("files") { (value, path) throws(ModelError) in
            try File(json: value, path: path)
        }
        raw = json
    }
}
