public import ApprovalLedger
import ApprovalRules
import Logging
import NIOCore
import PostgresNIO

/// Recording into PostgreSQL: one transaction per call; the chain's head is locked
/// (`SELECT … FOR UPDATE` on `chain_head`) after the content-addressed rows are written and held
/// to the commit, so appends from any number of instances form one chain.
extension PostgresLedger {
    /// Records decisions in one transaction, in order: all are recorded, or none.
    ///
    /// - Returns: one receipt per entry, in order.
    /// - Throws: ``LedgerError``; nothing is recorded then (or, when the database stopped
    ///   answering during the commit, the outcome is unknown: `unavailable`).
    public func record(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        let clock = clock
        return try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.append(prepared, clock: clock, on: connection, logger: logger)
            }
        }
    }

    private static func append(
        _ entries: [PreparedEntry], clock: @Sendable () -> Timestamp, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [LedgerReceipt] {
        // Rule documents and snapshots first: content-addressed, so concurrent appends may insert
        // the same ones; they need not wait for the chain's lock.
        var documents: [String: (name: String, bytes: [UInt8])] = [:]
        for entry in entries {
            for rules in [entry.entry.rules] + (entry.entry.shadow.map { [$0.rules] } ?? []) {
                documents[rules.contentHash] = (rules.name, rules.documentBytes)
            }
        }
        let hashes = Array(documents.keys)
        for try await hash in try await connection.query(
            "SELECT hash FROM rule_documents WHERE hash = ANY(\(hashes))", logger: logger
        ).decode(String.self) {
            documents[hash] = nil
        }
        for (hash, document) in documents {
            try await connection.query(
                """
                INSERT INTO rule_documents (hash, name, bytes) VALUES (\(hash), \(document.name), \(ByteBuffer(bytes: document.bytes)))
                ON CONFLICT (hash) DO NOTHING
                """, logger: logger)
        }
        var snapshots: Set<String> = []
        for entry in entries where snapshots.insert(entry.snapshotHash).inserted {
            try await connection.query(
                """
                INSERT INTO snapshots (hash, bytes) VALUES (\(entry.snapshotHash), \(ByteBuffer(bytes: entry.entry.snapshot)))
                ON CONFLICT (hash) DO NOTHING
                """, logger: logger)
        }
        // The chain's head, locked until the commit: the next appender waits here.
        let headRow = try await connection.query(
            "SELECT sequence, hash FROM chain_head WHERE id = 1 FOR UPDATE", logger: logger
        ).collect().first
        guard let (sequence, hash) = try headRow?.decode((Int64, String?).self) else {
            throw LedgerError(code: .corrupt, path: "", message: "the chain head row is missing")
        }
        let head = sequence == 0 ? nil : hash.map { (sequence: sequence, hash: $0) }
        let keys = AppendPlan.escalationKeys(entries)
        var firstSeen: [String: Int64] = [:]
        if !keys.isEmpty {
            for try await (key, time) in try await connection.query(
                """
                SELECT e.key, min(r.recorded_at) FROM escalations e JOIN records r ON r.sequence = e.record_sequence
                WHERE e.key = ANY(\(keys)) GROUP BY e.key
                """, logger: logger
            ).decode((String, Int64).self) {
                firstSeen[key] = time
            }
        }
        let plan = AppendPlan(entries, after: head, firstSeen: firstSeen, recordedAt: clock())
        for record in plan.records {
            try await connection.query(
                """
                INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                    rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                    shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                VALUES (\(record.sequence), \(Int32(record.format)), \(record.recordedAt.millisecondsSinceEpoch),
                    \(record.taskID), \(record.stepRunID), \(record.source), \(record.ruleSetName), \(record.ruleSetHash),
                    \(record.snapshotHash), \(record.evaluatedAt?.millisecondsSinceEpoch), \(record.explained),
                    \(ByteBuffer(bytes: record.decision)), \(record.newEscalationsText), \(record.previousHash),
                    \(record.hash), \(record.shadowRuleSetName), \(record.shadowRuleSetHash),
                    \(record.shadowDecision.map { ByteBuffer(bytes: $0) }))
                """, logger: logger)
        }
        // The escalation rows, the notices and the new head in one statement (one round trip while
        // the head is locked). Nullable texts travel as "" (never a task id, step run or URL).
        guard let last = plan.records.last else { return [] }
        let rows = plan.escalations
        let notices = plan.notices
        var inserted: Set<String> = []
        for try await id in try await connection.query(
            """
            WITH escalated AS (
                INSERT INTO escalations (record_sequence, position, key, is_new)
                SELECT * FROM unnest(\(rows.map { $0.recordSequence })::bigint[],
                    \(rows.map { Int32($0.position) })::integer[], \(rows.map { $0.key })::text[],
                    \(rows.map { $0.isNew })::boolean[])
            ), head AS (
                UPDATE chain_head SET sequence = \(last.sequence), hash = \(last.hash) WHERE id = 1
            ), queued AS (
                INSERT INTO notices (id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id,
                    task_url, recipients, severity, message, rules, rule_set_hash, state, next_attempt_at)
                SELECT id, kind, key, sequence, created, NULLIF(task, ''), NULLIF(step, ''), NULLIF(url, ''),
                    recipients, severity, message, rules, rule_set, 'pending', created
                FROM unnest(\(notices.map(\.id))::text[], \(notices.map(\.kind.rawValue))::text[],
                    \(notices.map(\.escalationKey))::text[], \(notices.map(\.recordSequence))::bigint[],
                    \(notices.map(\.createdAt))::bigint[], \(notices.map { $0.taskID ?? "" })::text[],
                    \(notices.map { $0.stepRunID ?? "" })::text[], \(notices.map { $0.taskURL ?? "" })::text[],
                    \(notices.map(\.recipients))::text[], \(notices.map(\.severity))::text[],
                    \(notices.map(\.message))::text[], \(notices.map(\.rules))::text[],
                    \(notices.map(\.ruleSetHash))::text[])
                    AS n(id, kind, key, sequence, created, task, step, url, recipients, severity, message, rules,
                        rule_set)
                ON CONFLICT (id) DO NOTHING RETURNING id
            )
            SELECT id FROM queued
            """, logger: logger
        ).decode(String.self) {
            inserted.insert(id)
        }
        return plan.receipts(inserted: inserted)
    }
}
