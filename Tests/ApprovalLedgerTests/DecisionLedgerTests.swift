import ApprovalBatch
import ApprovalJSON
import ApprovalRules
import Foundation
import GRDB
import LedgerTestSupport
import Testing

@testable import ApprovalLedger

/// Records the shipped examples into a fresh SQLite ledger (one transaction per decision).
private func ledgerOfExamples(
    in folder: TemporaryFolder, names: [String] = exampleNames, clock: Timestamp = exampleClock
) throws -> (DecisionLedger, [LedgerReceipt]) {
    let ledger = try DecisionLedger(path: folder.file("decisions.ledger"), clock: { clock }, logger: silentLogger)
    var receipts: [LedgerReceipt] = []
    for name in names {
        receipts.append(try ledger.record(try exampleEntry(name)))
    }
    return (ledger, receipts)
}

/// A fresh ledger of `backend` holding the shipped examples (one transaction per decision).
private func withExamples(
    _ backend: Backend, in folder: TemporaryFolder, names: [String] = exampleNames,
    _ body: (TestLedger, [LedgerReceipt]) async throws -> Void
) async throws {
    try await TestLedger.with(backend, in: folder.path, clock: { exampleClock }) { ledger in
        var receipts: [LedgerReceipt] = []
        for name in names {
            receipts.append(try await ledger.store.record(try exampleEntry(name)))
        }
        try await body(ledger, receipts)
    }
}

private func exampleEntry(_ name: String) throws -> LedgerEntry {
    try LedgerEntry.deciding(
        exampleSnapshot(name), rules: defaultRules, options: EvaluationOptions(now: exampleClock), source: "test")
}

private let exampleNames = [
    "tier2-cfo", "clean-small-contract", "eur-currency", "missing-contract-file", "blocked-vendor-lookalike",
    "threshold-250000-exact", "lookalike-domain-evil-test", "effective-date-stale",
]

/// Runs raw SQL on a ledger file, as someone with the file (and the sqlite3 shell) could.
private func tamper(_ path: String, _ sql: String, _ arguments: StatementArguments = []) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.writeWithoutTransaction { db in try db.execute(sql: sql, arguments: arguments) }
}

@Suite struct DecisionLedgerTests {
    @Test(arguments: Backend.allCases)
    func recordsChainInOrderAndVerify(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await withExamples(backend, in: folder) { ledger, receipts in
            #expect(receipts.map(\.sequence) == Array(1...Int64(exampleNames.count)))
            #expect(receipts.first?.record.previousHash == nil)
            for (earlier, later) in zip(receipts, receipts.dropFirst()) {
                #expect(later.record.previousHash == earlier.hash)
            }
            let records = try await ledger.store.records()
            #expect(records == receipts.map(\.record))
            #expect(records.allSatisfy { $0.computedHash == $0.hash })
            let report = try await ledger.store.verify(workers: 2)
            #expect(report.passed, "\(String(describing: report.failure))")
            #expect(report.records == exampleNames.count)
            #expect(report.ruleDocuments == 1)
            #expect(report.snapshots == exampleNames.count)
            #expect(report.head == receipts.last?.hash)
            #expect(try await ledger.store.count() == exampleNames.count)
        }
    }

    @Test func recordHoldsTheDecisionAsTheEnginePrintsIt() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let (ledger, _) = try ledgerOfExamples(in: folder, names: ["tier2-cfo"])
        let record = try #require(try await ledger.records().first)
        let snapshot = try ApprovalSnapshot(parsing: exampleSnapshot("tier2-cfo"))
        let decision = defaultRules.evaluate(snapshot, options: EvaluationOptions(now: exampleClock))
        #expect(record.decision == JSONWriter.compact.bytes(decision.json))
        #expect(record.taskID == "48219")
        #expect(record.stepRunID == "sr_bc0d2f0cab32")
        #expect(record.ruleSetHash == defaultRules.contentHash)
        #expect(record.evaluatedAt == exampleClock)
        #expect(record.recordedAt == exampleClock)
        #expect(record.source == "test")
        #expect(try await ledger.ruleDocument(record.ruleSetHash) == defaultRules.documentBytes)
        // The example's presigned URLs lose their signatures; nothing else changes.
        let stored = try #require(try await ledger.snapshot(record.snapshotHash))
        let original = String(decoding: exampleSnapshot("tier2-cfo"), as: UTF8.self)
        #expect(original.contains("X-Amz-Signature=a45b88688d756ee9"))
        #expect(String(decoding: stored, as: UTF8.self) == SecretRedaction.text(original))
        #expect(!String(decoding: stored, as: UTF8.self).contains("X-Amz-Signature=a45b88688d756ee9"))
    }

    @Test func snapshotsAndRuleDocumentsAreStoredOnce() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let (ledger, _) = try ledgerOfExamples(in: folder, names: Array(repeating: "tier2-cfo", count: 5))
        let (snapshots, documents) = try ledger.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshots") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM rule_documents") ?? -1
            )
        }
        #expect(snapshots == 1)
        #expect(documents == 1)
        #expect(try ledger.count() == 5)
    }

    @Test(arguments: Backend.allCases)
    func batchRecordingIsOneChain(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await TestLedger.with(backend, in: folder.path) { ledger in
            let entries = try exampleNames.map(exampleEntry)
            let first = try await ledger.store.record(Array(entries.prefix(3)))
            let rest = try await ledger.store.record(Array(entries.dropFirst(3)))
            #expect((first + rest).map(\.sequence) == Array(1...Int64(entries.count)))
            #expect(try await ledger.store.verify().passed)
        }
    }
}

// MARK: - Tampering

/// One way to tamper with a ledger of the examples, and what verification must then say.
struct Tampering: Sendable, CustomStringConvertible {
    let name: String
    let sql: String
    let code: String
    let sequence: Int64
    /// The same tampering in PostgreSQL's dialect, where it differs (bytes are `bytea` there).
    var postgresSQL: String? = nil
    var description: String { name }

    func sql(for backend: Backend) -> String { backend == .postgres ? postgresSQL ?? sql : sql }
}

@Suite struct LedgerTamperingTests {
    static let cases: [Tampering] = [
        Tampering(
            name: "edit a decision",
            sql: "UPDATE records SET decision = replace(decision, 'hold', 'approve') WHERE sequence = 3",
            code: "hash_mismatch", sequence: 3,
            postgresSQL: """
                UPDATE records SET decision = convert_to(replace(convert_from(decision, 'UTF8'), 'hold', 'approve'), 'UTF8')
                WHERE sequence = 3
                """),
        Tampering(
            name: "edit the recorded time", sql: "UPDATE records SET recorded_at = recorded_at + 1 WHERE sequence = 2",
            code: "hash_mismatch", sequence: 2),
        Tampering(
            name: "delete a record", sql: "DELETE FROM records WHERE sequence = 4", code: "sequence_gap", sequence: 4),
        Tampering(
            name: "swap two records",
            sql: """
                UPDATE records SET sequence = -1 WHERE sequence = 5;
                UPDATE records SET sequence = 5 WHERE sequence = 6;
                UPDATE records SET sequence = 6 WHERE sequence = -1;
                """, code: "broken_link", sequence: 5),
        Tampering(
            name: "renumber after a deletion",
            sql:
                "DELETE FROM records WHERE sequence = 2; UPDATE records SET sequence = sequence - 1 WHERE sequence > 2",
            code: "broken_link", sequence: 2,
            postgresSQL: """
                DELETE FROM records WHERE sequence = 2; UPDATE records SET sequence = -sequence WHERE sequence > 2;
                UPDATE records SET sequence = -sequence - 1 WHERE sequence < 0
                """),
        Tampering(
            name: "change a rule document byte",
            sql: "UPDATE rule_documents SET bytes = replace(bytes, '250000', '250001')",
            code: "rule_document_mismatch", sequence: 1,
            postgresSQL:
                "UPDATE rule_documents SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '250000', '250001'), 'UTF8')"
        ),
        Tampering(
            name: "change a snapshot byte",
            sql: """
                UPDATE snapshots SET bytes = replace(bytes, '300000', '300001')
                WHERE hash = (SELECT snapshot_hash FROM records WHERE sequence = 1)
                """, code: "snapshot_mismatch", sequence: 1,
            postgresSQL: """
                UPDATE snapshots SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '300000', '300001'), 'UTF8')
                WHERE hash = (SELECT snapshot_hash FROM records WHERE sequence = 1)
                """),
        Tampering(
            name: "mark an escalation as seen",
            sql: "UPDATE records SET new_escalations = '[]' WHERE sequence = 1", code: "hash_mismatch", sequence: 1),
    ]

    @Test(arguments: cases, Backend.allCases)
    func tamperingIsFoundAndLocated(_ tampering: Tampering, _ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await withExamples(backend, in: folder) { ledger, _ in
            #expect(try await ledger.store.verify().passed)
            try await ledger.tamper(tampering.sql(for: backend))
            let report = try await ledger.store.verify(workers: 2)
            let failure = try #require(report.failure, "tampering went unnoticed")
            #expect(failure.code == tampering.code, "\(failure.message)")
            #expect(failure.sequence == tampering.sequence, "\(failure.message)")
            #expect(report.records == Int(tampering.sequence) - 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRecordWhoseDecisionTheDataDoesNotGiveIsFound(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await TestLedger.with(backend, in: folder.path) { ledger in
            let options = EvaluationOptions(now: exampleClock)
            let honest = try exampleEntry("clean-small-contract")
            let other = try exampleEntry("tier2-cfo")
            // A decision recorded with another snapshot's data: a consistent chain, a wrong decision.
            let forged = LedgerEntry(
                snapshot: honest.snapshot, rules: defaultRules, options: options, decision: other.decision,
                source: "test", stepRunID: honest.stepRunID)
            _ = try await ledger.store.record([honest, forged])
            let failure = try #require(try await ledger.store.verify().failure)
            #expect(failure.code == "decision_differs")
            #expect(failure.sequence == 2)
            #expect(failure.message.contains("task_id"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aChainCutBeforeItsAnchorIsFound(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await withExamples(backend, in: folder) { ledger, receipts in
            let anchor = receipts[receipts.count - 1].hash
            #expect(try await ledger.store.verify(anchor: anchor).passed)
            try await ledger.tamper("DELETE FROM records WHERE sequence = \(receipts.count)")
            let failure = try #require(try await ledger.store.verify(anchor: anchor).failure)
            #expect(failure.code == "anchor_not_found")
        }
    }
}

// MARK: - New escalations

@Suite struct NewEscalationTests {
    /// The tier-2 snapshot with its step run id replaced.
    private func tier2(stepRun: String) -> [UInt8] {
        let text = String(decoding: exampleSnapshot("tier2-cfo"), as: UTF8.self)
        return Array(text.replacingOccurrences(of: "sr_bc0d2f0cab32", with: stepRun).utf8)
    }

    @Test(arguments: Backend.allCases)
    func escalationsAreNewOncePerTaskStepRun(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await TestLedger.with(backend, in: folder.path) { ledger in
            let options = EvaluationOptions(now: exampleClock)
            var marks: [[Int]] = []
            for round in 0..<20 {
                let stepRun = round < 10 ? "sr_first" : "sr_second"
                let entry = try LedgerEntry.deciding(
                    tier2(stepRun: stepRun), rules: defaultRules, options: options, source: "test")
                #expect(!entry.decision.escalations.isEmpty)
                marks.append(try await ledger.store.record(entry).newEscalations)
            }
            let all = Array(
                0..<(try LedgerEntry.deciding(tier2(stepRun: "x"), rules: defaultRules, options: options, source: "t")
                    .decision.escalations.count))
            #expect(marks[0] == all)
            #expect(marks[1..<10].allSatisfy { $0.isEmpty })
            #expect(marks[10] == all)
            #expect(marks[11...].allSatisfy { $0.isEmpty })
            #expect(try await ledger.store.verify().passed)
        }
    }

    @Test func aChangedMessageIsANewEscalation() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let ledger = try DecisionLedger(path: folder.file("message.ledger"), logger: silentLogger)
        let options = EvaluationOptions(now: exampleClock)
        let first = try LedgerEntry.deciding(tier2(stepRun: "sr_a"), rules: defaultRules, options: options, source: "t")
        #expect(!(try await ledger.record(first).newEscalations.isEmpty))
        // The same step run, a higher contract value: the rendered message changes.
        let text = String(decoding: tier2(stepRun: "sr_a"), as: UTF8.self)
        let raised = Array(text.replacingOccurrences(of: "\"value\": 300000", with: "\"value\": 310000").utf8)
        let second = try LedgerEntry.deciding(raised, rules: defaultRules, options: options, source: "t")
        let receipt = try await ledger.record(second)
        let changed = second.decision.escalations.indices.filter {
            second.decision.escalations[$0].message.contains("USD 310,000.00")
        }
        #expect(!changed.isEmpty)
        #expect(receipt.newEscalations == changed)
    }
}

// MARK: - Files that are not (good) ledgers

@Suite struct LedgerFileTests {
    private func openError(_ path: String, mode: DecisionLedger.Mode = .readExisting) -> LedgerError? {
        do {
            _ = try DecisionLedger(path: path, mode: mode, logger: silentLogger)
            return nil
        } catch {
            return error as? LedgerError
        }
    }

    @Test func missingLedgerIsNotFoundUnlessCreated() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let error = try #require(openError(folder.file("none.ledger")))
        #expect(error.code == .notFound)
        #expect(error.description.contains(folder.file("none.ledger")))
        #expect(openError(folder.file("none.ledger"), mode: .create) == nil)
    }

    @Test func aTextFileIsNotALedger() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("notes.txt")
        try Data(String(repeating: "not a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(openError(path, mode: .create))
        #expect(error.code == .notALedger)
        #expect(error.path == path)
    }

    @Test func anotherSQLiteDatabaseIsNotALedger() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("other.sqlite")
        try tamper(path, "CREATE TABLE people (name TEXT)")
        #expect(openError(path, mode: .create)?.code == .notALedger)
    }

    @Test func aDirectoryIsNotALedger() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        #expect(openError(folder.path, mode: .create)?.code == .notALedger)
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let (ledger, _) = try ledgerOfExamples(in: folder, names: ["tier2-cfo"])
        try tamper(ledger.path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
        let error = try #require(openError(ledger.path))
        #expect(error.code == .newerSchema)
    }

    @Test func aDamagedFileIsReportedNotCrashedOn() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let (ledger, _) = try ledgerOfExamples(in: folder)
        let path = ledger.path
        // Fold the WAL into the file, then overwrite pages in the middle of it with garbage.
        try tamper(path, "PRAGMA wal_checkpoint(TRUNCATE)")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        handle.write(Data(repeating: 0xA5, count: 8192))
        try handle.close()
        do {
            let reopened = try DecisionLedger(path: path, mode: .readExisting, logger: silentLogger)
            let report = try await reopened.verify()
            #expect(!report.passed)
        } catch let error as LedgerError {
            #expect([.corrupt, .notALedger].contains(error.code), "\(error)")
        }
    }
}

// MARK: - Secrets and replay

@Suite struct LedgerContentTests {
    @Test func presignedSignaturesNeverReachTheLedger() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let signature = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
        let text = String(decoding: exampleSnapshot("tier2-cfo"), as: UTF8.self)
        let signed = text.replacingOccurrences(
            of: "\"variables_to_approve\"",
            with:
                "\"link\": \"https://files.example.com/c.pdf?X-Amz-Expires=60&X-Amz-Signature=\(signature)\",\n  \"variables_to_approve\""
        )
        #expect(signed.contains(signature))
        let ledger = try DecisionLedger(path: folder.file("secret.ledger"), logger: silentLogger)
        let entry = try LedgerEntry.deciding(
            Array(signed.utf8), rules: defaultRules, options: EvaluationOptions(now: exampleClock, explain: true),
            source: "test")
        _ = try await ledger.record(entry)
        try tamper(ledger.path, "PRAGMA wal_checkpoint(TRUNCATE)")
        let file = try Data(contentsOf: URL(fileURLWithPath: ledger.path))
        #expect(file.range(of: Data(signature.utf8)) == nil)
        #expect(file.range(of: Data("X-Amz-Signature=REDACTED".utf8)) != nil)
        #expect(try await ledger.verify().passed)
    }

    @Test func explainedDecisionsKeepTheirTraceAndVerify() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let ledger = try DecisionLedger(path: folder.file("trace.ledger"), logger: silentLogger)
        let entry = try LedgerEntry.deciding(
            exampleSnapshot("eur-currency"), rules: defaultRules,
            options: EvaluationOptions(now: exampleClock, explain: true),
            source: "test")
        let receipt = try await ledger.record(entry)
        #expect(receipt.record.explained)
        #expect(receipt.record.decisionJSON?["trace"] != nil)
        #expect(try await ledger.verify().passed)
    }

    @Test(arguments: Backend.allCases)
    func replayComparesAsADryRunDoes(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let candidate = try RuleSet(
            bytes: Array(
                String(decoding: defaultRules.documentBytes, as: UTF8.self).replacingOccurrences(
                    of: "1000000", with: "290000"
                )
                .utf8))
        #expect(candidate.contentHash != defaultRules.contentHash)
        // Through the files, as `dry-run --compare` does.
        let evaluator = BatchEvaluator(
            rules: defaultRules, comparedWith: candidate, options: EvaluationOptions(now: exampleClock), workers: 2)
        var files = MemorySnapshotSource(exampleNames.map { (name: $0, bytes: exampleSnapshot($0)) })
        var expected: [DecisionComparison] = []
        evaluator.run(&files, render: { _, _ in () }) { _, outcome, _ in
            if case .decided(let before, let after?) = outcome {
                expected.append(DecisionComparison(before: before, after: after))
            }
        }
        try await withExamples(backend, in: folder) { ledger, _ in
            // Through the ledger's history, each record with its own rules and clock.
            let replayer = BatchEvaluator(
                rules: defaultRules, comparedWith: candidate, options: EvaluationOptions(), workers: 2)
            var replayed: [DecisionComparison] = []
            try await ledger.store.forEachHistoryPage { history in
                replayer.run(&history, render: { _, _ in () }) { _, outcome, _ in
                    if case .decided(let before, let after?) = outcome {
                        replayed.append(DecisionComparison(before: before, after: after))
                    }
                }
            }
            #expect(replayed.count == exampleNames.count)
            #expect(replayed.map(\.before) == expected.map(\.before))
            #expect(replayed.map(\.after) == expected.map(\.after))
            #expect(replayed.contains { $0.changed })
        }
    }
}

// MARK: - Shadow decisions

@Suite struct ShadowRecordTests {
    /// The default rules with the CEO tier lowered, so the tier-2 example changes recommendation.
    private static let candidate: RuleSet = {
        let text = String(decoding: defaultRules.documentBytes, as: UTF8.self)
        do {
            return try RuleSet(bytes: Array(text.replacingOccurrences(of: "1000000", with: "290000").utf8))
        } catch {
            fatalError("the candidate does not compile: \(error)")
        }
    }()

    @Test(arguments: Backend.allCases)
    func shadowDecisionsAreRecordedAndVerified(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await TestLedger.with(backend, in: folder.path) { ledger in
            let options = EvaluationOptions(now: exampleClock)
            let entry = try LedgerEntry.deciding(
                exampleSnapshot("tier2-cfo"), rules: defaultRules, options: options, source: "test",
                shadow: Self.candidate)
            let shadow = try #require(entry.shadow)
            #expect(shadow.decision.ruleSetHash == Self.candidate.contentHash)
            let plain = try LedgerEntry.deciding(
                exampleSnapshot("eur-currency"), rules: defaultRules, options: options, source: "t")
            let receipts = try await ledger.store.record([entry, plain])
            #expect(receipts[0].record.format == LedgerRecord.shadowFormat)
            #expect(receipts[0].record.shadowDecision == JSONWriter.compact.bytes(shadow.decision.json))
            #expect(receipts[1].record.format == LedgerRecord.currentFormat)
            let stored = try await ledger.store.records()
            #expect(stored == receipts.map(\.record))
            let report = try await ledger.store.verify()
            #expect(report.passed, "\(String(describing: report.failure))")
            #expect(report.ruleDocuments == 2)
            #expect(stored[0].json["shadow_decision"]?["rule_set"]?["hash"]?.string == Self.candidate.contentHash)
        }
    }

    @Test(arguments: Backend.allCases)
    func aShadowDecisionTheDataDoesNotGiveIsFound(_ backend: Backend) async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try await TestLedger.with(backend, in: folder.path) { ledger in
            let options = EvaluationOptions(now: exampleClock)
            let honest = try LedgerEntry.deciding(
                exampleSnapshot("tier2-cfo"), rules: defaultRules, options: options, source: "test",
                shadow: Self.candidate)
            // The live decision recorded again as the shadow's: a consistent chain, a wrong shadow.
            let forged = LedgerEntry(
                snapshot: honest.snapshot, rules: defaultRules, options: options, decision: honest.decision,
                source: "test", stepRunID: honest.stepRunID,
                shadow: LedgerEntry.Shadow(rules: Self.candidate, decision: honest.decision))
            _ = try await ledger.store.record([honest, forged])
            let failure = try #require(try await ledger.store.verify().failure)
            #expect(failure.code == "shadow_decision_differs")
            #expect(failure.sequence == 2)
        }
    }

    @Test func editingAShadowDecisionBreaksTheChain() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let ledger = try DecisionLedger(path: folder.file("edited-shadow.ledger"), logger: silentLogger)
        let entry = try LedgerEntry.deciding(
            exampleSnapshot("tier2-cfo"), rules: defaultRules, options: EvaluationOptions(now: exampleClock),
            source: "test", shadow: Self.candidate)
        _ = try await ledger.record(entry)
        let queue = try DatabaseQueue(path: ledger.path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE records SET shadow_decision = replace(shadow_decision, 'hold', 'approve')")
        }
        let failure = try #require(try await ledger.verify().failure)
        #expect(failure.code == "hash_mismatch")
    }
}

/// The step run id comes from the engine's own parse, whatever the rules read.
@Test func theStepRunIDIsReadWithTheRulesProjection() async throws {
    let approversOnly = try RuleSet(json: [
        "name": "approvers-only",
        "rules": [
            [
                "id": "no-approvers", "when": ["!": [["var": "approvers.active"]]], "recommend": "hold",
                "reason": "nobody can approve",
            ]
        ],
    ])
    let entry = try LedgerEntry.deciding(
        exampleSnapshot("tier2-cfo"), rules: approversOnly, options: EvaluationOptions(now: exampleClock), source: "t")
    #expect(entry.stepRunID == "sr_bc0d2f0cab32")
    let snapshot = try ApprovalSnapshot(parsing: exampleSnapshot("tier2-cfo"), projection: approversOnly.projection)
    #expect(snapshot.stepRunID == "sr_bc0d2f0cab32")
    #expect(snapshot.document["step_run"]?["variables"] == nil, "the projection keeps only the id")
}

/// Writers that open the same new ledger at the same moment all record, in one chain.
@Test func writersCreatingOneLedgerAtOnceShareIt() async throws {
    let folder = TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("race.ledger")
    let bytes = exampleSnapshot("tier2-cfo")
    let entry = try LedgerEntry.deciding(
        bytes, rules: defaultRules, options: EvaluationOptions(now: exampleClock), source: "t")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<8 {
            group.addTask {
                let ledger = try DecisionLedger(path: path, logger: silentLogger)
                _ = try await ledger.record(entry)
            }
        }
        try await group.waitForAll()
    }
    let ledger = try DecisionLedger(path: path, mode: .readExisting, logger: silentLogger)
    #expect(try ledger.count() == 8)
    #expect(try await ledger.verify().passed)
}
