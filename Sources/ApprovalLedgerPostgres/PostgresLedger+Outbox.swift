import ApprovalJSON
public import ApprovalLedger
public import ApprovalRules
import Logging
import PostgresNIO

/// The outbox on PostgreSQL: a claim is one `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`,
/// so deliverers on any number of instances each take a different due notice without waiting for
/// each other, and a lease that runs out (a deliverer killed) lets another take it.
extension PostgresLedger {
    private static let noticeColumns = """
        id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id, task_url, recipients, severity,
        message, rules, rule_set_hash, state, attempts, next_attempt_at, delivered_channels, last_error, sent_at
        """

    /// The notices in the outbox, oldest first (only those in `state`, when given).
    public func notices(state: Notice.State?) async throws -> [Notice] {
        let wanted = state?.rawValue
        return try await operation { client, logger in
            try await client.query(
                """
                SELECT \(unescaped: Self.noticeColumns) FROM notices WHERE \(wanted)::text IS NULL OR state = \(wanted)
                ORDER BY created_at, record_sequence, queued
                """, logger: logger
            ).collect().map(Self.notice)
        }
    }

    /// The notice with this id, if the outbox has it.
    public func notice(id: String) async throws -> Notice? {
        try await operation { client, logger in
            try await client.query(
                "SELECT \(unescaped: Self.noticeColumns) FROM notices WHERE id = \(id)", logger: logger
            ).collect().first.map(Self.notice)
        }
    }

    /// How many notices are in each state (every state is present).
    public func noticeCounts() async throws -> [Notice.State: Int] {
        try await operation { client, logger in
            var counts = Dictionary(uniqueKeysWithValues: Notice.State.allCases.map { ($0, 0) })
            for try await (state, count) in try await client.query(
                "SELECT state, count(*) FROM notices GROUP BY state", logger: logger
            ).decode((String, Int).self) {
                if let state = Notice.State(rawValue: state) { counts[state] = count }
            }
            return counts
        }
    }

    /// When the next pending notice is due (its lease included), if any is pending.
    public func nextNoticeDue() async throws -> Timestamp? {
        try await operation { client, logger in
            try await client.query(
                """
                SELECT min(greatest(next_attempt_at, coalesce(lease_until, 0))) FROM notices WHERE state = 'pending'
                """, logger: logger
            ).collect().first?.decode(Int64?.self).map { Timestamp(millisecondsSinceEpoch: $0) }
        }
    }

    /// Claims the pending notice due first that no other deliverer holds (see
    /// ``LedgerStore/claimNotice(owner:lease:dueBy:)``).
    public func claimNotice(owner: String, lease: Int64, dueBy: Timestamp?) async throws -> Notice? {
        let now = clockNow.millisecondsSinceEpoch
        let due = min(dueBy?.millisecondsSinceEpoch ?? now, now)
        return try await operation { client, logger in
            try await client.query(
                """
                UPDATE notices SET lease_owner = \(owner), lease_until = \(now + lease), attempts = attempts + 1
                WHERE id = (
                    SELECT id FROM notices
                    WHERE state = 'pending' AND next_attempt_at <= \(due) AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY next_attempt_at, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.noticeColumns)
                """, logger: logger
            ).collect().first.map(Self.notice)
        }
    }

    /// Extends `owner`'s lease on a claimed notice.
    public func renewNoticeLease(_ id: String, owner: String, lease: Int64) async throws -> Bool {
        let until = clockNow.millisecondsSinceEpoch + lease
        return try await operation { client, logger in
            try await !client.query(
                """
                UPDATE notices SET lease_until = \(until) WHERE id = \(id) AND lease_owner = \(owner) AND state = 'pending'
                RETURNING id
                """, logger: logger
            ).collect().isEmpty
        }
    }

    /// Notes that a claimed notice reached `channel`.
    @discardableResult
    public func markDelivered(_ id: String, channel: String, owner: String) async throws -> Bool {
        try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                guard
                    let text = try await connection.query(
                        "SELECT delivered_channels FROM notices WHERE id = \(id) AND lease_owner = \(owner) FOR UPDATE",
                        logger: logger
                    ).collect().first?.decode(String.self)
                else { return false }
                var channels = Notice.strings(text)
                if !channels.contains(channel) { channels.append(channel) }
                try await connection.query(
                    "UPDATE notices SET delivered_channels = \(Notice.text(channels)) WHERE id = \(id)", logger: logger)
                return true
            }
        }
    }

    /// Ends a delivery attempt of a claimed notice and releases its lease.
    @discardableResult
    public func settleNotice(_ id: String, owner: String, outcome: NoticeOutcome) async throws -> Bool {
        let (state, next, error, sentAt) = outcome.settlement(now: clockNow.millisecondsSinceEpoch)
        return try await operation { client, logger in
            try await !client.query(
                """
                UPDATE notices SET state = \(state.rawValue), next_attempt_at = \(next), last_error = \(error),
                    sent_at = \(sentAt), lease_owner = NULL, lease_until = NULL
                WHERE id = \(id) AND lease_owner = \(owner)
                RETURNING id
                """, logger: logger
            ).collect().isEmpty
        }
    }

    /// Puts a failed or undeliverable notice back in the queue.
    public func retryNotice(id: String) async throws -> Notice.State? {
        let now = clockNow.millisecondsSinceEpoch
        return try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                guard
                    let text = try await connection.query(
                        "SELECT state FROM notices WHERE id = \(id) FOR UPDATE", logger: logger
                    ).collect().first?.decode(String.self)
                else { return nil }
                let state = Notice.State(rawValue: text) ?? .failed
                guard state == .failed || state == .undeliverable else { return state }
                try await connection.query(
                    """
                    UPDATE notices SET state = 'pending', attempts = 0, next_attempt_at = \(now), last_error = NULL,
                        sent_at = NULL, lease_owner = NULL, lease_until = NULL
                    WHERE id = \(id)
                    """, logger: logger)
                return state
            }
        }
    }

    /// A notice from a row of ``noticeColumns``.
    private static func notice(_ row: PostgresRow) throws -> Notice {
        let cells = row.makeRandomAccess()
        let task = try cells["task_id"].decode(String?.self)
        return Notice(
            id: try cells["id"].decode(String.self),
            kind: Notice.Kind(rawValue: try cells["kind"].decode(String.self)) ?? .notice,
            escalationKey: try cells["escalation_key"].decode(String.self),
            recordSequence: try cells["record_sequence"].decode(Int64.self),
            createdAt: Timestamp(millisecondsSinceEpoch: try cells["created_at"].decode(Int64.self)),
            taskID: task.flatMap { try? JSONParser().parse(Array($0.utf8)) } ?? .null,
            stepRunID: try cells["step_run_id"].decode(String?.self),
            taskURL: try cells["task_url"].decode(String?.self),
            recipients: Notice.strings(try cells["recipients"].decode(String.self)),
            severity: Severity(rawValue: try cells["severity"].decode(String.self)) ?? .critical,
            message: try cells["message"].decode(String.self),
            rules: Notice.strings(try cells["rules"].decode(String.self)),
            ruleSetHash: try cells["rule_set_hash"].decode(String.self),
            state: Notice.State(rawValue: try cells["state"].decode(String.self)) ?? .failed,
            attempts: Int(try cells["attempts"].decode(Int32.self)),
            nextAttemptAt: Timestamp(millisecondsSinceEpoch: try cells["next_attempt_at"].decode(Int64.self)),
            deliveredChannels: Notice.strings(try cells["delivered_channels"].decode(String.self)),
            lastError: try cells["last_error"].decode(String?.self),
            sentAt: try cells["sent_at"].decode(Int64?.self).map { Timestamp(millisecondsSinceEpoch: $0) })
    }
}
