/// Sends one HTTP request and returns the response with its whole body.
///
/// A transport does no mapping, no retries and no authentication: it moves bytes. Those concerns
/// are ``HTTPMiddleware`` values that ``APIClient`` folds around the transport. The default
/// implementation is ``AsyncHTTPClientTransport``; tests use a closure-backed mock, and an app
/// that prefers URLSession can plug in its own in a few lines.
///
/// A transport must honour ``HTTPRequest/timeout`` (``RetryMiddleware`` shrinks it to fit the
/// overall deadline) and report failures that never produced a response as
/// ``HTTPTransportError`` so that the retry rules can tell a refused connection from a timeout.
///
/// ```swift
/// struct EchoTransport: HTTPTransport {
///     func send(_ request: HTTPRequest, body: [UInt8]?) async throws -> (HTTPResponse, [UInt8]) {
///         (HTTPResponse(status: 200), Array(#"{"path":"\#(request.path)"}"#.utf8))
///     }
/// }
/// ```
public protocol HTTPTransport: Sendable {
    /// Sends `request` with an optional `body`.
    ///
    /// - Returns: the response head and its complete body (empty when there is none).
    /// - Throws: ``HTTPTransportError`` when no complete response arrived (connection refused or
    ///   dropped, timeout, invalid URL); a cancelled task may throw `CancellationError`.
    func send(_ request: HTTPRequest, body: [UInt8]?) async throws -> (HTTPResponse, [UInt8])
}

// MARK: - Method

/// An HTTP method such as `GET`.
///
/// ```swift
/// let method: HTTPMethod = .get
/// method.isIdempotent  // true: safe to retry
/// ```
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    /// The method token, e.g. `GET`.
    public var rawValue: String

    /// A method from its token (upper case by convention).
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// `GET`.
    public static let get = HTTPMethod("GET")
    /// `HEAD`.
    public static let head = HTTPMethod("HEAD")
    /// `POST`.
    public static let post = HTTPMethod("POST")
    /// `PUT`.
    public static let put = HTTPMethod("PUT")
    /// `PATCH`.
    public static let patch = HTTPMethod("PATCH")
    /// `DELETE`.
    public static let delete = HTTPMethod("DELETE")

    /// Whether a request with this method may be repeated without changing anything twice
    /// (`GET` and `HEAD` only: the approvals API has no idempotency keys).
    public var isSafeToRetry: Bool { self == .get || self == .head }

    /// The method token.
    public var description: String { rawValue }
}

// MARK: - Headers

/// HTTP header fields: ordered, names compared without regard to case.
///
/// ```swift
/// var headers = HTTPHeaders()
/// headers["Accept"] = "application/json"
/// headers["accept"]  // "application/json"
/// ```
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in order, names as written.
    public private(set) var fields: [(name: String, value: String)]

    /// No fields.
    public init() { fields = [] }

    /// These fields, in order.
    public init(_ fields: [(name: String, value: String)]) { self.fields = fields }

    /// Fields from a literal, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value for `name` (any case); setting replaces every field of that name, `nil`
    /// removes them.
    public subscript(name: String) -> String? {
        get { fields.first { Self.same($0.name, name) }?.value }
        set {
            let at = fields.firstIndex { Self.same($0.name, name) }
            fields.removeAll { Self.same($0.name, name) }
            guard let newValue else { return }
            fields.insert((name: name, value: newValue), at: Swift.min(at ?? fields.count, fields.count))
        }
    }

    /// Adds a field, keeping any others of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Whether there is a field named `name` (any case).
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }

    /// Equal when the fields match in order, names compared without case.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { same($0.name, $1.name) && $0.value == $1.value }
    }

    /// Hashes the fields in order, names in lower case (agrees with `==`).
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name.lowercased())
            hasher.combine(field.value)
        }
    }
}

// MARK: - Request and response

/// An HTTP request head: method, absolute URL, header fields and a time limit.
///
/// ```swift
/// let request = HTTPRequest(method: .get, url: "http://127.0.0.1:8080/tasks/12345?include_files=true")
/// request.path   // "/tasks/12345"
/// request.query  // "include_files=true"
/// ```
public struct HTTPRequest: Sendable, Hashable {
    /// The method.
    public var method: HTTPMethod
    /// The absolute URL, `scheme://host[:port]/path[?query]`.
    public var url: String
    /// The header fields.
    public var headers: HTTPHeaders
    /// How long the transport may take for this request, head and body; `nil` means the
    /// transport's own default.
    public var timeout: Duration?

    /// A request.
    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.timeout = timeout
    }

    /// The path part of ``url`` (from the first `/` after the authority, before `?`).
    public var path: String { URLParts(url).path }

    /// The query part of ``url`` without the `?`, or `nil` when there is none.
    public var query: String? { URLParts(url).query }
}

/// An HTTP response head: the status code and header fields.
///
/// ```swift
/// let response = HTTPResponse(status: 429, headers: ["Retry-After": "2"])
/// response.isSuccess  // false
/// ```
public struct HTTPResponse: Sendable, Hashable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The header fields.
    public var headers: HTTPHeaders

    /// A response head.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.headers = headers
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

// MARK: - Transport errors

/// Why a transport produced no response.
///
/// ```swift
/// throw HTTPTransportError(code: .connection, message: "connection refused")
/// ```
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    ///
    /// ```swift
    /// if error.code == .timeout { print("retry later") }
    /// ```
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case connection
            case timeout
            case invalidRequest = "invalid_request"
            case responseTooLarge = "response_too_large"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The connection could not be made, or broke before the whole response arrived.
        public static let connection = Code(.connection)
        /// The request did not complete within its time limit.
        public static let timeout = Code(.timeout)
        /// The request could not be sent at all (a malformed URL, an unsupported scheme).
        public static let invalidRequest = Code(.invalidRequest)
        /// The response body is larger than the transport accepts.
        public static let responseTooLarge = Code(.responseTooLarge)

        /// The snake_case name, e.g. `timeout`.
        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A short explanation (no secrets: never a header value or a full URL query).
    public var message: String
    /// The error from the HTTP library, if any.
    public var underlying: (any Error)?

    /// An error.
    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
