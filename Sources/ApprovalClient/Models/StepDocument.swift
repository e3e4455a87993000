public import ApprovalJSON

/// The body of `GET /tasks/{task_id}/steps/{step_id}/document`: a presigned link to the document
/// a step generated.
///
/// ```swift
/// let document = try await client.stepDocument(taskID: 12345, stepID: "review_step", as: StepDocument.self)
/// document.fileName  // "reviewed_contract.pdf"
/// ```
public struct StepDocument: Sendable, Hashable {
    /// `download_url`: presigned, expires at ``expiresAt``.
    public var downloadURL: String
    /// `file_name`.
    public var fileName: String?
    /// `expires_at` (ISO 8601).
    public var expiresAt: String?
    /// The body as received.
    public var raw: JSONValue

    /// Reads a step-document body.
    ///
    /// - Throws: ``ModelError`` when `download_url` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        let reader = try ModelReader(json)
        downloadURL = try reader.string("download_url")
        fileName = try reader.optionalString("file_name")
        expiresAt = try reader.optionalString("expires_at")
        raw = json
    }
}
