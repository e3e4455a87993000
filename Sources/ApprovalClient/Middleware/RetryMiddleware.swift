public import Logging

/// Retries safe requests (`GET`, `HEAD`) after connection errors, timeouts, 429 and the 5xx that
/// mean "try again", with capped exponential backoff, jitter, `Retry-After` and an overall
/// deadline (see ``RetryPolicy``).
///
/// Other methods pass through untouched: `POST /tasks/{id}/approve` has no idempotency key, so it
/// is never repeated blindly. Each attempt gets ``HTTPRequest/timeout`` set to the smaller of
/// ``RetryPolicy/attemptTimeout`` and what is left before the deadline, so a hanging server costs
/// at most the deadline. When it has retried and still fails it throws ``RetryFailure``; when no
/// retry was allowed (one attempt) the response or error passes through as it is.
///
/// The clock and the random source are injectable, so tests run without sleeping:
///
/// ```swift
/// let retry = RetryMiddleware(policy: .default, logger: logger)
/// let testRetry = RetryMiddleware(policy: .default, clock: manualClock, random: { 0.5 })
/// ```
public struct RetryMiddleware: HTTPMiddleware {
    /// The policy in force.
    public let policy: RetryPolicy
    private let logger: Logger?
    private let clock: RetryClock
    private let random: @Sendable () -> Double

    /// A retry middleware.
    ///
    /// - Parameters:
    ///   - policy: attempts, waits and deadline.
    ///   - logger: where to note each retry (at `debug`); `nil` for none.
    ///   - clock: the time source and sleep function (``RetryClock/system`` by default).
    ///   - random: a source of numbers in `0..<1` for jitter.
    public init(
        policy: RetryPolicy = .default, logger: Logger? = nil, clock: RetryClock = .system,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.logger = logger
        self.clock = clock
        self.random = random
    }

    /// Sends the request, retrying as the policy allows.
    ///
    /// - Throws: ``RetryFailure`` after retries that did not help; otherwise what `next` throws.
    public func intercept(_ request: HTTPRequest, body: [UInt8]?, next: Next) async throws -> (HTTPResponse, [UInt8]) {
        let start = clock.now()
        let deadlineAt = start + policy.deadline
        let retryable = request.method.isSafeToRetry
        let requestedTimeout = min(request.timeout ?? policy.attemptTimeout, policy.attemptTimeout)
        var attempts = 0
        var lastResponse: HTTPResponse?
        var lastBody: [UInt8] = []
        var lastError: (any Error)?

        func failure(_ reason: RetryFailure.Reason, retryAfter: Duration? = nil) -> RetryFailure {
            RetryFailure(
                reason: reason, attempts: attempts, elapsed: clock.now() - start, deadline: policy.deadline,
                lastResponse: lastResponse, lastBody: lastBody, lastError: lastError, retryAfter: retryAfter)
        }

        while true {
            let remaining = deadlineAt - clock.now()
            if remaining <= .zero {
                if attempts == 0 {
                    lastError = HTTPTransportError(code: .timeout, message: "the deadline left no time to send")
                }
                throw failure(.deadlineExceeded)
            }
            attempts += 1
            var attempt = request
            let cutByDeadline = remaining < requestedTimeout
            attempt.timeout = min(requestedTimeout, remaining)

            var retryAfter: Duration?
            do {
                let (response, responseBody) = try await next(attempt, body)
                guard retryable, policy.retryableStatuses.contains(response.status) else {
                    return (response, responseBody)
                }
                if policy.maxAttempts == 1 { return (response, responseBody) }
                lastResponse = response
                lastBody = responseBody
                lastError = nil
                retryAfter = Self.retryAfter(response.headers["Retry-After"])
            } catch let error as HTTPTransportError where error.code == .connection || error.code == .timeout {
                guard retryable, policy.maxAttempts > 1 else { throw error }
                lastResponse = nil
                lastBody = []
                lastError = error
                if error.code == .timeout && cutByDeadline { throw failure(.deadlineExceeded) }
            }

            if attempts >= policy.maxAttempts { throw failure(.attemptsExhausted, retryAfter: retryAfter) }

            var wait = policy.delay(beforeRetry: attempts, random: random())
            if let retryAfter { wait = max(wait, retryAfter) }
            if clock.now() + wait >= deadlineAt {
                let serverAskedTooMuch = retryAfter.map { clock.now() + $0 >= deadlineAt } ?? false
                throw failure(
                    serverAskedTooMuch ? .retryAfterBeyondDeadline : .deadlineExceeded, retryAfter: retryAfter)
            }
            logger?.debug(
                "retrying after a temporary failure",
                metadata: [
                    "http.method": "\(request.method)",
                    "http.url": "\(Redaction.url(request.url))",
                    "retry.attempt": "\(attempts + 1)",
                    "retry.max_attempts": "\(policy.maxAttempts)",
                    "retry.wait_ms": "\(DurationText.milliseconds(wait))",
                    "retry.cause": "\(lastResponse.map { "HTTP \($0.status)" } ?? lastError.map { "\($0)" } ?? "")",
                ])
            try await clock.sleep(wait)
        }
    }

    /// Reads a `Retry-After` header given in delta-seconds (an HTTP date is ignored: the backoff
    /// applies instead).
    package static func retryAfter(_ header: String?) -> Duration? {
        guard let header else { return nil }
        let trimmed = header.filter { $0 != " " && $0 != "\t" }
        guard let seconds = Int64(trimmed), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 86_400))
    }
}
