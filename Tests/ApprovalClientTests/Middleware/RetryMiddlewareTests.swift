import ApprovalJSON
import Testing

@testable import ApprovalClient

@Suite("RetryMiddleware: which failures, how long, and the deadline")
struct RetryMiddlewareTests {
    static let ok: (HTTPResponse, [UInt8]) = (HTTPResponse(status: 200), [UInt8](#"{"task_id":1}"#))

    /// A transport answering from a script, one entry per attempt (the last repeats).
    static func scripted(
        _ script: [Result<(Int, HTTPHeaders), HTTPTransportError>], clock: ManualClock? = nil,
        attemptCost: Duration = .zero
    ) -> MockTransport {
        let counter = Recorder<Int>()
        return MockTransport { request, _ in
            counter.append(0)
            let step = script[min(counter.count, script.count) - 1]
            clock?.advance(by: attemptCost)
            switch step {
            case .success(let (status, headers)):
                return (HTTPResponse(status: status, headers: headers), [UInt8](#"{"task_id":1}"#))
            case .failure(let error):
                if error.code == .timeout { clock?.advance(by: request.timeout ?? .zero) }
                throw error
            }
        }
    }

    static func retry(_ policy: RetryPolicy = .default, clock: ManualClock, random: Double = 1.0) -> RetryMiddleware {
        RetryMiddleware(policy: policy, clock: clock.retryClock, random: { random })
    }

    static let connectionRefused = HTTPTransportError(code: .connection, message: "connection refused")
    static let timedOut = HTTPTransportError(code: .timeout, message: "timed out")

    // MARK: - What is retried

    struct RetryableCase: Sendable, CustomTestStringConvertible {
        var name: String
        var first: Result<(Int, HTTPHeaders), HTTPTransportError>
        var testDescription: String { name }
    }

    @Test(
        "GET is retried after a temporary failure and succeeds when it clears",
        arguments: [
            RetryableCase(name: "connection error", first: .failure(connectionRefused)),
            RetryableCase(name: "timeout", first: .failure(timedOut)),
            RetryableCase(name: "429", first: .success((429, HTTPHeaders()))),
            RetryableCase(name: "500", first: .success((500, HTTPHeaders()))),
            RetryableCase(name: "502", first: .success((502, HTTPHeaders()))),
            RetryableCase(name: "503", first: .success((503, HTTPHeaders()))),
            RetryableCase(name: "504", first: .success((504, HTTPHeaders()))),
        ])
    func retriedUntilTheFaultClears(_ testCase: RetryableCase) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([testCase.first, testCase.first, .success((200, HTTPHeaders()))], clock: clock)
        let client = makeClient(transport, middlewares: [Self.retry(clock: clock)])
        let value = try await client.task(taskID: 1)
        #expect(value["task_id"] == 1)
        #expect(transport.requests.count == 3)
        #expect(clock.sleeps.count == 2)
    }

    @Test(
        "statuses that will not change are not retried",
        arguments: [400, 401, 403, 404, 409, 422, 501])
    func permanentStatusesAreNotRetried(_ status: Int) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((status, HTTPHeaders()))], clock: clock)
        let client = makeClient(transport, middlewares: [Self.retry(clock: clock)])
        await #expect(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("POST is never retried", arguments: [503, 429])
    func postIsNotRetried(_ status: Int) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((status, HTTPHeaders()))], clock: clock)
        let retry = Self.retry(clock: clock)
        let (response, _) = try await retry.intercept(
            HTTPRequest(method: .post, url: "http://h/tasks/1/approve"), body: [UInt8]("{}")
        ) { request, body in try await transport.send(request, body: body) }
        #expect(response.status == status)
        #expect(transport.requests.count == 1)
    }

    @Test func postConnectionErrorIsNotRetried() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.failure(Self.connectionRefused)], clock: clock)
        await #expect(throws: HTTPTransportError.self) {
            _ = try await Self.retry(clock: clock).intercept(HTTPRequest(method: .post, url: "http://h/x"), body: nil) {
                try await transport.send($0, body: $1)
            }
        }
        #expect(transport.requests.count == 1)
    }

    // MARK: - Backoff, jitter, Retry-After

    @Test func backoffIsExponentialCappedAndJittered() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(700), jitter: 0.5)
        // With the largest random number, the wait is the whole backoff.
        #expect(
            (1...5).map { policy.delay(beforeRetry: $0, random: 1.0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700),
            ])
        // With the smallest, half of it (jitter 0.5).
        #expect(policy.delay(beforeRetry: 3, random: 0.0) == .milliseconds(200))
        #expect(policy.delay(beforeRetry: 3, random: 0.5) == .milliseconds(300))
        // No jitter: always the whole backoff.
        let steady = RetryPolicy(baseDelay: .milliseconds(100), jitter: 0)
        #expect(steady.delay(beforeRetry: 2, random: 0.0) == .milliseconds(200))
    }

    @Test func waitsUseTheInjectedRandomSource() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([
            .success((503, HTTPHeaders())), .success((503, HTTPHeaders())), .success((200, HTTPHeaders())),
        ])
        let policy = RetryPolicy(baseDelay: .milliseconds(100), jitter: 1.0)
        let client = makeClient(transport, middlewares: [Self.retry(policy, clock: clock, random: 0.25)])
        _ = try await client.task(taskID: 1)
        #expect(clock.sleeps == [.milliseconds(25), .milliseconds(50)])
    }

    @Test func retryAfterIsHonoured() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((429, ["Retry-After": "3"])), .success((200, HTTPHeaders()))])
        let client = makeClient(transport, middlewares: [Self.retry(clock: clock)])
        _ = try await client.task(taskID: 1)
        #expect(clock.sleeps == [.seconds(3)])
    }

    @Test(
        "Retry-After in the past or as a date falls back to the backoff",
        arguments: ["0", "Wed, 21 Oct 2015 07:28:00 GMT", "-5"])
    func retryAfterFallsBack(_ header: String) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((503, ["Retry-After": header])), .success((200, HTTPHeaders()))])
        let policy = RetryPolicy(baseDelay: .milliseconds(100), jitter: 0)
        _ = try await makeClient(transport, middlewares: [Self.retry(policy, clock: clock)]).task(taskID: 1)
        #expect(clock.sleeps == [.milliseconds(100)])
    }

    // MARK: - Giving up

    @Test func persistentFailureGivesUpAfterMaxAttemptsWithTheLastStatus() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((503, HTTPHeaders()))])
        let client = makeClient(transport, middlewares: [Self.retry(RetryPolicy(maxAttempts: 3), clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 42) }
        #expect(transport.requests.count == 3)
        #expect(error.code == .serverError)
        #expect(error.isUnavailable)
        #expect(error.attempts == 3)
        #expect(error.taskID == 42)
        #expect(error.description.contains("after 3 attempts"))
        let failure = try #require(error.underlying as? RetryFailure)
        #expect(failure.reason == .attemptsExhausted)
    }

    @Test func persistentRateLimitIsTemporary() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((429, ["Retry-After": "1"]))])
        let client = makeClient(transport, middlewares: [Self.retry(clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(error.code == .rateLimited)
        #expect(error.isTemporary)
        #expect(error.attempts == RetryPolicy.default.maxAttempts)
    }

    @Test func persistentConnectionErrorIsUnavailable() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.failure(Self.connectionRefused)])
        let client = makeClient(transport, middlewares: [Self.retry(clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(error.code == .connection)
        #expect(error.isUnavailable)
        #expect(transport.requests.count == RetryPolicy.default.maxAttempts)
    }

    @Test("a Retry-After beyond the deadline gives up at once instead of waiting")
    func retryAfterBeyondDeadline() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((429, ["Retry-After": "120"]))])
        let client = makeClient(
            transport, middlewares: [Self.retry(RetryPolicy(deadline: .seconds(30)), clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(clock.sleeps.isEmpty)
        #expect(transport.requests.count == 1)
        #expect(error.code == .rateLimited)
        #expect(error.isTemporary)
        #expect(error.message.contains("beyond the 30.0 s deadline"))
        #expect((error.underlying as? RetryFailure)?.reason == .retryAfterBeyondDeadline)
    }

    @Test("attempts never run past the deadline: each gets what is left, and a cut attempt ends the call")
    func attemptTimeoutsShrinkToTheDeadline() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.failure(Self.timedOut)], clock: clock)
        let policy = RetryPolicy(
            maxAttempts: 10, baseDelay: .milliseconds(500), maxDelay: .milliseconds(500), attemptTimeout: .seconds(2),
            deadline: .seconds(5), jitter: 0)
        let client = makeClient(transport, middlewares: [Self.retry(policy, clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(error.code == .deadlineExceeded)
        #expect(error.isTemporary)
        // 2 s attempt, 0.5 s wait, 2 s attempt: the next 0.5 s wait would end at the deadline, so
        // the middleware stops there rather than start an attempt with no time left.
        let timeouts = transport.requests.compactMap(\.timeout)
        #expect(timeouts == [.seconds(2), .seconds(2)])
        #expect(clock.now <= .seconds(5))
        #expect(error.description.contains("deadline"))
    }

    @Test func theLastAttemptGetsOnlyWhatIsLeft() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.failure(Self.timedOut)], clock: clock)
        let policy = RetryPolicy(
            maxAttempts: 10, baseDelay: .milliseconds(250), maxDelay: .milliseconds(250), attemptTimeout: .seconds(2),
            deadline: .seconds(3), jitter: 0)
        let client = makeClient(transport, middlewares: [Self.retry(policy, clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(transport.requests.compactMap(\.timeout) == [.seconds(2), .milliseconds(750)])
        #expect(clock.now == .seconds(3))
        #expect(error.code == .deadlineExceeded)
        #expect(error.attempts == 2)
    }

    @Test("with a 503 until the deadline, the error still says server error and how many attempts")
    func deadlineWithServerErrors() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((503, HTTPHeaders()))], clock: clock, attemptCost: .seconds(1))
        let policy = RetryPolicy(
            maxAttempts: 100, baseDelay: .seconds(1), maxDelay: .seconds(1), deadline: .seconds(4), jitter: 0)
        let client = makeClient(transport, middlewares: [Self.retry(policy, clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(error.code == .serverError)
        #expect(transport.requests.count == 2)
        #expect(clock.now <= .seconds(4))
        #expect((error.underlying as? RetryFailure)?.reason == .deadlineExceeded)
    }

    @Test func oneAttemptPolicyPassesFailuresThrough() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success((503, HTTPHeaders()))])
        let client = makeClient(transport, middlewares: [Self.retry(.none, clock: clock)])
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(error.code == .serverError)
        #expect(error.attempts == nil)
        #expect(transport.requests.count == 1)
    }

    @Test func cancellationStopsRetrying() async throws {
        // The task is cancelled once the first attempt has been answered (the retry is then
        // waiting out its 60 s delay, or about to): a signal from the transport, not a sleep.
        let (answered, signal) = AsyncStream<Void>.makeStream()
        let transport = MockTransport { _, _ in
            signal.yield()
            return (HTTPResponse(status: 503, headers: HTTPHeaders()), [UInt8](#"{"task_id":1}"#))
        }
        let retry = RetryMiddleware(
            policy: RetryPolicy(
                maxAttempts: 100, baseDelay: .seconds(60), maxDelay: .seconds(60), deadline: .seconds(600)),
            clock: .system)
        let client = makeClient(transport, middlewares: [retry])
        let task = Task { try await client.task(taskID: 1) }
        var first = answered.makeAsyncIterator()
        _ = await first.next()
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(transport.requests.count == 1)
    }
}
