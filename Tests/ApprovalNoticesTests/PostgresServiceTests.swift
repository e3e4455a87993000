import ApprovalClient
import ApprovalJSON
import ApprovalLedger
import ApprovalLedgerPostgres
import Foundation
import LedgerTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several `approvalctl serve` processes on one PostgreSQL ledger: one chain, every notice sent
/// once, whichever instance decided or delivered it; a killed instance; a restarted database.
@Suite(.serialized) struct PostgresServiceTests {
    static let secret = "pg-fleet-secret-7c1e"

    /// Running service instances and the scratch folder their output goes to.
    final class Fleet: Sendable {
        let scratch: Scratch
        let servers: Mutex<[Process]>
        let bases: [String]

        /// Starts `count` instances recording into `ledger` (and delivering through `notify`).
        init(count: Int, ledger: String, notify: String?, extra: [String] = []) async throws {
            scratch = try Scratch()
            var servers: [Process] = []
            var bases: [String] = []
            for index in 0..<count {
                let folder = scratch.path + "/instance-\(index)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                var arguments = [
                    "serve", "--rules", NoticeFixtures.fixtures + "/notice-timing.rules.json", "--port", "0",
                    "--ledger", ledger, "--log-level", "warning",
                ]
                if let notify { arguments += ["--notify", notify, "--notify-interval", "0.2"] }
                let server = try CLI.start(
                    arguments + extra, environment: ["HOOK_SECRET": PostgresServiceTests.secret], output: folder)
                servers.append(server)
                var address: String?
                for _ in 0..<600 where address == nil && server.isRunning {
                    let out = (try? String(contentsOfFile: folder + "/stdout", encoding: .utf8)) ?? ""
                    address = out.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map {
                        String($0.dropFirst("listening on ".count))
                    }
                    if address == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                let log = (try? String(contentsOfFile: folder + "/stderr", encoding: .utf8)) ?? ""
                bases.append(try #require(address, "instance \(index) did not start: \(log)"))
            }
            self.servers = Mutex(servers)
            self.bases = bases
        }

        func kill(_ index: Int) {
            let server = servers.withLock { $0[index] }
            Glibc.kill(server.processIdentifier, SIGKILL)
        }

        func stop() async {
            let all = servers.withLock { $0 }
            for server in all where server.isRunning { Glibc.kill(server.processIdentifier, SIGTERM) }
            for server in all { while server.isRunning { try? await Task.sleep(for: .milliseconds(20)) } }
            scratch.remove()
        }
    }

    /// Counters and flags shared by the load's tasks (atomics in a class: closures can capture it).
    final class Shared: Sendable {
        let next = Atomic<Int>(0)
        let answered = Atomic<Int>(0)
        let flag = Atomic<Bool>(false)
    }

    /// What one answered decision said of its record.
    struct Answer: Sendable {
        let recorded: Bool
        let sequence: Int64?
        let hash: String?
    }

    /// Sends `count` decisions (task `i % tasks`, step run `sr_a`) spread over the fleet's live
    /// instances, `concurrency` at a time; a request an instance does not answer (killed) is sent
    /// to the next one. `afterEach` sees how many were answered so far.
    static func load(
        _ fleet: Fleet, count: Int, tasks: Int, concurrency: Int, alive: @escaping @Sendable (Int) -> Bool,
        afterEach: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> [Answer] {
        let shared = Shared()
        let transport = AsyncHTTPClientTransport()
        defer { Task { try? await transport.shutdown() } }
        let answers = try await withThrowingTaskGroup(of: [Answer].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var mine: [Answer] = []
                    while true {
                        let index = shared.next.add(1, ordering: .relaxed).oldValue
                        if index >= count { return mine }
                        let body = try NoticeFixtures.snapshot(task: 20_000 + index % tasks, stepRun: "sr_a")
                        var instance = (index + worker) % fleet.bases.count
                        var attempts = 0
                        while true {
                            attempts += 1
                            if !alive(instance) { instance = (instance + 1) % fleet.bases.count }
                            do {
                                let (response, bytes) = try await transport.send(
                                    HTTPRequest(
                                        method: .post, url: fleet.bases[instance] + "/v1/decisions",
                                        headers: ["Content-Type": "application/json"], timeout: .seconds(30)),
                                    body: body)
                                #expect(response.status == 200, "\(String(decoding: bytes, as: UTF8.self))")
                                let record = try JSONParser().parse(bytes)["record"]
                                mine.append(
                                    Answer(
                                        recorded: record?["recorded"] == .bool(true),
                                        sequence: record?["sequence"]?.integer, hash: record?["hash"]?.string))
                                break
                            } catch {
                                // The instance went away mid-request: the next one decides it.
                                try #require(attempts < 5, "no instance answered: \(error)")
                                instance = (instance + 1) % fleet.bases.count
                            }
                        }
                        await afterEach(shared.answered.add(1, ordering: .relaxed).newValue)
                    }
                }
            }
            var all: [Answer] = []
            for try await part in group { all += part }
            return all
        }
        return answers
    }

    /// Waits until the outbox has no pending notice (or the time is up); the counts by state.
    static func drained(_ url: String, within seconds: Int) async throws -> [Notice.State: Int] {
        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        return try await PostgresLedger.withLedger(configuration, mode: .readExisting, logger: NoticeFixtures.silent) {
            ledger in
            let deadline = ContinuousClock.now + .seconds(seconds)
            var counts = try await ledger.noticeCounts()
            while (counts[.pending] ?? 0) > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                counts = try await ledger.noticeCounts()
            }
            return counts
        }
    }

    /// `ledger verify --format json` through the built CLI.
    static func verify(_ url: String) async throws -> JSONValue {
        let result = try await CLI.run(["ledger", "verify", url, "--format", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        return try JSONParser().parse(Array(result.stdout.utf8))
    }

    @Test(arguments: [false, true])
    func threeInstancesRecordOneChainAndSendEveryNoticeOnce(killingOne: Bool) async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let url = try await PostgresTestServer.newDatabase()
        let scratch = try Scratch()
        defer { scratch.remove() }
        // One notice at a time per instance and a short lease: a killed instance repeats at most
        // the one delivery it had in flight, and its claim is taken over within seconds.
        let notify = try scratch.write(
            DeliveryTests.configuration(
                url: receiver.url, delivery: #"{"timeout": "PT2S", "lease": "PT7S", "concurrency": 1}"#),
            to: "notify.json")
        let fleet = try await Fleet(count: 3, ledger: url, notify: notify)
        let killed = Shared()
        let total = 10_000
        let tasks = 2_500
        let started = ContinuousClock.now
        let answers = try await Self.load(
            fleet, count: total, tasks: tasks, concurrency: 12,
            alive: { index in !(index == 0 && killed.flag.load(ordering: .relaxed)) },
            afterEach: { answered in
                if killingOne, answered == total / 2, !killed.flag.exchange(true, ordering: .relaxed) {
                    fleet.kill(0)
                }
            })
        let loadTime = ContinuousClock.now - started
        #expect(answers.count == total)
        let unrecorded = answers.filter { !$0.recorded }.count
        #expect(unrecorded == 0, "\(unrecorded) decisions not recorded")
        let counts = try await Self.drained(url, within: 90)
        await fleet.stop()
        let report = try await Self.verify(url)
        #expect(report["verified"] == .bool(true), "\(report)")
        let records = Int(report["records"]?.integer ?? 0)
        // Every answered decision is in the chain; a killed instance may have committed the ones it
        // had in flight without answering (their requests were then decided again elsewhere).
        #expect(Set(answers.compactMap(\.sequence)).count == total)
        if killingOne {
            #expect((total...(total + 12)).contains(records), "\(records) records")
        } else {
            #expect(records == total)
        }
        // Two notices per task (the CFO, operations), each delivered once, signed, keyed by its id.
        #expect(counts[.sent] == 2 * tasks, "\(counts)")
        let deliveries = receiver.deliveries
        #expect(deliveries.allSatisfy { $0.signatureValid && $0.idempotencyKey == $0.id })
        let byID = Dictionary(grouping: deliveries.compactMap(\.id), by: { $0 }).mapValues(\.count)
        #expect(byID.count == 2 * tasks)
        let repeats = byID.values.reduce(0) { $0 + $1 - 1 }
        #expect(repeats <= (killingOne ? 1 : 0), "\(repeats) repeated deliveries")
        print(
            "PostgreSQL fleet\(killingOne ? " (one instance killed halfway)" : ""): \(total) decisions in \(loadTime), \(records) records, \(byID.count) notices, \(repeats) repeated"
        )
    }

    @Test func aDatabaseRestartLosesNoDecisionAnsweredAsRecorded() async throws {
        let cluster = PostgresTestServer.newCluster()
        defer { cluster.destroy() }
        let url = try await cluster.newDatabase() + "&connect_timeout=3"
        let fleet = try await Fleet(count: 1, ledger: url, notify: nil)
        let restarted = Shared()
        let answers = try await Self.load(
            fleet, count: 1_500, tasks: 300, concurrency: 6, alive: { _ in true },
            afterEach: { answered in
                if answered == 400, !restarted.flag.exchange(true, ordering: .relaxed) {
                    Task.detached { cluster.restart() }
                }
            })
        await fleet.stop()
        let recorded = answers.filter(\.recorded)
        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        let stored = try await PostgresLedger.withLedger(configuration, logger: NoticeFixtures.silent) {
            try await $0.records()
        }
        let kept = Dictionary(uniqueKeysWithValues: stored.map { ($0.sequence, $0.hash) })
        let lost = recorded.filter { kept[$0.sequence ?? -1] != $0.hash }
        #expect(lost.isEmpty, "\(lost.count) decisions answered as recorded are not in the ledger")
        #expect(recorded.count == stored.count, "every record was answered as recorded")
        let didRestart = restarted.flag.load(ordering: .relaxed)
        #expect(didRestart)
        let report = try await Self.verify(url)
        #expect(report["verified"] == .bool(true), "\(report)")
        print(
            "PostgreSQL restart under load: \(answers.count) answered, \(recorded.count) recorded, \(answers.count - recorded.count) answered recorded: false"
        )
    }

    @Test func withRequireLedgerADecisionThatCannotBeRecordedIsRefused() async throws {
        let cluster = PostgresTestServer.newCluster()
        defer { cluster.destroy() }
        let url = try await cluster.newDatabase() + "&connect_timeout=2"
        let strict = try await Fleet(count: 1, ledger: url, notify: nil, extra: ["--require-ledger"])
        let lenient = try await Fleet(count: 1, ledger: url, notify: nil)
        defer { Task { await strict.stop() } }
        defer { Task { await lenient.stop() } }
        let transport = AsyncHTTPClientTransport()
        defer { Task { try? await transport.shutdown() } }
        func decide(_ fleet: Fleet) async throws -> (Int, JSONValue) {
            let (response, bytes) = try await transport.send(
                HTTPRequest(
                    method: .post, url: fleet.bases[0] + "/v1/decisions",
                    headers: ["Content-Type": "application/json"]),
                body: try NoticeFixtures.snapshot(task: 31_001, stepRun: "sr_a"))
            return (response.status, try JSONParser().parse(bytes))
        }
        let (okStatus, okBody) = try await decide(strict)
        #expect(okStatus == 200 && okBody["record"]?["recorded"] == .bool(true), "\(okBody)")
        cluster.stop()
        let (refused, refusal) = try await decide(strict)
        #expect(refused == 503)
        #expect(refusal["code"] == .string("ledger_unavailable"), "\(refusal)")
        #expect(refusal["recommendation"] == nil, "no decision for a request that could not be recorded")
        let (answered, decision) = try await decide(lenient)
        #expect(answered == 200)
        #expect(decision["recommendation"] == .string("hold"))
        let expected: JSONValue = ["recorded": false, "error": "unavailable"]
        #expect(decision["record"] == expected, "\(decision)")
        cluster.start()
        // Back: recorded again, without a restart of the service.
        var back: JSONValue = .null
        for _ in 0..<40 where back["record"]?["recorded"] != .bool(true) {
            back = try await decide(strict).1
            if back["record"]?["recorded"] != .bool(true) { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(back["record"]?["recorded"] == .bool(true), "\(back)")
    }
}
