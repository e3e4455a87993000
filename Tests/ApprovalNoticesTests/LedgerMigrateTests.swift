import ApprovalJSON
import ApprovalLedger
import ApprovalLedgerPostgres
import ApprovalRules
import Foundation
import LedgerTestSupport
import Testing

/// `approvalctl ledger migrate`: an SQLite ledger copied into PostgreSQL, chain and outbox.
@Suite struct LedgerMigrateTests {
    @Test func aCopiedLedgerVerifiesEndsAtTheSameHeadAndGoesOn() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/decisions.ledger"
        let rules = try NoticeFixtures.timingRules()
        let source = try DecisionLedger(path: path, logger: NoticeFixtures.silent)
        for round in 0..<3 {
            for task in 0..<40 {
                try NoticeFixtures.record(source, rules: rules, task: 41_000 + task, stepRun: "sr_\(round % 2)")
            }
        }
        // Some notices already delivered or failed: their states travel with them.
        let sent = try #require(try await source.claimNotice(owner: "t", lease: 60_000))
        try await source.settleNotice(sent.id, owner: "t", outcome: .sent)
        let failed = try #require(try await source.claimNotice(owner: "t", lease: 60_000))
        try await source.settleNotice(failed.id, owner: "t", outcome: .failed(error: "HTTP 410"))
        let head = try #require(try source.lastRecord(LedgerFilter())).hash

        let url = try await PostgresTestServer.newDatabase()
        let migrated = try await CLI.run(["ledger", "migrate", path, "--to", url])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("copied 120 records"), "\(migrated.stdout)")
        #expect(migrated.stdout.contains(head))

        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        try await PostgresLedger.withLedger(configuration, mode: .readExisting, logger: NoticeFixtures.silent) {
            target in
            #expect(try await target.records() == (try await source.records()))
            let copied = try await target.notices()
            let original = try await source.notices()
            #expect(copied.map(\.id) == original.map(\.id))
            #expect(copied.map(\.state) == original.map(\.state))
            #expect(try await target.notice(id: failed.id)?.lastError == "HTTP 410")
            // The chain goes on from the copied head; what was seen stays seen.
            let next = try await NoticeFixtures.record(into: target, rules: rules, task: 41_000, stepRun: "sr_0")
            #expect(next.sequence == 121)
            #expect(next.record.previousHash == head)
            #expect(next.newEscalations.isEmpty)
            #expect(try await target.verify().passed)
        }
        // Into a ledger that already holds records: refused.
        let again = try await CLI.run(["ledger", "migrate", path, "--to", url])
        #expect(again.status == 64, "\(again.stderr)")
        #expect(again.stderr.contains("already holds records"))
    }

    @Test func aPasswordInTheURLIsRefusedWithoutBeingShown() async throws {
        let result = try await CLI.run([
            "ledger", "verify", "postgres://ledger:hunter2-secret@localhost/approvals",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("PGPASSWORD"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2-secret") && !result.stdout.contains("hunter2-secret"))
    }

    @Test func aDatabaseThatIsNotThereFailsAsUnavailableWithinItsConnectTimeout() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // Timed by a shell around the process, not by this test's own clock: the other suites'
        // CPU-bound work in this process can delay its wake-ups by tens of seconds.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            #"s=$(date +%s%N); "$0" "$@"; status=$?; echo "elapsed_ms=$((($(date +%s%N) - s) / 1000000))" >&2; exit $status"#,
            try CLI.executable(), "ledger", "verify",
            "postgres://postgres@localhost/none?host=\(scratch.path)&connect_timeout=2",
        ]
        let errors = scratch.path + "/stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let stderr = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(process.terminationStatus == 75, "\(stderr)")
        #expect(stderr.contains("did not answer within 2.0 seconds"), "\(stderr)")
        let elapsed = try #require(
            stderr.split(separator: "\n").last { $0.hasPrefix("elapsed_ms=") }.flatMap { Int($0.dropFirst(11)) })
        // The deadline, plus a process start: far from the minutes a lost database can take.
        #expect(elapsed < 20_000, "\(elapsed) ms")
    }
}
