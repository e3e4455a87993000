/// Why a call to the approvals API failed: a stable ``Code``, which operation, task and endpoint,
/// the HTTP status, the server's detail, a cut-down body, and the underlying error.
///
/// Every documented status has its own code (401 and 403, 404, 409 "not at a pending approval
/// step", 422 with its detail list, 429, 5xx, 501 "no document"), as do failures without a
/// response (timeout, deadline, connection) and bodies that are not what the API documents. The
/// three groups a command-line tool maps to exit codes are ``isTemporary`` (75),
/// ``isUnavailable`` (69) and ``isAuthentication`` (77).
///
/// The description never contains the API key, and presigned-URL signatures in the body excerpt
/// are redacted (STYLE §6).
///
/// ```swift
/// do {
///     _ = try await client.approvalDetails(taskID: 12345, includeFiles: true)
/// } catch let error as APIError where error.code == .notAtApprovalStep {
///     print(error)  // task 12345: GET /tasks/12345/approval-details failed: ... (HTTP 409) [not_at_approval_step]
/// }
/// ```
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, printed as snake_case.
    ///
    /// ```swift
    /// if error.code == .notAtApprovalStep { print(error.code) }  // not_at_approval_step
    /// ```
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case missingAPIKey = "missing_api_key"
            case unauthorized
            case forbidden
            case notFound = "not_found"
            case notAtApprovalStep = "not_at_approval_step"
            case validation
            case rateLimited = "rate_limited"
            case serverError = "server_error"
            case notImplemented = "not_implemented"
            case unexpectedStatus = "unexpected_status"
            case timeout
            case deadlineExceeded = "deadline_exceeded"
            case connection
            case invalidResponse = "invalid_response"
            case invalidRequest = "invalid_request"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// `APPROVAL_API_KEY` is not set (nothing was sent).
        public static let missingAPIKey = Code(.missingAPIKey)
        /// HTTP 401: the key is missing, invalid, expired or revoked (see ``APIError/authenticationReason``).
        public static let unauthorized = Code(.unauthorized)
        /// HTTP 403: the key is valid but may not do this.
        public static let forbidden = Code(.forbidden)
        /// HTTP 404: the task (or the step's document) does not exist or is not accessible.
        public static let notFound = Code(.notFound)
        /// HTTP 409: the task is not at a pending approval step.
        public static let notAtApprovalStep = Code(.notAtApprovalStep)
        /// HTTP 422: the request parameters were rejected (see ``APIError/validationIssues``).
        public static let validation = Code(.validation)
        /// HTTP 429, still after any retries.
        public static let rateLimited = Code(.rateLimited)
        /// HTTP 5xx other than 501, still after any retries.
        public static let serverError = Code(.serverError)
        /// HTTP 501: the step has no document (yet, or ever).
        public static let notImplemented = Code(.notImplemented)
        /// Any other status the API does not document (3xx, 400, 405, ...).
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// An attempt got no complete response in time, still after any retries.
        public static let timeout = Code(.timeout)
        /// The overall deadline passed before a usable response arrived.
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// The connection failed or broke, still after any retries.
        public static let connection = Code(.connection)
        /// The body is not JSON, or not the documented shape.
        public static let invalidResponse = Code(.invalidResponse)
        /// The request could not be built or sent (a malformed base URL, a bad scheme).
        public static let invalidRequest = Code(.invalidRequest)

        /// The snake_case name, e.g. `not_at_approval_step`.
        public var description: String { kind.rawValue }
    }

    /// Why a 401 was returned, from the server's `detail`.
    ///
    /// ```swift
    /// if error.authenticationReason == .invalidKey { print("check APPROVAL_API_KEY") }
    /// ```
    public struct AuthenticationReason: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case missingKey = "missing_key"
            case invalidKey = "invalid_key"
            case expiredKey = "expired_key"
            case revokedKey = "revoked_key"
            case other
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// No key reached the server (`"Missing API key"`).
        public static let missingKey = AuthenticationReason(.missingKey)
        /// The key is not known (`"Invalid API key"`).
        public static let invalidKey = AuthenticationReason(.invalidKey)
        /// The key has expired.
        public static let expiredKey = AuthenticationReason(.expiredKey)
        /// The key was revoked or deactivated.
        public static let revokedKey = AuthenticationReason(.revokedKey)
        /// Some other reason (see ``APIError/detail``).
        public static let other = AuthenticationReason(.other)

        /// Classifies a 401 `detail` text.
        static func classify(_ detail: String?) -> AuthenticationReason {
            guard let detail = detail?.lowercased() else { return .other }
            if detail.contains("missing") || detail.contains("not provided") || detail.contains("required") {
                return .missingKey
            }
            if detail.contains("expired") { return .expiredKey }
            if detail.contains("revoked") || detail.contains("deactivated") || detail.contains("disabled") {
                return .revokedKey
            }
            if detail.contains("invalid") || detail.contains("unknown") { return .invalidKey }
            return .other
        }

        /// The snake_case name.
        public var description: String { kind.rawValue }
    }

    /// One entry of a 422 `detail` list.
    ///
    /// ```swift
    /// // {"loc": ["path", "task_id"], "msg": "value is not a valid integer", "type": "type_error.integer"}
    /// issue.location  // ["path", "task_id"]
    /// ```
    public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
        /// Where: e.g. `["path", "task_id"]` or `["query", "include_files"]`.
        public var location: [String]
        /// The message, e.g. `value is not a valid integer`.
        public var message: String
        /// The error type, e.g. `type_error.integer`.
        public var type: String?

        /// An issue.
        public init(location: [String], message: String, type: String? = nil) {
            self.location = location
            self.message = message
            self.type = type
        }

        /// `path.task_id: value is not a valid integer`.
        public var description: String {
            location.isEmpty ? message : "\(location.joined(separator: ".")): \(message)"
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation (no secrets).
    public var message: String
    /// The client operation, e.g. `approval_details`, `task`, `task_files`, `signed_documents`,
    /// `step_document`.
    public var operation: String
    /// The HTTP method.
    public var method: HTTPMethod
    /// The request path, without the query, e.g. `/tasks/12345/approval-details`.
    public var path: String
    /// The task concerned.
    public var taskID: Int64?
    /// The step concerned (step documents).
    public var stepID: String?
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The server's `detail` message, when it sent one (a summary for 422).
    public var detail: String?
    /// For 401, why.
    public var authenticationReason: AuthenticationReason?
    /// For 422, the server's list of problems.
    public var validationIssues: [ValidationIssue]
    /// The seconds the server asked to wait (429).
    public var retryAfter: Duration?
    /// How many attempts were made, when retries happened.
    public var attempts: Int?
    /// At most ``bodyExcerptLimit`` bytes of the response body, with secrets redacted.
    public var bodyExcerpt: String?
    /// The error underneath (``HTTPTransportError``, ``RetryFailure``, a JSON error, ...).
    public var underlying: (any Error)?

    /// The longest body excerpt kept, in bytes.
    public static let bodyExcerptLimit = 500

    /// An error.
    public init(
        code: Code, message: String, operation: String, method: HTTPMethod = .get, path: String, taskID: Int64? = nil,
        stepID: String? = nil, status: Int? = nil, detail: String? = nil,
        authenticationReason: AuthenticationReason? = nil, validationIssues: [ValidationIssue] = [],
        retryAfter: Duration? = nil, attempts: Int? = nil, bodyExcerpt: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.operation = operation
        self.method = method
        self.path = path
        self.taskID = taskID
        self.stepID = stepID
        self.status = status
        self.detail = detail
        self.authenticationReason = authenticationReason
        self.validationIssues = validationIssues
        self.retryAfter = retryAfter
        self.attempts = attempts
        self.bodyExcerpt = bodyExcerpt
        self.underlying = underlying
    }

    /// Safe to try again later: rate limited, timed out, deadline passed (exit code 75).
    public var isTemporary: Bool {
        code == .rateLimited || code == .timeout || code == .deadlineExceeded
    }

    /// The API could not be reached or failed: 5xx (not 501) or a connection failure (exit code 69).
    public var isUnavailable: Bool {
        code == .serverError || code == .connection
    }

    /// The key is missing, invalid or not allowed: 401, 403 or no `APPROVAL_API_KEY` (exit code 77).
    public var isAuthentication: Bool {
        code == .unauthorized || code == .forbidden || code == .missingAPIKey
    }

    /// One line: `task 12345: GET /tasks/12345/approval-details failed: <message> (HTTP 409) [code]`,
    /// with the status, detail, `Retry-After` and attempt count when known.
    public var description: String {
        var text = ""
        if let taskID { text += "task \(taskID): " }
        if !path.isEmpty { text += "\(method) \(path) failed: " }
        text += message
        var facts: [String] = []
        if let status { facts.append("HTTP \(status)") }
        if let detail, !message.contains(detail) { facts.append("detail: \(detail)") }
        if let retryAfter { facts.append("retry after \(DurationText.seconds(retryAfter))") }
        if let attempts, attempts > 1 { facts.append("after \(attempts) attempts") }
        if !facts.isEmpty { text += " (" + facts.joined(separator: "; ") + ")" }
        text += " [\(code)]"
        return text
    }
}
