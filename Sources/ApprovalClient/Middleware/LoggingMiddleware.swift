public import Logging

/// Logs each request and its outcome through swift-log, with secrets redacted.
///
/// One line when the request goes out and one when it completes (status, duration, body size)
/// or fails. URLs pass through ``Redaction/url(_:)`` (presigned signatures, credentials and
/// tokens become `REDACTED`) and header values such as `X-API-Key` are never logged, even at
/// `trace`. Bodies are not logged. The library never bootstraps logging: it uses the logger it is
/// given (swift-log best practice 003).
///
/// ```swift
/// var logger = Logger(label: "approvalctl.http")
/// logger.logLevel = .debug
/// let client = APIClient(
///     baseURL: "http://127.0.0.1:8080", apiKey: key, transport: AsyncHTTPClientTransport(),
///     middlewares: [RetryMiddleware(), LoggingMiddleware(logger: logger)], logger: logger)
/// ```
public struct LoggingMiddleware: HTTPMiddleware {
    private let logger: Logger
    private let level: Logger.Level

    /// A logging middleware writing at `level` (failures one level higher, at least `info`).
    public init(logger: Logger, level: Logger.Level = .debug) {
        self.logger = logger
        self.level = level
    }

    /// Logs, calls `next`, logs the outcome.
    public func intercept(_ request: HTTPRequest, body: [UInt8]?, next: Next) async throws -> (HTTPResponse, [UInt8]) {
        let url = Redaction.url(request.url)
        var metadata: Logger.Metadata = [
            "http.method": "\(request.method)",
            "http.url": "\(url)",
        ]
        if logger.logLevel <= .trace {
            let headers = Redaction.headers(request.headers)
            metadata["http.request.headers"] = .string(
                headers.fields.map { "\($0.name): \($0.value)" }.joined(separator: ", "))
        }
        logger.log(level: level, "request", metadata: metadata)
        let started = ContinuousClock.now
        do {
            let (response, responseBody) = try await next(request, body)
            metadata["http.status"] = "\(response.status)"
            metadata["http.duration_ms"] = "\(DurationText.milliseconds(ContinuousClock.now - started))"
            metadata["http.response.bytes"] = "\(responseBody.count)"
            logger.log(level: level, "response", metadata: metadata)
            return (response, responseBody)
        } catch {
            metadata["http.duration_ms"] = "\(DurationText.milliseconds(ContinuousClock.now - started))"
            metadata["error"] = "\(Redaction.text(String(describing: error)))"
            logger.log(level: max(level, .info), "request failed", metadata: metadata)
            throw error
        }
    }
}
