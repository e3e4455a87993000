import ApprovalJSON
package import ApprovalLedger
import ApprovalRules
import Logging
import NIOCore
import PostgresNIO

/// Copying a ledger in as it is (`ledger migrate`): records with their own sequence numbers and
/// hashes, so that the copy verifies and ends at the same head.
extension PostgresLedger {
    /// Copies one page of records, with their rule documents, snapshots and escalation rows, in
    /// one transaction, and moves the chain's head to the page's last record.
    package func importPage(
        _ records: [LedgerRecord], documents: [String: [UInt8]], snapshots: [String: [UInt8]],
        escalations: [AppendPlan.EscalationRow]
    ) async throws {
        guard let last = records.last else { return }
        var names: [String: String] = [:]
        for record in records {
            names[record.ruleSetHash] = record.ruleSetName
            if let hash = record.shadowRuleSetHash { names[hash] = record.shadowRuleSetName ?? "" }
        }
        let named = names
        try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                for (hash, bytes) in documents {
                    try await connection.query(
                        """
                        INSERT INTO rule_documents (hash, name, bytes) VALUES (\(hash), \(named[hash] ?? ""), \(ByteBuffer(bytes: bytes)))
                        ON CONFLICT (hash) DO NOTHING
                        """, logger: logger)
                }
                for (hash, bytes) in snapshots {
                    try await connection.query(
                        """
                        INSERT INTO snapshots (hash, bytes) VALUES (\(hash), \(ByteBuffer(bytes: bytes))) ON CONFLICT (hash) DO NOTHING
                        """, logger: logger)
                }
                for record in records {
                    try await connection.query(
                        """
                        INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                            rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash,
                            hash, shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                        VALUES (\(record.sequence), \(Int32(record.format)), \(record.recordedAt.millisecondsSinceEpoch),
                            \(record.taskID), \(record.stepRunID), \(record.source), \(record.ruleSetName),
                            \(record.ruleSetHash), \(record.snapshotHash), \(record.evaluatedAt?.millisecondsSinceEpoch),
                            \(record.explained), \(ByteBuffer(bytes: record.decision)), \(record.newEscalationsText),
                            \(record.previousHash), \(record.hash), \(record.shadowRuleSetName), \(record.shadowRuleSetHash),
                            \(record.shadowDecision.map { ByteBuffer(bytes: $0) }))
                        """, logger: logger)
                }
                if !escalations.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO escalations (record_sequence, position, key, is_new)
                        SELECT * FROM unnest(\(escalations.map { $0.recordSequence })::bigint[],
                            \(escalations.map { Int32($0.position) })::integer[], \(escalations.map { $0.key })::text[],
                            \(escalations.map { $0.isNew })::boolean[])
                        """, logger: logger)
                }
                try await connection.query(
                    "UPDATE chain_head SET sequence = \(last.sequence), hash = \(last.hash) WHERE id = 1",
                    logger: logger)
            }
        }
    }

    /// Copies notices with their delivery state (leases dropped: no deliverer of the copy holds one).
    package func importNotices(_ notices: [Notice]) async throws {
        try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                for notice in notices {
                    let taskID = notice.taskID.isNull ? nil : JSONWriter.compact.string(notice.taskID)
                    try await connection.query(
                        """
                        INSERT INTO notices (id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id,
                            task_url, recipients, severity, message, rules, rule_set_hash, state, attempts, next_attempt_at,
                            delivered_channels, last_error, sent_at)
                        VALUES (\(notice.id), \(notice.kind.rawValue), \(notice.escalationKey), \(notice.recordSequence),
                            \(notice.createdAt.millisecondsSinceEpoch), \(taskID), \(notice.stepRunID), \(notice.taskURL),
                            \(Notice.text(notice.recipients)), \(notice.severity.rawValue), \(notice.message),
                            \(Notice.text(notice.rules)), \(notice.ruleSetHash), \(notice.state.rawValue),
                            \(Int32(notice.attempts)), \(notice.nextAttemptAt.millisecondsSinceEpoch),
                            \(Notice.text(notice.deliveredChannels)), \(notice.lastError),
                            \(notice.sentAt?.millisecondsSinceEpoch))
                        ON CONFLICT (id) DO NOTHING
                        """, logger: logger)
                }
            }
        }
    }
}
