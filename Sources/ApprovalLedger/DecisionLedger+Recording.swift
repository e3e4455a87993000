import ApprovalJSON
import ApprovalRules
import Foundation
import GRDB

/// Recording: each call appends its entries in one IMMEDIATE transaction (the chain's head is read
/// inside it), stores rule documents and snapshots once per digest, and queues the notices the
/// records ask for.
extension DecisionLedger {

    /// Records one decision (one transaction) and says which of its escalations are new.
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entry: LedgerEntry) throws -> LedgerReceipt {
        try record([entry])[0]
    }

    /// Records decisions in one transaction, in order: all are recorded, or none.
    ///
    /// - Returns: one receipt per entry, in order.
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entries: [LedgerEntry]) throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        // One IMMEDIATE transaction: the chain's head is read inside it.
        return try write { db in try append(prepared, in: db) }
    }

    /// Records decisions as ``record(_:)-([LedgerEntry])`` does, without blocking the calling task
    /// while it waits for the database (for servers).
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func recordAsync(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        return try await write { db in try self.append(prepared, in: db) }
    }

    /// Records one decision without blocking the calling task.
    ///
    /// - Throws: ``LedgerError``.
    public func recordAsync(_ entry: LedgerEntry) async throws -> LedgerReceipt {
        try await recordAsync([entry])[0]
    }

    /// What can be computed of an entry outside the write transaction (its hashing and writing).
    private struct PreparedEntry: Sendable {
        let entry: LedgerEntry
        let snapshotHash: String
        let decision: [UInt8]
        let shadowDecision: [UInt8]?
        let taskID: String?
        let escalationKeys: [String]

        init(_ entry: LedgerEntry) {
            self.entry = entry
            snapshotHash = Digest.sha256(entry.snapshot)
            decision = JSONWriter.compact.bytes(entry.decision.json)
            shadowDecision = entry.shadow.map { JSONWriter.compact.bytes($0.decision.json) }
            let task = entry.decision.taskID
            taskID = task == .null ? nil : JSONWriter.compact.string(task)
            escalationKeys = entry.decision.escalations.map {
                Escalations.key($0, taskID: task, stepRunID: entry.stepRunID)
            }
        }
    }

    /// Appends the entries, inside the caller's IMMEDIATE transaction.
    private func append(_ entries: [PreparedEntry], in db: Database) throws -> [LedgerReceipt] {
        let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
        var sequence: Int64 = head?["sequence"] ?? 0
        var previous: String? = head?["hash"]
        var receipts: [LedgerReceipt] = []
        let recordedAt = clock()
        // Statements prepared once per transaction (SQLite parses SQL text on every prepare).
        let hasDocument = try db.cachedStatement(sql: "SELECT 1 FROM rule_documents WHERE hash = ?")
        let insertDocument = try db.cachedStatement(
            sql: "INSERT INTO rule_documents (hash, name, bytes) VALUES (?, ?, ?)")
        let insertSnapshot = try db.cachedStatement(sql: "INSERT OR IGNORE INTO snapshots (hash, bytes) VALUES (?, ?)")
        let seenKey = try db.cachedStatement(sql: "SELECT 1 FROM escalations WHERE key = ? LIMIT 1")
        let insertEscalation = try db.cachedStatement(
            sql: "INSERT INTO escalations (record_sequence, position, key, is_new) VALUES (?, ?, ?, ?)")
        let insertRecord = try db.cachedStatement(
            sql: """
                INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                    rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                    shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var notices = try NoticeQueue(db)
        var storedDocuments: Set<String> = []
        func store(_ rules: RuleSet) throws {
            guard !storedDocuments.contains(rules.contentHash) else { return }
            if try Bool.fetchOne(hasDocument, arguments: [rules.contentHash]) == nil {
                try insertDocument.execute(arguments: [rules.contentHash, rules.name, Data(rules.documentBytes)])
            }
            storedDocuments.insert(rules.contentHash)
        }
        for prepared in entries {
            let entry = prepared.entry
            sequence += 1
            let documentHash = entry.rules.contentHash
            try store(entry.rules)
            if let shadow = entry.shadow { try store(shadow.rules) }
            try insertSnapshot.execute(arguments: [prepared.snapshotHash, Data(entry.snapshot)])
            let fresh = try Self.newEscalations(prepared.escalationKeys, seenKey: seenKey)
            var record = LedgerRecord(
                sequence: sequence,
                format: entry.shadow == nil ? LedgerRecord.currentFormat : LedgerRecord.shadowFormat,
                recordedAt: recordedAt,
                taskID: prepared.taskID, stepRunID: entry.stepRunID, source: entry.source,
                ruleSetName: entry.rules.name, ruleSetHash: documentHash, snapshotHash: prepared.snapshotHash,
                evaluatedAt: entry.options.now, explained: entry.options.explain, decision: prepared.decision,
                newEscalations: fresh, previousHash: previous, hash: "")
            record.shadowRuleSetName = entry.shadow?.rules.name
            record.shadowRuleSetHash = entry.shadow?.rules.contentHash
            record.shadowDecision = prepared.shadowDecision
            record.hash = record.computedHash
            try Self.insert(record, with: insertRecord)
            // Before this record's escalation rows: "first seen" is from the records before it.
            let context = NoticeQueue.Context(
                sequence: sequence, recordedAt: recordedAt, taskID: prepared.taskID, stepRunID: entry.stepRunID,
                taskURL: entry.taskURL, ruleSetHash: documentHash)
            var queued: [String] = []
            for (position, escalation) in entry.decision.escalations.enumerated() {
                queued += try notices.queue(
                    escalation, key: prepared.escalationKeys[position], isNew: fresh.contains(position),
                    context: context)
            }
            for (position, key) in prepared.escalationKeys.enumerated() {
                try insertEscalation.execute(arguments: [sequence, position, key, fresh.contains(position)])
            }
            previous = record.hash
            receipts.append(
                LedgerReceipt(record: record, escalationKeys: prepared.escalationKeys, queuedNotices: queued))
        }
        return receipts
    }

    /// The positions of the escalations (by key) that no earlier record raised: what is new for
    /// the task's step run. The same escalation twice in one decision is said once.
    private static func newEscalations(_ keys: [String], seenKey: Statement) throws -> [Int] {
        var fresh: [Int] = []
        for (position, key) in keys.enumerated() {
            let seen = try Bool.fetchOne(seenKey, arguments: [key]) ?? false
            if !seen, !keys[..<position].contains(key) { fresh.append(position) }
        }
        return fresh
    }

    /// Inserts `record` into `records` with `statement` (the prepared `INSERT`).
    private static func insert(_ record: LedgerRecord, with statement: Statement) throws {
        try statement.execute(arguments: [
            record.sequence, record.format, record.recordedAt.millisecondsSinceEpoch, record.taskID,
            record.stepRunID, record.source, record.ruleSetName, record.ruleSetHash, record.snapshotHash,
            record.evaluatedAt?.millisecondsSinceEpoch, record.explained, Data(record.decision),
            JSONWriter.compact.string(.array(record.newEscalations.map { .integer(Int64($0)) })),
            record.previousHash, record.hash, record.shadowRuleSetName, record.shadowRuleSetHash,
            record.shadowDecision.map { Data($0) },
        ])
    }
}
