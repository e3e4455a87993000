/// Sees every request on its way to the transport, and its response on the way back.
///
/// A middleware may change the request (``AuthMiddleware`` adds the key), call `next` several
/// times (``RetryMiddleware``), observe (``LoggingMiddleware``) or answer without calling `next`
/// at all. ``APIClient`` folds its middleware array around the transport with the first element
/// outermost: `[retry, logging]` logs every attempt, `[logging, retry]` logs each call once.
///
/// ```swift
/// struct UserAgentMiddleware: HTTPMiddleware {
///     func intercept(
///         _ request: HTTPRequest, body: [UInt8]?, next: HTTPMiddleware.Next
///     ) async throws -> (HTTPResponse, [UInt8]) {
///         var request = request
///         request.headers["User-Agent"] = "approvalctl"
///         return try await next(request, body)
///     }
/// }
/// ```
public protocol HTTPMiddleware: Sendable {
    /// The rest of the chain: the next middleware, or the transport itself.
    typealias Next = @Sendable (HTTPRequest, [UInt8]?) async throws -> (HTTPResponse, [UInt8])

    /// Handles `request`, usually by passing it (changed or not) to `next`.
    ///
    /// - Returns: the response head and its whole body.
    /// - Throws: whatever `next` throws, or the middleware's own error.
    func intercept(_ request: HTTPRequest, body: [UInt8]?, next: Next) async throws -> (HTTPResponse, [UInt8])
}

/// The transport wrapped in its middleware, first element outermost.
struct MiddlewareChain: Sendable {
    let transport: any HTTPTransport
    let middlewares: [any HTTPMiddleware]

    func send(_ request: HTTPRequest, body: [UInt8]?) async throws -> (HTTPResponse, [UInt8]) {
        let transport = self.transport
        var next: HTTPMiddleware.Next = { request, body in try await transport.send(request, body: body) }
        for middleware in middlewares.reversed() {
            let inner = next
            next = { request, body in try await middleware.intercept(request, body: body, next: inner) }
        }
        return try await next(request, body)
    }
}
