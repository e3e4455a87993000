public import ApprovalJSON
import Logging

/// The optional parts of a snapshot, beyond the approval details that are always fetched.
///
/// ```swift
/// let parts: SnapshotParts = [.task, .taskFiles]
/// ```
public struct SnapshotParts: OptionSet, Sendable, Hashable {
    /// The bit mask.
    public let rawValue: Int

    /// Parts from a bit mask.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `GET /tasks/{id}`, saved as `"task"` (the inner task object).
    public static let task = SnapshotParts(rawValue: 1 << 0)
    /// `GET /tasks/{id}/files`, saved whole as `"task_files"`.
    public static let taskFiles = SnapshotParts(rawValue: 1 << 1)
    /// `GET /tasks/{id}/signed-documents`, saved whole as `"signed_documents"`.
    public static let signedDocuments = SnapshotParts(rawValue: 1 << 2)

    /// Everything.
    public static let all: SnapshotParts = [.task, .taskFiles, .signedDocuments]
}

extension APIClient {
    /// The keys a snapshot envelope adds to the approval-details body.
    ///
    /// ```swift
    /// let files = snapshot[APIClient.SnapshotKey.taskFiles]?["total_files"]
    /// ```
    public enum SnapshotKey {
        /// `"task"`: the `task` object of `GET /tasks/{id}`.
        public static let task = "task"
        /// `"task_files"`: the whole body of `GET /tasks/{id}/files`.
        public static let taskFiles = "task_files"
        /// `"signed_documents"`: the whole body of `GET /tasks/{id}/signed-documents`.
        public static let signedDocuments = "signed_documents"
    }

    /// Fetches what the rules need, and only that, as one snapshot document.
    ///
    /// Always `GET /tasks/{id}/approval-details?include_files=true`; the parts in `parts`
    /// concurrently with it. The result is the approval-details body as it came, plus
    /// `"task"`, `"task_files"` and `"signed_documents"` for the parts fetched: the saved
    /// snapshot format the engine reads. The first failure cancels the other requests and is
    /// thrown.
    ///
    /// Unless `keepSignatures` is true, every `download_url` has its signature-bearing query
    /// parameters replaced by `REDACTED` (the path stays, so a human can recognise the file): a
    /// saved snapshot must not grant access to the files.
    ///
    /// ```swift
    /// let snapshot = try await client.fetchSnapshot(taskID: 12345, parts: [.task, .taskFiles])
    /// snapshot["task_files"]?["total_files"]  // .integer(14): more than the 10 listed
    /// ```
    ///
    /// - Throws: ``APIError`` naming the endpoint that failed.
    public func fetchSnapshot(taskID: Int64, parts: SnapshotParts, keepSignatures: Bool = false) async throws
        -> JSONValue
    {
        enum Piece: Sendable {
            case details(JSONValue)
            case task(JSONValue)
            case taskFiles(JSONValue)
            case signedDocuments(JSONValue)
        }

        var details: JSONValue?
        var task: JSONValue?
        var files: JSONValue?
        var signed: JSONValue?
        try await withThrowingTaskGroup(of: Piece.self) { group in
            group.addTask { .details(try await self.approvalDetails(taskID: taskID, includeFiles: true)) }
            if parts.contains(.task) {
                group.addTask {
                    let endpoint = Endpoint.task(taskID: taskID)
                    let body = try await self.get(endpoint)
                    guard case .object? = body["task"] else {
                        throw endpoint.error(.invalidResponse, "the response has no \"task\" object")
                    }
                    return .task(body["task"] ?? .null)
                }
            }
            if parts.contains(.taskFiles) {
                group.addTask { .taskFiles(try await self.taskFiles(taskID: taskID)) }
            }
            if parts.contains(.signedDocuments) {
                group.addTask { .signedDocuments(try await self.signedDocuments(taskID: taskID)) }
            }
            // The first error leaves the group, which cancels the other requests.
            for try await piece in group {
                switch piece {
                case .details(let value): details = value
                case .task(let value): task = value
                case .taskFiles(let value): files = value
                case .signedDocuments(let value): signed = value
                }
            }
        }

        // The details task always runs and a failure would have been thrown, so it is set here.
        guard case .object(var envelope)? = details else {
            throw Endpoint.approvalDetails(taskID: taskID, includeFiles: true).error(
                .invalidResponse, "the response is not a JSON object")
        }
        if let task { envelope[SnapshotKey.task] = task }
        if let files {
            envelope[SnapshotKey.taskFiles] = files
            noteTruncatedListing(files, taskID: taskID)
        }
        if let signed { envelope[SnapshotKey.signedDocuments] = signed }
        let snapshot = JSONValue.object(envelope)
        return keepSignatures ? snapshot : Self.redactingDownloadURLs(snapshot)
    }

    private func noteTruncatedListing(_ files: JSONValue, taskID: Int64) {
        guard let listed = files["files"]?.array?.count, let total = files["total_files"]?.integer,
            total > Int64(listed)
        else { return }
        logger.debug(
            "the API lists only some of the task's files",
            metadata: ["task_id": "\(taskID)", "files.listed": "\(listed)", "files.total": "\(total)"])
    }

    /// `value` with every string under a `download_url` key passed through ``Redaction/url(_:)``.
    public static func redactingDownloadURLs(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object.members {
                if key == "download_url", case .string(let url) = member {
                    result[key] = .string(Redaction.url(url))
                } else {
                    result[key] = redactingDownloadURLs(member)
                }
            }
            return .object(result)
        case .array(let elements):
            return .array(elements.map(redactingDownloadURLs))
        default:
            return value
        }
    }
}
