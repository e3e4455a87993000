import ApprovalClient
import ApprovalJSON
import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `approvalctl notices …` and `serve --notify`, as the built binaries run them.
@Suite(.serialized) struct DeliverCommandTests {
    static let secret = "whsec-cli-51c0"

    /// A ledger (on the wall clock, as the CLI's) with the notices of `tasks`, and a notify file
    /// for `receiver`.
    struct Setup {
        let scratch: Scratch
        let ledgerPath: String
        let notifyPath: String
        let rules: RuleSet

        init(receiver: WebhookReceiver, tasks: [Int], delivery: String = #"{"timeout": "PT2S", "lease": "PT7S"}"#)
            throws
        {
            scratch = try Scratch()
            ledgerPath = scratch.path + "/decisions.ledger"
            rules = try NoticeFixtures.timingRules()
            let ledger = try DecisionLedger(path: ledgerPath, logger: NoticeFixtures.silent)
            for task in tasks { try NoticeFixtures.record(ledger, rules: rules, task: task, stepRun: "sr_a") }
            notifyPath = try scratch.write(
                DeliveryTests.configuration(url: receiver.url, delivery: delivery), to: "notify.json")
        }

        func record(_ tasks: [Int]) throws {
            let ledger = try DecisionLedger(path: ledgerPath, logger: NoticeFixtures.silent)
            for task in tasks { try NoticeFixtures.record(ledger, rules: rules, task: task, stepRun: "sr_a") }
        }

        func deliver(_ extra: [String] = []) async throws -> CLI.Result {
            try await CLI.run(
                ["notices", "deliver", "--ledger", ledgerPath, "--notify", notifyPath] + extra,
                environment: ["HOOK_SECRET": DeliverCommandTests.secret])
        }
    }

    @Test func deliverSaysWhatIsLeftInItsExitStatus() async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let setup = try Setup(receiver: receiver, tasks: [6001])
        defer { setup.scratch.remove() }

        let sent = try await setup.deliver()
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.hasPrefix("sent 2, retrying 0, failed 0, undeliverable 0\n"))
        #expect(sent.stderr.isEmpty)

        receiver.answer(.status(503))
        try setup.record([6002])
        let retrying = try await setup.deliver(["--format", "json"])
        #expect(retrying.status == 75)
        let report = try JSONParser().parse(Array(retrying.stdout.utf8))
        #expect(report["retrying"] == .integer(2))
        #expect(report["waiting_for_retry"] == .integer(2))
        #expect(report["outbox"]?["sent"] == .integer(2))

        receiver.answer(.status(400))
        try setup.record([6003])
        let failed = try await setup.deliver()
        #expect(failed.status == 4)
        #expect(failed.stdout.contains("failed 2"))

        let list = try await CLI.run([
            "notices", "list", "--ledger", setup.ledgerPath, "--state", "failed", "--format", "json",
        ])
        #expect(list.status == 0)
        let listed = try JSONParser().parse(Array(list.stdout.utf8)).array ?? []
        #expect(listed.count == 2)
        #expect(listed.allSatisfy { $0["last_error"]?.string?.contains("HTTP 400") == true })
        let id = try #require(listed.first?["id"]?.string)

        let text = try await CLI.run(["notices", "list", "--ledger", setup.ledgerPath])
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("sha256:") }.count == 6)

        // Retry by a unique prefix of the id; then it is pending, not failed.
        let retry = try await CLI.run(["notices", "retry", String(id.prefix(7 + 10)), "--ledger", setup.ledgerPath])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout == "notice \(id) is pending again (was failed)\n")
        let again = try await CLI.run(["notices", "retry", id, "--ledger", setup.ledgerPath])
        #expect(again.status == 64)
        #expect(again.stderr.contains("is pending, not failed or undeliverable"))
        let unknown = try await CLI.run(["notices", "retry", "sha256:0000000000", "--ledger", setup.ledgerPath])
        #expect(unknown.status == 66)
        let short = try await CLI.run(["notices", "retry", "abc", "--ledger", setup.ledgerPath])
        #expect(short.status == 64)
        let missing = try await CLI.run(["notices", "list", "--ledger", setup.scratch.path + "/none.ledger"])
        #expect(missing.status == 66)
    }

    @Test func aBadNotifyFileIsRefusedWithWhereAndWhat() async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        let setup = try Setup(receiver: receiver, tasks: [6101])
        defer { setup.scratch.remove() }
        let bad = try setup.scratch.write(
            #"{"channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:1/hook", "secret_env": "NOT_SET"}}, "routes": [{"match": "*", "channel": "hook"}]}"#,
            to: "bad.json")
        let result = try await CLI.run(["notices", "deliver", "--ledger", setup.ledgerPath, "--notify", bad])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.hasPrefix(
                "\(bad):1:91: error[invalid_value]: the environment variable NOT_SET (the webhook's signing secret) is not set (at /channels/hook/secret_env)\n"
            ), "\(result.stderr)")
        let none = try await CLI.run(["notices", "deliver", "--ledger", setup.ledgerPath])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--notify FILE or set APPROVAL_NOTIFY"))
    }

    /// A deliverer killed with SIGKILL at 20 random moments, then one run to the end: every notice
    /// delivered; a notice delivered twice only when a kill caught it in flight; the same id each
    /// time.
    @Test func killedAtRandomPointsNoNoticeIsLostAndOnlyInFlightOnesRepeat() async throws {
        let receiver = WebhookReceiver(secret: Self.secret, delay: .milliseconds(25))
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let setup = try Setup(
            receiver: receiver, tasks: Array(6200..<6250),
            delivery: #"{"timeout": "PT1S", "lease": "PT6S", "concurrency": 2}"#)
        defer { setup.scratch.remove() }
        var generator = SystemRandomNumberGenerator()
        let kills = 20
        for round in 0..<kills {
            let folder = setup.scratch.path + "/run-\(round)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let process = try CLI.start(
                ["notices", "deliver", "--ledger", setup.ledgerPath, "--notify", setup.notifyPath],
                environment: ["HOOK_SECRET": Self.secret], output: folder)
            // Kill at a random moment once this run delivers: under the load of the whole test suite a
            // process can take longer to start than any fixed sleep, and a kill before its first
            // claim tests nothing.
            let before = receiver.deliveries.count
            let started = ContinuousClock.now
            while receiver.deliveries.count == before, ContinuousClock.now - started < .seconds(5) {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...60, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        }
        let sentBeforeCleanRun = Set(receiver.deliveries.compactMap(\.id)).count
        // The notices the last kills left leased are taken once their lease (6 s) runs out.
        var final = try await setup.deliver()
        let deadline = ContinuousClock.now + .seconds(30)
        while final.status != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            final = try await setup.deliver()
        }
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        let ledger = try DecisionLedger(path: setup.ledgerPath, mode: .readExisting, logger: NoticeFixtures.silent)
        let notices = try await ledger.notices()
        #expect(notices.count == 100)
        #expect(notices.allSatisfy { $0.state == .sent })
        let deliveries = receiver.deliveries
        #expect(deliveries.allSatisfy { $0.signatureValid && $0.idempotencyKey == $0.id })
        let counts = Dictionary(grouping: deliveries.compactMap(\.id), by: { $0 }).mapValues(\.count)
        #expect(Set(counts.keys) == Set(notices.map(\.id)))
        let repeats = counts.values.reduce(0) { $0 + $1 - 1 }
        // At most the notices in flight at each kill (two workers).
        #expect(repeats <= kills * 2, "\(repeats) repeated deliveries")
        #expect(sentBeforeCleanRun > 0, "the kills never let a delivery through")
        print(
            "kill -9 test: \(kills) kills, \(sentBeforeCleanRun) notices delivered before the clean run, \(repeats) repeated"
        )
    }

    @Test func theServiceDeliversTheNoticesOfTheDecisionsItRecords() async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let setup = try Setup(receiver: receiver, tasks: [])
        defer { setup.scratch.remove() }
        let server = try CLI.start(
            [
                "serve", "--rules", NoticeFixtures.fixtures + "/notice-timing.rules.json", "--port", "0", "--ledger",
                setup.ledgerPath, "--notify", setup.notifyPath, "--notify-interval", "0.2",
            ], environment: ["HOOK_SECRET": Self.secret], output: setup.scratch.path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var address: String?
        for _ in 0..<300 where address == nil {
            let out = (try? String(contentsOfFile: setup.scratch.path + "/stdout", encoding: .utf8)) ?? ""
            address = out.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map {
                String($0.dropFirst("listening on ".count))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let base = try #require(address, "the service did not start")
        let transport = AsyncHTTPClientTransport()
        let (response, _) = try await transport.send(
            HTTPRequest(method: .post, url: base + "/v1/decisions", headers: ["Content-Type": "application/json"]),
            body: try NoticeFixtures.snapshot(task: 6301, stepRun: "sr_a"))
        try await transport.shutdown()
        #expect(response.status == 200)
        for _ in 0..<100 where receiver.deliveries.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(receiver.deliveries.count == 2)
        #expect(receiver.deliveries.allSatisfy { $0.body["task_id"] == .integer(6301) && $0.signatureValid })
        // The receiver has the requests before the deliverer has marked them sent and counted them.
        let metricsTransport = AsyncHTTPClientTransport()
        var metrics = ""
        for _ in 0..<100 where !metrics.contains("approval_notices_total{outcome=\"sent\"} 2") {
            let (_, body) = try await metricsTransport.send(
                HTTPRequest(method: .get, url: base + "/metrics"), body: nil)
            metrics = String(decoding: body, as: UTF8.self)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await metricsTransport.shutdown()
        #expect(metrics.contains("approval_notices_total{outcome=\"sent\"} 2"))
        kill(server.processIdentifier, SIGTERM)
        while server.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.terminationStatus == 0)
        let log = (try? String(contentsOfFile: setup.scratch.path + "/stderr", encoding: .utf8)) ?? ""
        #expect(log.contains("notice delivered"))
        #expect(!log.contains(Self.secret))
    }
}
