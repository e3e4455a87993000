public import ApprovalJSON

/// The body of `GET /tasks/{task_id}/signed-documents`: documents from every signature step.
///
/// ```swift
/// let signed = try await client.signedDocuments(taskID: 12345, as: SignedDocumentList.self)
/// signed.documents.map(\.stepName)  // ["Executive Signature", "NDA Signature"]
/// ```
public struct SignedDocumentList: Sendable, Hashable {
    /// One entry of `documents[]`.
    ///
    /// ```swift
    /// signed.documents.first?.stepName  // "Executive Signature"
    /// ```
    public struct Document: Sendable, Hashable {
        /// `file_id`.
        public var fileID: String
        /// `file_name`.
        public var fileName: String?
        /// `step_id`: the signature step.
        public var stepID: String?
        /// `step_name`.
        public var stepName: String?
        /// `download_url`: presigned, expires at ``expiresAt``.
        public var downloadURL: String?
        /// `expires_at` (ISO 8601).
        public var expiresAt: String?
        /// The object as received.
        public var raw: JSONValue

        init(json: JSONValue, path: String) throws(ModelError) {
            let reader = try ModelReader(json, path: path)
            fileID = try reader.string("file_id")
            fileName = try reader.optionalString("file_name")
            stepID = try reader.optionalString("step_id")
            stepName = try reader.optionalString("step_name")
            downloadURL = try reader.optionalString("download_url")
            expiresAt = try reader.optionalString("expires_at")
            raw = json
        }
    }

    /// `task_id`.
    public var taskID: Int64
    /// `workflow_status`.
    public var workflowStatus: String?
    /// `total` (the document count when absent).
    public var total: Int
    /// `documents`.
    public var documents: [Document]
    /// The body as received.
    public var raw: JSONValue

    /// Reads a signed-documents body.
    ///
    /// - Throws: ``ModelError`` when `task_id` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        let reader = try ModelReader(json)
        taskID = try reader.integer("task_id")
        workflowStatus = try reader.optionalString("workflow_status")
        documents = try reader.objects("documents") { (value, path) throws(ModelError) in
            try Document(json: value, path: path)
        }
        total = try reader.optionalInteger("total").map { Int(clamping: $0) } ?? documents.count
        raw = json
    }
}
