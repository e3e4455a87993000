import ApprovalJSON
import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import Foundation
import Testing

/// The deliverer against a real webhook receiver on loopback, with the ledger's clock in the
/// test's hands (so that backoff never makes a test wait).
@Suite(.serialized) struct DeliveryTests {
    static let secret = "whsec-test-7f3a9c"

    /// A ledger with the notices of `tasks` queued (two per task: the CFO's, and ops + legal's).
    struct Setup {
        let scratch: Scratch
        let clock = ManualClock()
        let ledger: DecisionLedger
        let rules: RuleSet

        init(tasks: [Int]) throws {
            scratch = try Scratch()
            ledger = try DecisionLedger(
                path: scratch.path + "/decisions.ledger", clock: clock.function, logger: NoticeFixtures.silent)
            rules = try NoticeFixtures.timingRules()
            for task in tasks { try NoticeFixtures.record(ledger, rules: rules, task: task, stepRun: "sr_a") }
        }

        func deliverer(_ json: String, log: CapturedLog? = nil) throws -> NoticeDeliverer {
            let configuration = try NotifyConfiguration(
                bytes: Array(json.utf8), file: "notify.json",
                environment: { $0 == "HOOK_SECRET" ? DeliveryTests.secret : nil })
            return NoticeDeliverer(
                ledger: ledger, configuration: configuration, logger: log?.logger ?? NoticeFixtures.silent)
        }
    }

    static func configuration(
        url: String, routes: String = #"[{"match": "*", "channel": "hook"}]"#, delivery: String = "{}"
    ) -> String {
        """
        {"channels": {"hook": {"type": "webhook", "url": "\(url)", "secret_env": "HOOK_SECRET"}},
         "routes": \(routes), "delivery": \(delivery)}
        """
    }

    @Test func everyNoticeIsPostedOnceSignedWithItsIdAsIdempotencyKey() async throws {
        let setup = try Setup(tasks: [9001, 9002])
        defer { setup.scratch.remove() }
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let deliverer = try setup.deliverer(Self.configuration(url: receiver.url))
        let report = try await deliverer.deliverDue()
        #expect(report.sent == 4 && report.retrying == 0 && report.failed == 0)
        #expect(report.outbox[.sent] == 4)
        let deliveries = receiver.deliveries
        #expect(deliveries.count == 4)
        let notices = try await setup.ledger.notices()
        #expect(Set(deliveries.compactMap(\.id)) == Set(notices.map(\.id)))
        for delivery in deliveries {
            #expect(delivery.signatureValid)
            #expect(delivery.idempotencyKey == delivery.id)
            #expect(delivery.headers["content-type"] == "application/json")
            let notice = try #require(notices.first { $0.id == delivery.id })
            #expect(delivery.body["task_id"] == notice.taskID)
            #expect(delivery.body["severity"]?.string == notice.severity.rawValue)
            #expect(delivery.body["recipients"] == .array(notice.recipients.map(JSONValue.string)))
            #expect(delivery.body["message"]?.string == notice.message)
            #expect(delivery.body["rules"] == ["needs-cfo"])
            #expect(delivery.body["rule_set_hash"]?.string == setup.rules.contentHash)
            #expect(delivery.body["task_url"]?.string?.hasSuffix("/tasks/\(notice.taskID)") == true)
            #expect(delivery.body["kind"]?.string == "notice")
        }
        // Nothing is sent twice.
        let again = try await deliverer.deliverDue()
        #expect(again.sent == 0)
        #expect(receiver.deliveries.count == 4)
        try await deliverer.shutdown()
    }

    /// Answers worth retrying: the notice stays pending, with the reason and a later attempt.
    @Test(arguments: [
        ("500", WebhookReceiver.Answer.status(500), "HTTP 500", Int64(0)),
        ("503", .status(503), "HTTP 503", 0),
        ("429 with Retry-After", .status(429, retryAfter: 600), "HTTP 429", 600_000),
        ("a timeout", .slow(.seconds(3)), "timeout", 0),
    ])
    func temporaryFailuresAreRetriedLater(
        _ name: String, answer: WebhookReceiver.Answer, reason: String, atLeast: Int64
    )
        async throws
    {
        let setup = try Setup(tasks: [9101])
        defer { setup.scratch.remove() }
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.script([answer, answer])
        let deliverer = try setup.deliverer(
            Self.configuration(url: receiver.url, delivery: #"{"timeout": "PT1S", "lease": "PT6S", "concurrency": 1}"#))
        let first = try await deliverer.deliverDue()
        #expect(first.retrying == 2, "\(name)")
        for notice in try await setup.ledger.notices() {
            #expect(notice.state == .pending && notice.attempts == 1)
            #expect(notice.lastError?.contains(reason) == true, "\(notice.lastError ?? "")")
            let wait = notice.nextAttemptAt.millisecondsSinceEpoch - setup.clock.now.millisecondsSinceEpoch
            // Backoff: 30 s by default, at least half of it (jitter); Retry-After when longer.
            #expect(wait >= max(15_000, atLeast) && wait <= max(30_000, atLeast), "\(wait)")
        }
        // Not due yet: a pass now sends nothing.
        #expect(try await deliverer.deliverDue().retrying == 0)
        setup.clock.advance(hours: 1)
        let second = try await deliverer.deliverDue()
        #expect(second.sent == 2)
        #expect(try await setup.ledger.notices().allSatisfy { $0.state == .sent && $0.attempts == 2 })
        try await deliverer.shutdown()
    }

    /// Answers that retrying would not change: failed at once, and a redirect is not followed.
    @Test(arguments: [
        ("400", WebhookReceiver.Answer.status(400), "HTTP 400"),
        ("404", .status(404), "HTTP 404"),
        ("410", .status(410), "HTTP 410"),
        ("a redirect", .redirect, "redirects are not followed"),
    ])
    func refusalsFailWithoutRetry(_ name: String, answer: WebhookReceiver.Answer, reason: String) async throws {
        let setup = try Setup(tasks: [9201])
        defer { setup.scratch.remove() }
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(answer)
        let deliverer = try setup.deliverer(Self.configuration(url: receiver.url))
        let report = try await deliverer.deliverDue()
        #expect(report.failed == 2, "\(name)")
        for notice in try await setup.ledger.notices() {
            #expect(notice.state == .failed && notice.attempts == 1)
            #expect(notice.lastError?.contains(reason) == true, "\(notice.lastError ?? "")")
        }
        #expect(receiver.deliveries.allSatisfy { $0.path == "/hook" })
        setup.clock.advance(hours: 24)
        #expect(try await deliverer.deliverDue().failed == 0)
        #expect(receiver.deliveries.count == 2)
        try await deliverer.shutdown()
    }

    @Test func aReceiverThatAlwaysFailsEndsFailedWithoutHoldingUpTheOthers() async throws {
        let setup = try Setup(tasks: [9301, 9302])
        defer { setup.scratch.remove() }
        let broken = WebhookReceiver(secret: Self.secret)
        let working = WebhookReceiver(secret: Self.secret)
        try await broken.start()
        try await working.start()
        defer {
            Task {
                await broken.stop()
                await working.stop()
            }
        }
        broken.answer(.status(500))
        let json = """
            {"channels": {"broken": {"type": "webhook", "url": "\(broken.url)", "secret_env": "HOOK_SECRET"},
                          "working": {"type": "webhook", "url": "\(working.url)", "secret_env": "HOOK_SECRET"}},
             "routes": [{"match": "cfo@example.com", "channel": "broken"}, {"match": "*", "channel": "working"}],
             "delivery": {"max_attempts": 3}}
            """
        let deliverer = try setup.deliverer(json)
        let first = try await deliverer.deliverDue()
        #expect(first.sent == 2 && first.retrying == 2)
        for _ in 0..<4 {
            setup.clock.advance(hours: 2)
            _ = try await deliverer.deliverDue()
        }
        let notices = try await setup.ledger.notices()
        let cfo = notices.filter { $0.recipients == ["cfo@example.com"] }
        #expect(cfo.count == 2 && cfo.allSatisfy { $0.state == .failed && $0.attempts == 3 })
        #expect(cfo.allSatisfy { $0.lastError?.hasPrefix("gave up after 3 attempts") == true })
        #expect(notices.filter { $0.state == .sent }.count == 2)
        #expect(broken.deliveries.count == 6)
        #expect(working.deliveries.count == 2)
        try await deliverer.shutdown()
    }

    @Test func aReceiverDownForAWhileGetsEverythingWhenItIsBack() async throws {
        let setup = try Setup(tasks: [9401, 9402, 9403])
        defer { setup.scratch.remove() }
        // A port nothing listens on (yet).
        let probe = WebhookReceiver(secret: Self.secret)
        try await probe.start()
        let port = probe.port
        await probe.stop()
        let deliverer = try setup.deliverer(
            Self.configuration(url: "http://127.0.0.1:\(port)/hook", delivery: #"{"max_attempts": 20}"#))
        for _ in 0..<3 {
            let report = try await deliverer.deliverDue()
            #expect(report.retrying == 6)
            setup.clock.advance(hours: 2)
        }
        #expect(try await setup.ledger.notices().allSatisfy { $0.lastError?.contains("connection") == true })
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start(port: port)
        defer { Task { await receiver.stop() } }
        let report = try await deliverer.deliverDue()
        #expect(report.sent == 6)
        #expect(Set(receiver.deliveries.compactMap(\.id)).count == 6)
        #expect(receiver.deliveries.count == 6)
        try await deliverer.shutdown()
    }

    @Test func anAddressNoRouteMatchesMakesTheNoticeUndeliverableAndTheOthersStillGetIt() async throws {
        let setup = try Setup(tasks: [9501])
        defer { setup.scratch.remove() }
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let deliverer = try setup.deliverer(
            Self.configuration(url: receiver.url, routes: #"[{"match": "*@EXAMPLE.com", "channel": "hook"}]"#))
        let report = try await deliverer.deliverDue()
        #expect(report.sent == 1 && report.undeliverable == 1)
        let notice = try #require(try setup.ledger.notices(state: .undeliverable).first)
        #expect(notice.lastError == "no route matches legal@example.org")
        let posted = try #require(receiver.deliveries.first { $0.id == notice.id })
        #expect(posted.body["recipients"] == ["ops@example.com"])
        // Once a route exists, `retry` sends it only to the channels it has not reached.
        #expect(try setup.ledger.retryNotice(id: notice.id) == .undeliverable)
        #expect(try setup.ledger.notice(id: notice.id)?.deliveredChannels == ["hook"])
        try await deliverer.shutdown()
    }

    @Test func noSecretAppearsInLogsErrorsOrTheOutbox() async throws {
        let setup = try Setup(tasks: [9601])
        defer { setup.scratch.remove() }
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(.status(503))
        let log = CapturedLog()
        let pathToken = "tok-path-4411"
        let deliverer = try setup.deliverer(
            Self.configuration(url: receiver.url + "/\(pathToken)?key=tok-query-9921"), log: log)
        _ = try await deliverer.deliverDue()
        let outbox = try await setup.ledger.notices().map { JSONWriter.compact.string($0.json) }.joined()
        #expect(outbox.contains("HTTP 503"))
        #expect(log.text.contains("HTTP 503"))
        for secret in [Self.secret, pathToken, "tok-query-9921"] {
            #expect(!log.text.contains(secret))
            #expect(!outbox.contains(secret))
        }
        try await deliverer.shutdown()
    }
}
