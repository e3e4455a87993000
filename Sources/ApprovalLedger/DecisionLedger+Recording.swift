import ApprovalJSON
import ApprovalRules
import Foundation
import GRDB

/// Recording into SQLite: each call appends its entries in one IMMEDIATE transaction (SQLite's
/// single writer serialises the chain; the head is read inside it), as ``AppendPlan`` says.
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
        return try write { db in try self.append(prepared, in: db) }
    }

    /// Records decisions as the synchronous `record` does, without blocking the calling task while
    /// it waits for the database (for servers; what ``LedgerStore`` callers get).
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        return try await write { db in try self.append(prepared, in: db) }
    }

    /// Appends the entries, inside the caller's IMMEDIATE transaction.
    private func append(_ entries: [PreparedEntry], in db: Database) throws -> [LedgerReceipt] {
        let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
            .map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
        // When each escalation was first recorded: min over the records holding its key.
        let firstRecorded = try db.cachedStatement(
            sql: """
                SELECT min(r.recorded_at) FROM escalations e JOIN records r ON r.sequence = e.record_sequence
                WHERE e.key = ?
                """)
        var firstSeen: [String: Int64] = [:]
        for key in AppendPlan.escalationKeys(entries) {
            if let time = try Int64.fetchOne(firstRecorded, arguments: [key]) { firstSeen[key] = time }
        }
        let plan = AppendPlan(entries, after: head, firstSeen: firstSeen, recordedAt: clock())
        // Statements prepared once per connection (SQLite parses SQL text on every prepare).
        let hasDocument = try db.cachedStatement(sql: "SELECT 1 FROM rule_documents WHERE hash = ?")
        let insertDocument = try db.cachedStatement(
            sql: "INSERT INTO rule_documents (hash, name, bytes) VALUES (?, ?, ?)")
        for document in plan.documents where try Bool.fetchOne(hasDocument, arguments: [document.hash]) == nil {
            try insertDocument.execute(arguments: [document.hash, document.name, Data(document.bytes)])
        }
        let insertSnapshot = try db.cachedStatement(sql: "INSERT OR IGNORE INTO snapshots (hash, bytes) VALUES (?, ?)")
        for snapshot in plan.snapshots {
            try insertSnapshot.execute(arguments: [snapshot.hash, Data(snapshot.bytes)])
        }
        let insertRecord = try db.cachedStatement(
            sql: """
                INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                    rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                    shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for record in plan.records {
            try insertRecord.execute(arguments: [
                record.sequence, record.format, record.recordedAt.millisecondsSinceEpoch, record.taskID,
                record.stepRunID, record.source, record.ruleSetName, record.ruleSetHash, record.snapshotHash,
                record.evaluatedAt?.millisecondsSinceEpoch, record.explained, Data(record.decision),
                record.newEscalationsText, record.previousHash, record.hash, record.shadowRuleSetName,
                record.shadowRuleSetHash, record.shadowDecision.map { Data($0) },
            ])
        }
        let insertEscalation = try db.cachedStatement(
            sql: "INSERT INTO escalations (record_sequence, position, key, is_new) VALUES (?, ?, ?, ?)")
        for row in plan.escalations {
            try insertEscalation.execute(arguments: [row.recordSequence, row.position, row.key, row.isNew])
        }
        let insertNotice = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO notices (id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id,
                    task_url, recipients, severity, message, rules, rule_set_hash, state, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                """)
        var inserted: Set<String> = []
        for notice in plan.notices {
            try insertNotice.execute(arguments: [
                notice.id, notice.kind.rawValue, notice.escalationKey, notice.recordSequence, notice.createdAt,
                notice.taskID, notice.stepRunID, notice.taskURL, notice.recipients, notice.severity, notice.message,
                notice.rules, notice.ruleSetHash, notice.createdAt,
            ])
            if db.changesCount > 0 { inserted.insert(notice.id) }
        }
        return plan.receipts(inserted: inserted)
    }
}
