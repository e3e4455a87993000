/// Adds the `X-API-Key` header to every request.
///
/// The key comes from `APPROVAL_API_KEY` (see ``APIClient/live(baseURL:environment:retryPolicy:logger:)``),
/// never from a command-line flag, which `ps` would show. The middleware never prints it: its
/// `description`, `debugDescription` and mirror all show `REDACTED`. ``APIClient`` places it
/// innermost, next to the transport, so that no other middleware (logging included) sees the key.
///
/// ```swift
/// let auth = AuthMiddleware(apiKey: "ca_live_123")
/// print(auth)  // AuthMiddleware(apiKey: REDACTED)
/// ```
public struct AuthMiddleware: HTTPMiddleware, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The header that carries the key.
    public static let headerName = "X-API-Key"

    private let apiKey: String

    /// A middleware sending `apiKey`.
    public init(apiKey: String) {
        self.apiKey = apiKey
    }

    /// Sets `X-API-Key` (replacing any value already there) and calls `next`.
    public func intercept(_ request: HTTPRequest, body: [UInt8]?, next: Next) async throws -> (HTTPResponse, [UInt8]) {
        var request = request
        request.headers[Self.headerName] = apiKey
        return try await next(request, body)
    }

    /// Whether `text` contains the key (used to scrub error bodies before showing them).
    func appears(in text: String) -> Bool { !apiKey.isEmpty && text.contains(apiKey) }

    /// The key, for the client's own scrubbing of error excerpts; never printed.
    var secretForScrubbing: String { apiKey }

    /// `AuthMiddleware(apiKey: REDACTED)`.
    public var description: String { "AuthMiddleware(apiKey: \(Redaction.placeholder))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror that shows the key as `REDACTED`, so `dump` and the debugger do not reveal it.
    public var customMirror: Mirror { Mirror(self, children: ["apiKey": Redaction.placeholder]) }
}
