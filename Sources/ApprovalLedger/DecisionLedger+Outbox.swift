import ApprovalJSON
public import ApprovalRules
import GRDB

/// The outbox: notices queued by recorded decisions, claimed by deliverers with a lease.
///
/// A deliverer claims one due notice at a time (``claimNotice(owner:lease:)``): in one IMMEDIATE
/// transaction it picks a pending notice whose next attempt is due and whose lease (if any) has
/// run out, counts the attempt and takes the lease. It then sends, records each channel reached
/// (``markDelivered(_:channel:owner:)``) and settles the notice (``settleNotice(_:owner:outcome:)``).
/// Two deliverers never hold the same notice; a deliverer killed while sending leaves its notice
/// pending, and another takes it when the lease runs out (that one notice may then be sent twice,
/// with the same id).
///
/// ```swift
/// while let notice = try await ledger.claimNotice(owner: me, lease: 30_000) {
///     let ok = await send(notice)
///     try await ledger.settleNotice(notice.id, owner: me, outcome: ok ? .sent : .retry(at: later, error: "HTTP 503"))
/// }
/// ```
extension DecisionLedger {
    /// The notices in the outbox, oldest first.
    ///
    /// - Parameter state: only those in this state.
    /// - Throws: ``LedgerError``.
    public func notices(state: Notice.State?) throws -> [Notice] {
        try read { db in
            var sql = "SELECT \(Notice.columns) FROM notices"
            var arguments: StatementArguments = []
            if let state {
                sql += " WHERE state = ?"
                arguments += [state.rawValue]
            }
            sql += " ORDER BY created_at, record_sequence, rowid"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Notice.init(row:))
        }
    }

    /// The notice with this id, if the outbox has it.
    ///
    /// - Throws: ``LedgerError``.
    public func notice(id: String) throws -> Notice? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Notice.columns) FROM notices WHERE id = ?", arguments: [id])
                .map(Notice.init(row:))
        }
    }

    /// How many notices are in each state (every state is present).
    ///
    /// - Throws: ``LedgerError``.
    public func noticeCounts() throws -> [Notice.State: Int] {
        try read { db in
            var counts = Dictionary(uniqueKeysWithValues: Notice.State.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM notices GROUP BY state") {
                if let state = Notice.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// When the next pending notice is due, if any is pending.
    ///
    /// - Throws: ``LedgerError``.
    public func nextNoticeDue() throws -> Timestamp? {
        try read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) FROM notices WHERE state = 'pending'
                    """
            ).map(Timestamp.init(millisecondsSinceEpoch:))
        }
    }

    /// Claims the pending notice due first, if one is due and not leased to another deliverer:
    /// counts the attempt and leases the notice to `owner` for `lease` milliseconds.
    ///
    /// - Parameters:
    ///   - owner: who claims (the same string settles it).
    ///   - lease: how long the claim holds, in milliseconds.
    ///   - dueBy: only notices due by then (a pass passes its start, so that a notice retried
    ///     during the pass waits for the next one); the ledger's clock by default.
    /// - Returns: the notice (its ``Notice/attempts`` counts this attempt), or `nil` when none is due.
    /// - Throws: ``LedgerError``.
    public func claimNotice(owner: String, lease: Int64, dueBy: Timestamp?) async throws -> Notice? {
        let now = clockNow.millisecondsSinceEpoch
        let due = min(dueBy?.millisecondsSinceEpoch ?? now, now)
        return try await write { db in
            guard
                let id = try String.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM notices
                        WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY next_attempt_at, created_at, id LIMIT 1
                        """, arguments: [due, now])
            else { return nil }
            try db.execute(
                sql: "UPDATE notices SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?",
                arguments: [owner, now + lease, id])
            return try Row.fetchOne(db, sql: "SELECT \(Notice.columns) FROM notices WHERE id = ?", arguments: [id])
                .map(Notice.init(row:))
        }
    }

    /// Extends the lease on a claimed notice to `lease` milliseconds from now (before each channel
    /// of a notice is sent to, so that a notice for several slow channels keeps its lease).
    ///
    /// - Returns: false when `owner` no longer holds the lease.
    /// - Throws: ``LedgerError``.
    public func renewNoticeLease(_ id: String, owner: String, lease: Int64) async throws -> Bool {
        let now = clockNow.millisecondsSinceEpoch
        return try await write { db in
            try db.execute(
                sql: "UPDATE notices SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'",
                arguments: [now + lease, id, owner])
            return db.changesCount > 0
        }
    }

    /// Notes that a claimed notice reached `channel` (so a later attempt skips it).
    ///
    /// - Returns: false when `owner` no longer holds the notice's lease (nothing is changed).
    /// - Throws: ``LedgerError``.
    @discardableResult
    public func markDelivered(_ id: String, channel: String, owner: String) async throws -> Bool {
        try await write { db in
            guard
                let text = try String.fetchOne(
                    db, sql: "SELECT delivered_channels FROM notices WHERE id = ? AND lease_owner = ?",
                    arguments: [id, owner])
            else { return false }
            var channels = Notice.strings(text)
            if !channels.contains(channel) { channels.append(channel) }
            try db.execute(
                sql: "UPDATE notices SET delivered_channels = ? WHERE id = ?", arguments: [Notice.text(channels), id])
            return true
        }
    }

    /// Ends a delivery attempt of a claimed notice and releases its lease.
    ///
    /// - Returns: false when `owner` no longer held the lease (it ran out and another deliverer
    ///   claimed the notice): nothing is changed.
    /// - Throws: ``LedgerError``.
    @discardableResult
    public func settleNotice(_ id: String, owner: String, outcome: NoticeOutcome) async throws -> Bool {
        let now = clockNow.millisecondsSinceEpoch
        return try await write { db in
            let (state, next, error, sentAt) = outcome.settlement(now: now)
            try db.execute(
                sql: """
                    UPDATE notices SET state = ?, next_attempt_at = ?, last_error = ?, sent_at = ?, lease_owner = NULL,
                        lease_until = NULL
                    WHERE id = ? AND lease_owner = ?
                    """, arguments: [state.rawValue, next, error, sentAt, id, owner])
            return db.changesCount > 0
        }
    }

    /// Puts a failed or undeliverable notice back in the queue, due now, with its attempts reset
    /// (the channels it already reached are not sent to again).
    ///
    /// - Returns: the notice's state before (`nil` when the outbox has no such notice); only a
    ///   failed or undeliverable notice is changed.
    /// - Throws: ``LedgerError``.
    public func retryNotice(id: String) throws -> Notice.State? {
        let now = clockNow.millisecondsSinceEpoch
        return try write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT state FROM notices WHERE id = ?", arguments: [id])
            else { return nil }
            let state = Notice.State(rawValue: text) ?? .failed
            guard state == .failed || state == .undeliverable else { return state }
            try db.execute(
                sql: """
                    UPDATE notices SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL,
                        sent_at = NULL, lease_owner = NULL, lease_until = NULL
                    WHERE id = ?
                    """, arguments: [now, id])
            return state
        }
    }
}

extension Notice {
    /// The columns `Notice(row:)` reads.
    static let columns = """
        id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id, task_url, recipients, severity,
        message, rules, rule_set_hash, state, attempts, next_attempt_at, delivered_channels, last_error, sent_at
        """

    /// A notice from a row of ``columns``.
    init(row: Row) {
        let task: String? = row["task_id"]
        self.init(
            id: row["id"],
            kind: Kind(rawValue: row["kind"]) ?? .notice,
            escalationKey: row["escalation_key"],
            recordSequence: row["record_sequence"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            taskID: task.flatMap { try? JSONParser().parse(Array($0.utf8)) } ?? .null,
            stepRunID: row["step_run_id"],
            taskURL: row["task_url"],
            recipients: Self.strings(row["recipients"]),
            severity: Severity(rawValue: row["severity"]) ?? .critical,
            message: row["message"],
            rules: Self.strings(row["rules"]),
            ruleSetHash: row["rule_set_hash"],
            state: State(rawValue: row["state"]) ?? .failed,
            attempts: row["attempts"],
            nextAttemptAt: Timestamp(millisecondsSinceEpoch: row["next_attempt_at"]),
            deliveredChannels: Self.strings(row["delivered_channels"]),
            lastError: row["last_error"],
            sentAt: (row["sent_at"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)))
    }
}
