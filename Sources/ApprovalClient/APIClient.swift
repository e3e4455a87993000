public import ApprovalJSON
public import Logging

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A client for the approvals REST API: builds paths and queries, decodes JSON into
/// ``JSONValue`` or typed models, and turns every failure into an ``APIError``.
///
/// Transport concerns are not here: authentication, retries and logging are ``HTTPMiddleware``
/// folded around an ``HTTPTransport`` (first middleware outermost; the key's ``AuthMiddleware``
/// always innermost, so no other middleware sees it). Each endpoint has a raw variant returning
/// the body as ``JSONValue`` and a typed variant taking `as:` a model type, which ignores fields
/// it does not know.
///
/// ```swift
/// let client = try APIClient.live(baseURL: "https://platform.chamelio.ai", logger: logger)
/// let raw = try await client.approvalDetails(taskID: 12345, includeFiles: true)
/// let typed = try await client.approvalDetails(taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
/// let snapshot = try await client.fetchSnapshot(taskID: 12345, parts: [.task, .taskFiles])
/// ```
public struct APIClient: Sendable {
    /// The environment variable holding the API key.
    public static let apiKeyVariable = "APPROVAL_API_KEY"

    /// The API's base URL, without a trailing `/`.
    public let baseURL: String
    /// The transport underneath the middleware.
    public let transport: any HTTPTransport
    let chain: MiddlewareChain
    let logger: Logger
    let secrets: Secrets

    /// A client.
    ///
    /// - Parameters:
    ///   - baseURL: e.g. `https://platform.chamelio.ai` or `http://127.0.0.1:8080`.
    ///   - apiKey: sent as `X-API-Key` by an ``AuthMiddleware`` placed innermost; `nil` sends none.
    ///   - transport: what sends the requests.
    ///   - middlewares: folded around the transport, first element outermost.
    ///   - logger: for the client's own notes (e.g. a truncated file listing), at `debug`.
    public init(
        baseURL: String, apiKey: String?, transport: any HTTPTransport, middlewares: [any HTTPMiddleware] = [],
        logger: Logger
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.transport = transport
        var all = middlewares
        if let apiKey { all.append(AuthMiddleware(apiKey: apiKey)) }
        chain = MiddlewareChain(transport: transport, middlewares: all)
        self.logger = logger
        secrets = Secrets(apiKey.map { [$0] } ?? [])
    }

    /// The client a command-line tool uses: the key from `APPROVAL_API_KEY`, retries, logging,
    /// and an ``AsyncHTTPClientTransport`` whose HTTP client is only created by the first request.
    ///
    /// - Parameters:
    ///   - baseURL: an `http://` or `https://` URL.
    ///   - environment: where to read `APPROVAL_API_KEY`; `nil` reads the process environment.
    ///   - retryPolicy: retries, per-attempt timeout and overall deadline.
    ///   - logger: for requests (``LoggingMiddleware`` at `debug`) and retries.
    /// - Throws: ``APIError`` with code ``APIError/Code/missingAPIKey`` when the variable is unset
    ///   or empty, ``APIError/Code/invalidRequest`` when the base URL is not http(s).
    public static func live(
        baseURL: String, environment: [String: String]? = nil, retryPolicy: RetryPolicy = .default, logger: Logger
    ) throws -> APIClient {
        let key = environment.map { $0[apiKeyVariable] } ?? processEnvironment(apiKeyVariable)
        guard let key, !key.isEmpty else {
            throw APIError(
                code: .missingAPIKey, message: "\(apiKeyVariable) is not set; export the API key in that variable",
                operation: "configure", path: "")
        }
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://"),
            URLParts(baseURL).authority.map({ !$0.isEmpty }) ?? false
        else {
            throw APIError(
                code: .invalidRequest, message: "the base URL must start with http:// or https:// and name a host",
                operation: "configure", path: "")
        }
        return APIClient(
            baseURL: baseURL, apiKey: key,
            transport: AsyncHTTPClientTransport(defaultTimeout: retryPolicy.attemptTimeout),
            middlewares: [
                RetryMiddleware(policy: retryPolicy, logger: logger),
                LoggingMiddleware(logger: logger),
            ],
            logger: logger)
    }

    /// Shuts the transport down when it is an ``AsyncHTTPClientTransport`` that has started.
    public func shutdown() async throws {
        if let transport = transport as? AsyncHTTPClientTransport { try await transport.shutdown() }
    }

    private static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    // MARK: - Raw endpoints

    /// `GET /tasks/{task_id}/approval-details[?include_files=true]`, the body as received.
    ///
    /// - Parameters:
    ///   - taskID: the task.
    ///   - includeFiles: ask for presigned links to file-type variables (`files`).
    /// - Throws: ``APIError`` (e.g. ``APIError/Code/notAtApprovalStep`` for 409).
    public func approvalDetails(taskID: Int64, includeFiles: Bool = false) async throws -> JSONValue {
        try await get(.approvalDetails(taskID: taskID, includeFiles: includeFiles))
    }

    /// `GET /tasks/{task_id}`, the body as received (`{"task": {...}}`).
    ///
    /// - Throws: ``APIError``.
    public func task(taskID: Int64) async throws -> JSONValue {
        try await get(.task(taskID: taskID))
    }

    /// `GET /tasks/{task_id}/files`, the body as received (`task_id`, at most 10 `files`,
    /// `total_files`).
    ///
    /// - Throws: ``APIError``.
    public func taskFiles(taskID: Int64) async throws -> JSONValue {
        try await get(.taskFiles(taskID: taskID))
    }

    /// `GET /tasks/{task_id}/signed-documents`, the body as received.
    ///
    /// - Throws: ``APIError``.
    public func signedDocuments(taskID: Int64) async throws -> JSONValue {
        try await get(.signedDocuments(taskID: taskID))
    }

    /// `GET /tasks/{task_id}/steps/{step_id}/document`, the body as received.
    ///
    /// - Throws: ``APIError`` (``APIError/Code/notImplemented`` when the step has no document).
    public func stepDocument(taskID: Int64, stepID: String) async throws -> JSONValue {
        try await get(.stepDocument(taskID: taskID, stepID: stepID))
    }

    // MARK: - Typed endpoints

    /// `GET /tasks/{task_id}/approval-details` read into ``ApprovalDetails``.
    ///
    /// - Throws: ``APIError`` (``APIError/Code/invalidResponse`` when the body has the wrong shape).
    public func approvalDetails(taskID: Int64, includeFiles: Bool = false, as _: ApprovalDetails.Type) async throws
        -> ApprovalDetails
    {
        let endpoint = Endpoint.approvalDetails(taskID: taskID, includeFiles: includeFiles)
        return try decode(try await get(endpoint), endpoint, ApprovalDetails.init(json:))
    }

    /// `GET /tasks/{task_id}` read into ``WorkflowTask``.
    ///
    /// - Throws: ``APIError``.
    public func task(taskID: Int64, as _: WorkflowTask.Type) async throws -> WorkflowTask {
        let endpoint = Endpoint.task(taskID: taskID)
        return try decode(try await get(endpoint), endpoint, WorkflowTask.init(json:))
    }

    /// `GET /tasks/{task_id}/files` read into ``TaskFileList``.
    ///
    /// - Throws: ``APIError``.
    public func taskFiles(taskID: Int64, as _: TaskFileList.Type) async throws -> TaskFileList {
        let endpoint = Endpoint.taskFiles(taskID: taskID)
        return try decode(try await get(endpoint), endpoint, TaskFileList.init(json:))
    }

    /// `GET /tasks/{task_id}/signed-documents` read into ``SignedDocumentList``.
    ///
    /// - Throws: ``APIError``.
    public func signedDocuments(taskID: Int64, as _: SignedDocumentList.Type) async throws -> SignedDocumentList {
        let endpoint = Endpoint.signedDocuments(taskID: taskID)
        return try decode(try await get(endpoint), endpoint, SignedDocumentList.init(json:))
    }

    /// `GET /tasks/{task_id}/steps/{step_id}/document` read into ``StepDocument``.
    ///
    /// - Throws: ``APIError``.
    public func stepDocument(taskID: Int64, stepID: String, as _: StepDocument.Type) async throws -> StepDocument {
        let endpoint = Endpoint.stepDocument(taskID: taskID, stepID: stepID)
        return try decode(try await get(endpoint), endpoint, StepDocument.init(json:))
    }

    private func decode<Model>(
        _ value: JSONValue, _ endpoint: Endpoint, _ read: (JSONValue) throws(ModelError) -> Model
    ) throws(APIError) -> Model {
        do {
            return try read(value)
        } catch {
            throw endpoint.error(
                .invalidResponse, "the response does not have the documented shape: \(error)", underlying: error)
        }
    }
}

// MARK: - Endpoints

/// One documented endpoint call: what to name it in errors and where it goes.
struct Endpoint: Sendable {
    var operation: String
    var method: HTTPMethod = .get
    var path: String
    var query: String?
    var taskID: Int64
    var stepID: String?

    var pathAndQuery: String { query.map { path + "?" + $0 } ?? path }

    static func approvalDetails(taskID: Int64, includeFiles: Bool) -> Endpoint {
        Endpoint(
            operation: "approval_details", path: "/tasks/\(taskID)/approval-details",
            query: includeFiles ? "include_files=true" : nil, taskID: taskID)
    }

    static func task(taskID: Int64) -> Endpoint {
        Endpoint(operation: "task", path: "/tasks/\(taskID)", taskID: taskID)
    }

    static func taskFiles(taskID: Int64) -> Endpoint {
        Endpoint(operation: "task_files", path: "/tasks/\(taskID)/files", taskID: taskID)
    }

    static func signedDocuments(taskID: Int64) -> Endpoint {
        Endpoint(operation: "signed_documents", path: "/tasks/\(taskID)/signed-documents", taskID: taskID)
    }

    static func stepDocument(taskID: Int64, stepID: String) -> Endpoint {
        Endpoint(
            operation: "step_document", path: "/tasks/\(taskID)/steps/\(PercentEncoding.encode(stepID))/document",
            taskID: taskID, stepID: stepID)
    }

    func error(
        _ code: APIError.Code, _ message: String, status: Int? = nil, underlying: (any Error)? = nil
    ) -> APIError {
        APIError(
            code: code, message: message, operation: operation, method: method, path: path, taskID: taskID,
            stepID: stepID, status: status, underlying: underlying)
    }
}

/// Secrets the client scrubs from error excerpts; never printed, dumped or mirrored.
struct Secrets: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let values: [String]
    init(_ values: [String]) { self.values = values.filter { !$0.isEmpty } }
    var description: String { "Secrets(\(values.count) redacted)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["values": Redaction.placeholder]) }
}
