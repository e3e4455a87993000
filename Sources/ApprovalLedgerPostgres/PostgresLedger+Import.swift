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
        guard !records.isEmpty else { return }
        var names: [String: String] = [:]
        for record in records {
            names[record.ruleSetHash] = record.ruleSetName
            if let hash = record.shadowRuleSetHash { names[hash] = record.shadowRuleSetName ?? "" }
        }
        let named = names
        // The append's own statements: snapshots, then records, escalation rows and head at once.
        let stored = StoreSnapshots(
            hashes: Array(snapshots.keys), bytes: snapshots.values.map { ByteBuffer(bytes: $0) }, documents: [])
        let copied = WriteAppend(plan: AppendPlan(copying: records, escalations: escalations))
        try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                for (hash, bytes) in documents {
                    try await Self.storeRuleDocument(
                        hash, name: named[hash] ?? "", bytes: bytes, on: connection, logger: logger)
                }
                for try await _ in try await connection.execute(stored, logger: logger) {}
                for try await _ in try await connection.execute(copied, logger: logger) {}
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
