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
        // Snapshots and rule documents first: content-addressed, so concurrent appends may insert
        // the same ones, and they need not wait for the chain's lock. One statement stores the
        // snapshots and says which rule documents are stored already (they are large, and almost
        // always there: they are sent only when missing).
        var documents: [String: (name: String, bytes: [UInt8])] = [:]
        for entry in entries {
            for rules in [entry.entry.rules] + (entry.entry.shadow.map { [$0.rules] } ?? []) {
                documents[rules.contentHash] = (rules.name, rules.documentBytes)
            }
        }
        var snapshotHashes: [String] = []
        var snapshotBytes: [ByteBuffer] = []
        for entry in entries where !snapshotHashes.contains(entry.snapshotHash) {
            snapshotHashes.append(entry.snapshotHash)
            snapshotBytes.append(ByteBuffer(bytes: entry.entry.snapshot))
        }
        for try await hash in try await connection.query(
            """
            WITH stored AS (
                INSERT INTO snapshots (hash, bytes) SELECT * FROM unnest(\(snapshotHashes)::text[], \(snapshotBytes)::bytea[])
                ON CONFLICT (hash) DO NOTHING
            )
            SELECT hash FROM rule_documents WHERE hash = ANY(\(Array(documents.keys)))
            """, logger: logger
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
        // The chain's head, locked until the commit: the next appender waits here. Then, in a
        // statement of its own (so that it sees what the appender before committed), when each
        // escalation was first recorded.
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
        guard let last = plan.records.last else { return [] }
        var inserted: Set<String> = []
        for try await id in try await connection.query(Self.writes(plan, head: last), logger: logger).decode(
            String.self)
        {
            inserted.insert(id)
        }
        return plan.receipts(inserted: inserted)
    }

    /// The records, their escalation rows, their notices and the new head in one statement (one
    /// round trip while the head is locked); it returns the ids of the notices it queued. Arrays
    /// cannot hold SQL nulls here: an absent text travels as "" (never a task id, step run, URL,
    /// hash or name), an absent time as `Int64.min`, an absent shadow decision as no bytes.
    private static func writes(_ plan: AppendPlan, head last: LedgerRecord) -> PostgresQuery {
        let records = plan.records
        let rows = plan.escalations
        let notices = plan.notices
        let none = Int64.min
        return """
            WITH recorded AS (
                INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                    rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                    shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                SELECT sequence, format, recorded_at, NULLIF(task, ''), NULLIF(step, ''), source, rules_name, rules_hash,
                    snapshot, NULLIF(evaluated, \(none)), explained, decision, marks, NULLIF(previous, ''), hash,
                    NULLIF(shadow_name, ''), NULLIF(shadow_hash, ''), NULLIF(shadow, ''::bytea)
                FROM unnest(\(records.map(\.sequence))::bigint[], \(records.map { Int32($0.format) })::integer[],
                    \(records.map(\.recordedAt.millisecondsSinceEpoch))::bigint[], \(records.map { $0.taskID ?? "" })::text[],
                    \(records.map { $0.stepRunID ?? "" })::text[], \(records.map(\.source))::text[],
                    \(records.map(\.ruleSetName))::text[], \(records.map(\.ruleSetHash))::text[],
                    \(records.map(\.snapshotHash))::text[],
                    \(records.map { $0.evaluatedAt?.millisecondsSinceEpoch ?? none })::bigint[],
                    \(records.map(\.explained))::boolean[], \(records.map { ByteBuffer(bytes: $0.decision) })::bytea[],
                    \(records.map(\.newEscalationsText))::text[], \(records.map { $0.previousHash ?? "" })::text[],
                    \(records.map(\.hash))::text[], \(records.map { $0.shadowRuleSetName ?? "" })::text[],
                    \(records.map { $0.shadowRuleSetHash ?? "" })::text[],
                    \(records.map { ByteBuffer(bytes: $0.shadowDecision ?? []) })::bytea[])
                    AS r(sequence, format, recorded_at, task, step, source, rules_name, rules_hash, snapshot, evaluated,
                        explained, decision, marks, previous, hash, shadow_name, shadow_hash, shadow)
            ), escalated AS (
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
            """
    }
}
