import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The default ``HTTPTransport``, on AsyncHTTPClient (the only file that imports it).
///
/// The `HTTPClient` is created on the first ``send(_:body:)``, not before, so a command that
/// reads a saved snapshot never pays for the HTTP stack. Redirects are not followed (a redirect
/// to another host would carry `X-API-Key` along; AsyncHTTPClient strips only `Authorization`),
/// so a 3xx reaches ``APIClient`` as an unexpected status. A refused connection fails at once
/// instead of being retried inside AsyncHTTPClient: ``RetryMiddleware`` owns retries. Responses
/// larger than `maxResponseBytes` are refused.
///
/// The transport owns its client: call ``shutdown()`` when done. If it is released without that,
/// its `deinit` starts the shutdown without waiting.
///
/// ```swift
/// let transport = AsyncHTTPClientTransport()
/// defer { Task { try? await transport.shutdown() } }
/// let client = APIClient(baseURL: url, apiKey: key, transport: transport, middlewares: [], logger: logger)
/// ```
public final class AsyncHTTPClientTransport: HTTPTransport {
    private enum State {
        case idle
        case running(HTTPClient)
        case shutDown
    }

    private let state = Mutex<State>(.idle)
    private let defaultTimeout: Duration
    private let connectTimeout: Duration
    private let maxResponseBytes: Int

    /// A transport; nothing is allocated until the first request.
    ///
    /// - Parameters:
    ///   - defaultTimeout: the limit for a request whose ``HTTPRequest/timeout`` is `nil`.
    ///   - connectTimeout: the limit for opening a connection.
    ///   - maxResponseBytes: the largest response body accepted.
    public init(
        defaultTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5),
        maxResponseBytes: Int = 16 << 20
    ) {
        self.defaultTimeout = defaultTimeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    deinit {
        let client: HTTPClient? = state.withLock { state in
            if case .running(let client) = state { return client }
            return nil
        }
        // Fire and forget: deinit cannot wait. The client keeps itself alive until it is down.
        _ = client?.shutdown()
    }

    /// Whether the HTTP client has been created yet (it is only on the first request).
    public var isStarted: Bool {
        state.withLock { state in
            if case .running = state { return true }
            return false
        }
    }

    /// Shuts the HTTP client down, if it was ever created. Later requests fail.
    public func shutdown() async throws {
        let client: HTTPClient? = state.withLock { state in
            defer { state = .shutDown }
            if case .running(let client) = state { return client }
            return nil
        }
        try await client?.shutdown()
    }

    private func client() throws(HTTPTransportError) -> HTTPClient {
        let connectTimeout = self.connectTimeout
        let client: HTTPClient? = state.withLock { state in
            let current = state
            switch current {
            case .running(let client):
                return client
            case .shutDown:
                return nil
            case .idle:
                var configuration = HTTPClient.Configuration(
                    redirectConfiguration: .disallow,
                    timeout: .init(connect: Self.timeAmount(connectTimeout)),
                    decompression: .disabled)
                configuration.httpVersion = .http1Only
                // Fail fast on a refused connection: RetryMiddleware owns retries (with backoff and
                // the deadline); AsyncHTTPClient would otherwise retry until the request timeout.
                configuration.connectionPool.retryConnectionEstablishment = false
                let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
                state = .running(client)
                return client
            }
        }
        guard let client else {
            throw HTTPTransportError(code: .invalidRequest, message: "the transport has been shut down")
        }
        return client
    }

    /// Sends the request; the whole exchange, body included, must finish within its timeout.
    ///
    /// - Throws: ``HTTPTransportError`` (`connection`, `timeout`, `invalid_request`,
    ///   `response_too_large`), or `CancellationError`.
    public func send(_ request: HTTPRequest, body: [UInt8]?) async throws -> (HTTPResponse, [UInt8]) {
        let client = try client()
        let timeout = request.timeout ?? defaultTimeout
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers.fields { outgoing.headers.add(name: field.name, value: field.value) }
        if let body { outgoing.body = .bytes(body) }
        let prepared = outgoing
        let limit = maxResponseBytes

        do {
            return try await withThrowingTaskGroup(of: (HTTPResponse, [UInt8])?.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, timeout: Self.timeAmount(timeout))
                    var headers = HTTPHeaders()
                    for (name, value) in response.headers { headers.add(name: name, value: value) }
                    let buffer = try await response.body.collect(upTo: limit)
                    return (
                        HTTPResponse(status: Int(response.status.code), headers: headers),
                        Array(buffer.readableBytesView)
                    )
                }
                group.addTask {
                    // A guard for the body as well as the head (AsyncHTTPClient's deadline is the
                    // first line of defence); `nil` means the time ran out.
                    try await Task.sleep(for: timeout + .milliseconds(50))
                    return nil
                }
                defer { group.cancelAll() }
                // Two tasks were added, so `next()` returns at least once.
                guard let first = try await group.next(), let result = first else {
                    throw HTTPTransportError(
                        code: .timeout, message: "no complete response within \(DurationText.seconds(timeout))")
                }
                return result
            }
        } catch let error as HTTPTransportError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.transportError(error, timeout: timeout)
        }
    }

    /// The one funnel from AsyncHTTPClient and NIO errors to ``HTTPTransportError``.
    static func transportError(_ error: any Error, timeout: Duration) -> HTTPTransportError {
        if error is NIOTooManyBytesError {
            return HTTPTransportError(
                code: .responseTooLarge, message: "the response body is too large", underlying: error)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout:
                return HTTPTransportError(
                    code: .timeout, message: "no complete response within \(DurationText.seconds(timeout)) (\(error))",
                    underlying: error)
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .alreadyShutdown:
                return HTTPTransportError(code: .invalidRequest, message: "cannot send: \(error)", underlying: error)
            default:
                return HTTPTransportError(code: .connection, message: "\(error)", underlying: error)
            }
        }
        return HTTPTransportError(code: .connection, message: "\(error)", underlying: error)
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
