/// How ``RetryMiddleware`` retries: how often, how long it waits, and the overall deadline.
///
/// The wait before retry *n* (1-based) is `min(maxDelay, baseDelay * 2^(n-1))`, of which the
/// fraction `jitter` is random (`0.5`: between half and all of it), so that many clients do not
/// retry in step. A `Retry-After` header (delta-seconds) makes the wait at least that long. No
/// wait and no attempt runs past `deadline`, counted from the first attempt: when the next wait
/// would end after it, the middleware gives up at once.
///
/// ```swift
/// var policy = RetryPolicy.default
/// policy.deadline = .seconds(10)
/// let retry = RetryMiddleware(policy: policy)
/// ```
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts, the first one included (1 disables retries).
    public var maxAttempts: Int
    /// The wait before the first retry, before jitter.
    public var baseDelay: Duration
    /// The longest wait between two attempts, before jitter (`Retry-After` may ask for more,
    /// within the deadline).
    public var maxDelay: Duration
    /// The longest one attempt may take (passed to the transport as ``HTTPRequest/timeout``).
    public var attemptTimeout: Duration
    /// The longest all attempts and waits together may take.
    public var deadline: Duration
    /// The random fraction of each wait, from 0 (none) to 1 (anything from zero to the wait).
    public var jitter: Double
    /// The statuses worth retrying: 408, 429 and the 5xx that mean "try again" (not 501).
    public var retryableStatuses: Set<Int>

    /// A policy.
    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(250),
        maxDelay: Duration = .seconds(4),
        attemptTimeout: Duration = .seconds(10),
        deadline: Duration = .seconds(30),
        jitter: Double = 0.5,
        retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
        self.jitter = min(1, max(0, jitter))
        self.retryableStatuses = retryableStatuses
    }

    /// 4 attempts, 250 ms doubling up to 4 s with 50% jitter, 10 s per attempt, 30 s in all.
    public static let `default` = RetryPolicy()

    /// One attempt, no retries (still bounded by `attemptTimeout` and `deadline`).
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before retry number `retry` (1-based), given a random number in `0..<1`.
    package func delay(beforeRetry retry: Int, random: Double) -> Duration {
        var backoff = baseDelay
        var step = 1
        while step < retry && backoff < maxDelay {
            backoff *= 2
            step += 1
        }
        backoff = min(backoff, maxDelay)
        let factor = (1 - jitter) + jitter * min(max(random, 0), 1)
        return backoff * factor
    }
}

/// Where ``RetryMiddleware`` reads the time and how it waits; tests inject a manual clock so that
/// nothing really sleeps.
///
/// ```swift
/// let clock = RetryClock(now: { .zero }, sleep: { _ in })  // never waits, time stands still
/// ```
public struct RetryClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    public var now: @Sendable () -> Duration
    /// Waits for the duration (throws `CancellationError` when the task is cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void

    /// A clock from its two functions.
    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// `ContinuousClock` and `Task.sleep`.
    public static let system: RetryClock = {
        let origin = ContinuousClock.now
        return RetryClock(
            now: { ContinuousClock.now - origin },
            sleep: { duration in try await Task.sleep(for: duration) })
    }()
}

/// Thrown by ``RetryMiddleware`` when it retried and still failed: why it stopped, how many
/// attempts it made, and the last response or error.
///
/// ``APIClient`` turns it into an ``APIError`` whose code follows the last failure (429 gives
/// ``APIError/Code/rateLimited``, 503 ``APIError/Code/serverError``, a cut attempt
/// ``APIError/Code/deadlineExceeded``).
///
/// ```swift
/// catch let failure as RetryFailure {
///     print(failure.attempts, failure.lastResponse?.status ?? 0)
/// }
/// ```
public struct RetryFailure: Error, Sendable, CustomStringConvertible {
    /// Why retrying stopped.
    ///
    /// ```swift
    /// if failure.reason == .retryAfterBeyondDeadline { print("the server asked for too long a pause") }
    /// ```
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case attemptsExhausted = "attempts_exhausted"
            case deadlineExceeded = "deadline_exceeded"
            case retryAfterBeyondDeadline = "retry_after_beyond_deadline"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Every allowed attempt failed.
        public static let attemptsExhausted = Reason(.attemptsExhausted)
        /// The overall deadline passed, or the next wait would have ended after it.
        public static let deadlineExceeded = Reason(.deadlineExceeded)
        /// The server's `Retry-After` asked for a wait that ends after the deadline.
        public static let retryAfterBeyondDeadline = Reason(.retryAfterBeyondDeadline)

        /// The snake_case name.
        public var description: String { kind.rawValue }
    }

    /// Why retrying stopped.
    public var reason: Reason
    /// How many attempts were made.
    public var attempts: Int
    /// Time from the first attempt until giving up.
    public var elapsed: Duration
    /// The deadline in force.
    public var deadline: Duration
    /// The last response, when the last attempt got one.
    public var lastResponse: HTTPResponse?
    /// The last response's body (empty when there was none).
    public var lastBody: [UInt8]
    /// The last error, when the last attempt got no response.
    public var lastError: (any Error)?
    /// The last `Retry-After` the server sent.
    public var retryAfter: Duration?

    /// A failure.
    public init(
        reason: Reason, attempts: Int, elapsed: Duration, deadline: Duration, lastResponse: HTTPResponse? = nil,
        lastBody: [UInt8] = [], lastError: (any Error)? = nil, retryAfter: Duration? = nil
    ) {
        self.reason = reason
        self.attempts = attempts
        self.elapsed = elapsed
        self.deadline = deadline
        self.lastResponse = lastResponse
        self.lastBody = lastBody
        self.lastError = lastError
        self.retryAfter = retryAfter
    }

    /// e.g. `gave up after 4 attempts in 2.1 s (attempts_exhausted; last: HTTP 503)`.
    public var description: String {
        var last = ""
        if let lastResponse {
            last = "HTTP \(lastResponse.status)"
        } else if let lastError {
            last = "\(lastError)"
        }
        let attemptsText = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        return "gave up after \(attemptsText) in \(DurationText.seconds(elapsed)) (\(reason); deadline "
            + "\(DurationText.seconds(deadline))\(last.isEmpty ? "" : "; last: \(last)"))"
    }
}

/// Short human renderings of durations (`250 ms`, `2.5 s`).
package enum DurationText {
    /// A duration in whole milliseconds.
    package static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    static func seconds(_ duration: Duration) -> String {
        let millis = milliseconds(duration)
        if millis < 1000 { return "\(millis) ms" }
        let tenths = (millis + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
