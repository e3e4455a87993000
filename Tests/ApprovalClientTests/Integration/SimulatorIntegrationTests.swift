import ApprovalAPISimulator
import ApprovalJSON
import Logging
import Testing

@testable import ApprovalClient

/// The client (on AsyncHTTPClient) against the simulator on a free 127.0.0.1 port: every
/// endpoint, every fault kind, the deadline and the key's secrecy. Nothing here leaves loopback.
@Suite("Client against the simulator (loopback)", .timeLimit(.minutes(2)))
struct SimulatorIntegrationTests {
    static let key = "ca_sim_IntegrationKey_5a4b3c2d1e"

    /// A started simulator, a client wired to it with the given policy, and captured logs.
    struct Harness {
        let simulator: APISimulator
        let client: APIClient
        let transport: AsyncHTTPClientTransport
        let logs: LogCapture
        let baseURL: String

        func stop() async {
            try? await transport.shutdown()
            await simulator.stop()
        }
    }

    /// Fast policy: real waits are short; six 600 ms attempts cannot fit in the 3 s deadline, so a
    /// server that never answers is cut by the deadline rather than by the attempt count.
    /// Short waits, but a per-attempt timeout long enough that a loaded machine (the whole suite
    /// runs in parallel with the CLI tests) does not turn one slow answer into a retry.
    static let fastPolicy = RetryPolicy(
        maxAttempts: 6, baseDelay: .milliseconds(20), maxDelay: .milliseconds(80), attemptTimeout: .milliseconds(1200),
        deadline: .seconds(3), jitter: 0.5)

    /// For deadline tests: without the 3 s deadline, six 1.5 s attempts would take 9 s or more, so
    /// finishing within deadline + 1.5 s shows the deadline cut the retries, with room for a loaded
    /// machine's scheduling (a tighter policy made "deadline honoured" and "deadline ignored" differ
    /// by less than that noise).
    static let deadlinePolicy = RetryPolicy(
        maxAttempts: 6, baseDelay: .milliseconds(20), maxDelay: .milliseconds(80), attemptTimeout: .milliseconds(1500),
        deadline: .seconds(3), jitter: 0.5)

    static func start(
        apiKey clientKey: String? = key, policy: RetryPolicy = fastPolicy, clock: RetryClock = .system,
        faults: [SimulatedFault] = []
    ) async throws -> Harness {
        let simulator = try APISimulator(
            configuration: .init(dataDirectory: Fixtures.simData, apiKey: key, faults: faults, hangLimit: .seconds(20)))
        let port = try await simulator.start()
        let baseURL = "http://127.0.0.1:\(port)"
        let logs = LogCapture()
        let logger = logs.logger(level: .trace)
        let transport = AsyncHTTPClientTransport(defaultTimeout: .seconds(5), connectTimeout: .seconds(2))
        let client = APIClient(
            baseURL: baseURL, apiKey: clientKey, transport: transport,
            middlewares: [
                RetryMiddleware(policy: policy, logger: logger, clock: clock),
                LoggingMiddleware(logger: logger, level: .trace),
            ],
            logger: logger)
        return Harness(simulator: simulator, client: client, transport: transport, logs: logs, baseURL: baseURL)
    }

    /// Runs `body` against a fresh simulator and always stops it; checks the key never leaked.
    static func withHarness(
        apiKey: String? = key, policy: RetryPolicy = fastPolicy, clock: RetryClock = .system,
        faults: [SimulatedFault] = [], _ body: (Harness) async throws -> Void
    ) async throws {
        let harness = try await start(apiKey: apiKey, policy: policy, clock: clock, faults: faults)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        #expect(!harness.logs.text.contains(key), "the API key appeared in a log line")
        let requestLog = JSONWriter.compact.string(.array(harness.simulator.requests().map(\.json)))
        #expect(!requestLog.contains(key), "the API key appeared in the simulator's request log")
    }

    // MARK: - Endpoints

    @Test func everyEndpointAnswers() async throws {
        try await Self.withHarness { harness in
            let client = harness.client
            let details = try await client.approvalDetails(taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
            #expect(details.taskID == 12345)
            #expect(details.files?.count == 1)
            let plain = try await client.approvalDetails(taskID: 12345)
            #expect(plain["files"] == nil)

            let task = try await client.task(taskID: 12345, as: WorkflowTask.self)
            #expect(task.workflowID == "vendor_contract_review")

            let files = try await client.taskFiles(taskID: 12345, as: TaskFileList.self)
            #expect(files.files.count == 10)
            #expect(files.totalFiles == 14)
            #expect(files.isTruncated)

            let signed = try await client.signedDocuments(taskID: 12345, as: SignedDocumentList.self)
            #expect(signed.documents.count == 2)

            let document = try await client.stepDocument(taskID: 12345, stepID: "review_step", as: StepDocument.self)
            #expect(document.fileName == "reviewed_contract.pdf")
            #expect(document.downloadURL.contains("X-Amz-Signature="))
        }
    }

    @Test("a task saved as approval details only gets a made-up task, files and signed documents")
    func synthesizedParts() async throws {
        try await Self.withHarness { harness in
            let snapshot = try await harness.client.fetchSnapshot(taskID: 20001, parts: .all)
            #expect(snapshot["task"]?["current_step_id"] == "finance_approval")
            #expect(snapshot["task_files"]?["total_files"] == 1)
            #expect(snapshot["task_files"]?["files"]?[0]?["step_id"] == "intake")
            #expect(snapshot["signed_documents"]?["documents"] == .array([]))
            let url = try #require(snapshot["files"]?[0]?["download_url"]?.string)
            #expect(url.contains("X-Amz-Signature=REDACTED"))
            #expect(url.contains("/_sim/download/20001/att_1?"))
        }
    }

    @Test func documentedErrorsComeBackTyped() async throws {
        try await Self.withHarness { harness in
            let client = harness.client
            let cases: [(APIError.Code, () async throws -> Void)] = [
                (.notFound, { _ = try await client.task(taskID: 999) }),
                (.notAtApprovalStep, { _ = try await client.approvalDetails(taskID: 20002) }),
                (.notImplemented, { _ = try await client.stepDocument(taskID: 12345, stepID: "intake_step") }),
                (.notFound, { _ = try await client.stepDocument(taskID: 12345, stepID: "no_such_step") }),
            ]
            for (code, call) in cases {
                let error = try await #require(throws: APIError.self) { try await call() }
                #expect(error.code == code)
                #expect(error.attempts == nil, "\(code) must not be retried")
            }
            #expect(harness.simulator.requests().count == cases.count)
        }
    }

    @Test("a missing or wrong key is a 401 with its reason, and never retried")
    func authentication() async throws {
        try await Self.withHarness(apiKey: nil) { harness in
            let error = try await #require(throws: APIError.self) { _ = try await harness.client.task(taskID: 12345) }
            #expect(error.code == .unauthorized)
            #expect(error.authenticationReason == .missingKey)
            #expect(error.isAuthentication)
            #expect(harness.simulator.requests().map(\.apiKey) == ["missing"])
        }
        try await Self.withHarness(apiKey: "ca_wrong_key") { harness in
            let error = try await #require(throws: APIError.self) { _ = try await harness.client.task(taskID: 12345) }
            #expect(error.authenticationReason == .invalidKey)
            #expect(!error.description.contains("ca_wrong_key"))
            #expect(!harness.logs.text.contains("ca_wrong_key"))
            #expect(harness.simulator.requests().map(\.apiKey) == ["invalid"])
        }
    }

    // MARK: - Faults that clear

    struct ClearingFault: Sendable, CustomTestStringConvertible {
        var fault: SimulatedFault
        var testDescription: String { fault.kind.name + " " + String(describing: fault.kind.status ?? 0) }
    }

    @Test(
        "a retried GET succeeds once the fault clears",
        arguments: [
            ClearingFault(fault: SimulatedFault(.status(503), taskID: 12345, times: 2)),
            ClearingFault(fault: SimulatedFault(.status(500), times: 1)),
            ClearingFault(fault: SimulatedFault(.status(502), endpoint: .approvalDetails, times: 3)),
            ClearingFault(fault: SimulatedFault(.rateLimited(retryAfterSeconds: 0), times: 2)),
            ClearingFault(fault: SimulatedFault(.hang, taskID: 12345, times: 1)),
            ClearingFault(fault: SimulatedFault(.latency, times: 1, latency: .seconds(2))),
            ClearingFault(fault: SimulatedFault(.truncatedBody, times: 2)),
        ])
    func faultClears(_ testCase: ClearingFault) async throws {
        try await Self.withHarness(faults: [testCase.fault]) { harness in
            let started = ContinuousClock.now
            let details = try await harness.client.approvalDetails(taskID: 12345, includeFiles: true)
            #expect(details["task_id"] == 12345)
            // Far below the simulator's 20 s hang limit: a timed-out attempt, not the server,
            // ended the hang. (Not the 3 s deadline: `make test` runs this suite on its own, but
            // a loaded machine still fires timers late.)
            #expect(ContinuousClock.now - started < .seconds(10))
            let times = testCase.fault.times ?? 0
            #expect(harness.simulator.requests().count == times + 1)
            #expect(harness.simulator.faults().isEmpty)
        }
    }

    @Test("Retry-After is honoured: the wait asked for is the wait taken")
    func retryAfterHonoured() async throws {
        let clock = ManualClock()
        // A manual clock: the 2 s the server asks for are recorded, not slept.
        let policy = RetryPolicy(
            maxAttempts: 3, baseDelay: .milliseconds(10), attemptTimeout: .seconds(2), deadline: .seconds(10))
        try await Self.withHarness(
            policy: policy, clock: clock.retryClock,
            faults: [SimulatedFault(.rateLimited(retryAfterSeconds: 2), times: 1)]
        ) { harness in
            _ = try await harness.client.task(taskID: 12345)
            #expect(clock.sleeps == [.seconds(2)])
        }
    }

    // MARK: - Faults that do not clear

    struct PersistentFault: Sendable, CustomTestStringConvertible {
        var fault: SimulatedFault
        var code: APIError.Code
        var temporary: Bool
        var unavailable: Bool
        var testDescription: String { "\(fault.kind.name) -> \(code)" }
    }

    @Test(
        "a fault that does not clear gives a clear error within the deadline",
        arguments: [
            PersistentFault(
                fault: SimulatedFault(.status(503)), code: .serverError, temporary: false, unavailable: true),
            PersistentFault(
                fault: SimulatedFault(.rateLimited(retryAfterSeconds: 0)), code: .rateLimited, temporary: true,
                unavailable: false),
            PersistentFault(fault: SimulatedFault(.hang), code: .deadlineExceeded, temporary: true, unavailable: false),
            PersistentFault(
                fault: SimulatedFault(.latency, latency: .seconds(5)), code: .deadlineExceeded, temporary: true,
                unavailable: false),
            PersistentFault(
                fault: SimulatedFault(.truncatedBody), code: .connection, temporary: false, unavailable: true),
        ])
    func faultPersists(_ testCase: PersistentFault) async throws {
        try await Self.withHarness(policy: Self.deadlinePolicy, faults: [testCase.fault]) { harness in
            let started = ContinuousClock.now
            let error = try await #require(throws: APIError.self) {
                _ = try await harness.client.approvalDetails(taskID: 12345, includeFiles: true)
            }
            let elapsed = ContinuousClock.now - started
            #expect(error.code == testCase.code)
            #expect(error.isTemporary == testCase.temporary)
            #expect(error.isUnavailable == testCase.unavailable)
            #expect(error.taskID == 12345)
            #expect(error.operation == "approval_details")
            #expect(error.attempts ?? 0 > 1)
            // Never beyond the deadline (plus a little scheduling slack).
            #expect(elapsed < Self.deadlinePolicy.deadline + .milliseconds(1500), "took \(elapsed)")
            #expect(!error.description.contains(Self.key))
        }
    }

    @Test("a 429 asking to wait beyond the deadline fails at once")
    func retryAfterBeyondTheDeadline() async throws {
        try await Self.withHarness(faults: [SimulatedFault(.rateLimited(retryAfterSeconds: 60))]) { harness in
            let started = ContinuousClock.now
            let error = try await #require(throws: APIError.self) { _ = try await harness.client.task(taskID: 12345) }
            // Waiting would have taken 60 s; giving up well before the 3 s deadline shows it did not.
            #expect(ContinuousClock.now - started < Self.fastPolicy.deadline)
            #expect(error.code == .rateLimited)
            #expect(error.retryAfter == .seconds(60))
            #expect(harness.simulator.requests().count == 1)
        }
    }

    // MARK: - Body and data faults

    @Test("an invalid JSON body is an invalid response and is not retried")
    func invalidJSON() async throws {
        try await Self.withHarness(faults: [SimulatedFault(.invalidJSON)]) { harness in
            let error = try await #require(throws: APIError.self) { _ = try await harness.client.task(taskID: 12345) }
            #expect(error.code == .invalidResponse)
            #expect(error.bodyExcerpt?.contains("Bad Gateway") == true)
            #expect(harness.simulator.requests().count == 1)
        }
    }

    @Test func totalFilesLargerThanListed() async throws {
        try await Self.withHarness(faults: [SimulatedFault(.extraFiles(totalFiles: 37), taskID: 20001)]) { harness in
            let listing = try await harness.client.taskFiles(taskID: 20001, as: TaskFileList.self)
            #expect(listing.files.count == 1)
            #expect(listing.totalFiles == 37)
            #expect(listing.isTruncated)
        }
    }

    @Test("expired presigned URLs: expires_at in the past, and the link is refused")
    func expiredURLs() async throws {
        try await Self.withHarness(faults: [SimulatedFault(.expiredURLs, endpoint: .approvalDetails)]) { harness in
            let expired = try await harness.client.approvalDetails(
                taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
            let fresh = try await harness.client.signedDocuments(taskID: 12345, as: SignedDocumentList.self)
            let expiredAt = try #require(expired.files?.first?.expiresAt)
            let freshAt = try #require(fresh.documents.first?.expiresAt)
            #expect(expiredAt < freshAt)  // ISO 8601 UTC strings sort by time

            let expiredURL = try #require(expired.files?.first?.downloadURL)
            let freshURL = try #require(fresh.documents.first?.downloadURL)
            let (expiredResponse, _) = try await harness.transport.send(
                HTTPRequest(method: .get, url: expiredURL), body: nil)
            let (freshResponse, content) = try await harness.transport.send(
                HTTPRequest(method: .get, url: freshURL), body: nil)
            #expect(expiredResponse.status == 403)
            #expect(freshResponse.status == 200)
            #expect(String(decoding: content, as: UTF8.self) == "simulated content of document_789\n")
        }
    }

    // MARK: - Snapshot

    @Test("fetchSnapshot asks the simulator only for the parts requested")
    func snapshotAgainstTheSimulator() async throws {
        try await Self.withHarness { harness in
            let snapshot = try await harness.client.fetchSnapshot(taskID: 12345, parts: [.task, .taskFiles])
            let paths = Set(harness.simulator.requests().map(\.path))
            #expect(paths == ["/tasks/12345/approval-details", "/tasks/12345", "/tasks/12345/files"])
            #expect(snapshot["task_files"]?["total_files"] == 14)
            #expect(snapshot["signed_documents"] == nil)
            #expect(!JSONWriter.compact.string(snapshot).contains("X-Amz-Signature=0"))
        }
    }

    // MARK: - Control endpoints over HTTP

    @Test("faults can be set and requests read through /_sim/ (as the CLI tests do)")
    func controlEndpoints() async throws {
        try await Self.withHarness { harness in
            let transport = harness.transport
            let post = HTTPRequest(method: .post, url: harness.baseURL + "/_sim/faults")
            let fault = [UInt8](#"{"kind":"status","status":503,"task_id":12345,"times":1,"endpoint":"task"}"#)
            let (posted, postedBody) = try await transport.send(post, body: fault)
            #expect(posted.status == 200)
            #expect(try JSONParser().parse(postedBody)["faults"]?.array?.count == 1)

            _ = try await harness.client.task(taskID: 12345)  // one 503, then success

            let (listed, listedBody) = try await transport.send(
                HTTPRequest(method: .get, url: harness.baseURL + "/_sim/requests"), body: nil)
            #expect(listed.status == 200)
            let requests = try JSONParser().parse(listedBody)["requests"]?.array ?? []
            #expect(requests.compactMap { $0["status"]?.integer } == [503, 200])
            #expect(requests.allSatisfy { $0["api_key"] == "valid" })
            #expect(!String(decoding: listedBody, as: UTF8.self).contains(Self.key))

            let (bad, badBody) = try await transport.send(post, body: [UInt8](#"{"kind":"meteor"}"#))
            #expect(bad.status == 400)
            #expect(String(decoding: badBody, as: UTF8.self).contains("unknown fault kind"))

            let (cleared, _) = try await transport.send(
                HTTPRequest(method: .delete, url: harness.baseURL + "/_sim/faults"), body: nil)
            #expect(cleared.status == 200)
            #expect(harness.simulator.faults().isEmpty)
        }
    }

    @Test("a refused connection is retried, then reported as unavailable, quickly")
    func connectionRefused() async throws {
        // Start and stop a simulator to get a port that nothing listens on any more.
        let simulator = try APISimulator(configuration: .init(dataDirectory: Fixtures.simData))
        let port = try await simulator.start()
        await simulator.stop()
        let transport = AsyncHTTPClientTransport(connectTimeout: .seconds(1))
        let client = APIClient(
            baseURL: "http://127.0.0.1:\(port)", apiKey: Self.key, transport: transport,
            middlewares: [RetryMiddleware(policy: Self.fastPolicy)], logger: LogCapture().logger())
        let started = ContinuousClock.now
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        try? await transport.shutdown()
        // All six attempts inside the 3 s deadline means none waited out the 1 s connect timeout
        // (that would have taken 6 s); the wall-clock bound is only the deadline, so that a loaded
        // machine (tests run two at a time on two cores) cannot fail it.
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(error.code == .connection)
        #expect(error.isUnavailable)
        #expect(error.attempts == Self.fastPolicy.maxAttempts)
    }
}
