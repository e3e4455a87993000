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
    /// - Parameters:
    /// - Parameter state: only those in this state.
    /// - Throws: ``LedgerError``.
    public func notices(state: Notice.State? = nil) throws -> [Notice] {
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
    public func claimNotice(owner: String, lease: Int64, dueBy: Timestamp? = nil) async throws -> Notice? {
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
            let state: Notice.State
            var next = now
            var error: String?
            var sentAt: Int64?
            switch outcome {
            case .sent:
                state = .sent
                sentAt = now
            case .retry(let at, let reason):
                state = .pending
                next = at.millisecondsSinceEpoch
                error = reason
            case .failed(let reason):
                state = .failed
                error = reason
            case .undeliverable(let reason):
                state = .undeliverable
                error = reason
                sentAt = now
            }
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

// MARK: - Queueing (inside the recording transaction)

/// Queues the notices a record asks for, in the record's transaction.
struct NoticeQueue {
    private let firstSeen: Statement
    private let insert: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        // When an escalation was first recorded: min over the records holding its key.
        firstSeen = try db.cachedStatement(
            sql: """
                SELECT min(r.recorded_at) FROM escalations e JOIN records r ON r.sequence = e.record_sequence
                WHERE e.key = ?
                """)
        insert = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO notices (id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id,
                    task_url, recipients, severity, message, rules, rule_set_hash, state, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                """)
    }

    /// What a record is about, for its notices.
    struct Context {
        let sequence: Int64
        let recordedAt: Timestamp
        let taskID: String?
        let stepRunID: String?
        let taskURL: String?
        let ruleSetHash: String
    }

    /// Queues the notices for one escalation of a record: its notice when it is new; otherwise the
    /// reminder and the further escalation that have come due since it was first recorded. Call
    /// before the record's own escalation rows are written.
    ///
    /// - Returns: the ids of the notices queued (a notice already queued is not queued again).
    mutating func queue(_ escalation: Escalation, key: String, isNew: Bool, context: Context) throws -> [String] {
        var queued: [String] = []
        func add(_ id: String, _ kind: Notice.Kind, to: [String], severity: Severity, message: String) throws {
            try insert.execute(arguments: [
                id, kind.rawValue, key, context.sequence, context.recordedAt.millisecondsSinceEpoch, context.taskID,
                context.stepRunID, context.taskURL, Notice.text(to), severity.rawValue, message,
                Notice.text(escalation.ruleIDs), context.ruleSetHash, context.recordedAt.millisecondsSinceEpoch,
            ])
            if db.changesCount > 0 { queued.append(id) }
        }
        if isNew {
            try add(key, .notice, to: escalation.to, severity: escalation.severity, message: escalation.message)
            return queued
        }
        guard escalation.remindAfter != nil || escalation.escalateAfter != nil,
            let first = try Int64.fetchOne(firstSeen, arguments: [key])
        else { return queued }
        let waited = context.recordedAt.millisecondsSinceEpoch - first
        if let interval = escalation.remindAfter?.milliseconds, interval > 0, waited >= interval {
            // The n-th reminder is due n intervals after the first notice; one evaluation queues
            // at most the latest one due (a task not seen for a week gets one reminder, not seven).
            let number = waited / interval
            try add(
                Digest.sha256(Array("\(key)#reminder-\(number)".utf8)), .reminder, to: escalation.to,
                severity: escalation.severity, message: escalation.message)
        }
        if let further = escalation.escalateAfter, waited >= further.after.milliseconds {
            try add(
                Digest.sha256(Array("\(key)#escalate".utf8)), .escalation, to: further.to, severity: further.severity,
                message: further.message)
        }
        return queued
    }
}
