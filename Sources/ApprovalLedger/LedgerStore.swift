public import ApprovalRules

/// Where decisions are recorded: the chain of records, the rule documents and snapshots they were
/// decided from, and the outbox of notices. Two backends implement it with the same semantics:
/// ``DecisionLedger`` (one SQLite file, the default) and `PostgresLedger` (module
/// ApprovalLedgerPostgres: one PostgreSQL database shared by several service instances).
///
/// A backend provides the primitives: appending (one transaction that serialises writers, so the
/// chain never forks; what it writes is planned by the module, the same for both), reading records
/// and stored bytes by page, and the outbox's claims and settlements. Verification, history,
/// replay and exports are written once over those (in extensions of this protocol).
///
/// ```swift
/// func decideAndRecord(_ store: any LedgerStore, _ entry: LedgerEntry) async throws {
///     let receipt = try await store.record(entry)
///     print("#\(receipt.sequence) \(receipt.hash); notices queued: \(receipt.queuedNotices.count)")
///     let report = try await store.verify(workers: 2)
///     precondition(report.passed)
/// }
/// ```
public protocol LedgerStore: AnyObject, Sendable {
    /// The ledger as messages and item names show it: the file's path, or the database's URL
    /// without its password.
    var location: String { get }

    /// The time of the ledger's clock (injected in tests): what records and notices are stamped
    /// with, and what delivery schedules against.
    var clockNow: Timestamp { get }

    /// Records decisions in one transaction, in order: all are recorded, or none.
    ///
    /// - Returns: one receipt per entry, in order.
    /// - Throws: ``LedgerError``; nothing is recorded then.
    func record(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt]

    /// How many records the ledger holds.
    func count() async throws -> Int

    /// The sequence number of the newest record (0 when there is none).
    func lastSequence() async throws -> Int64

    /// The newest record that passes `filter`.
    func lastRecord(_ filter: LedgerFilter) async throws -> LedgerRecord?

    /// Up to `limit` records after sequence `after` and up to `through`, that pass `filter`,
    /// oldest first.
    func records(_ filter: LedgerFilter, after: Int64, through: Int64, limit: Int) async throws -> [LedgerRecord]

    /// The stored bytes of the snapshots with these digests (absent ones are left out).
    func snapshots(_ hashes: Set<String>) async throws -> [String: [UInt8]]

    /// The stored bytes of the rule documents with these content hashes (absent ones are left out).
    func ruleDocuments(_ hashes: Set<String>) async throws -> [String: [UInt8]]

    /// What the database's own integrity check finds wrong, if it has one (`nil`: nothing).
    func integrityProblem() async throws -> String?

    /// The notices in the outbox, oldest first (only those in `state`, when given).
    func notices(state: Notice.State?) async throws -> [Notice]

    /// The notice with this id, if the outbox has it.
    func notice(id: String) async throws -> Notice?

    /// How many notices are in each state (every state is present).
    func noticeCounts() async throws -> [Notice.State: Int]

    /// When the next pending notice is due (its lease included), if any is pending.
    func nextNoticeDue() async throws -> Timestamp?

    /// Claims the pending notice due first, if one is due by `dueBy` (and now) and not leased to
    /// another deliverer: counts the attempt and leases it to `owner` for `lease` milliseconds.
    /// Two deliverers, in any processes, never hold the same notice.
    func claimNotice(owner: String, lease: Int64, dueBy: Timestamp?) async throws -> Notice?

    /// Extends `owner`'s lease on a claimed notice to `lease` milliseconds from now; false when
    /// `owner` no longer holds it.
    func renewNoticeLease(_ id: String, owner: String, lease: Int64) async throws -> Bool

    /// Notes that a claimed notice reached `channel`; false when `owner` no longer holds it.
    @discardableResult
    func markDelivered(_ id: String, channel: String, owner: String) async throws -> Bool

    /// Ends a delivery attempt of a claimed notice and releases its lease; false (nothing
    /// changed) when `owner` no longer held it.
    @discardableResult
    func settleNotice(_ id: String, owner: String, outcome: NoticeOutcome) async throws -> Bool

    /// Puts a failed or undeliverable notice back in the queue, due now, attempts reset.
    ///
    /// - Returns: the notice's state before (`nil`: no such notice); only a failed or
    ///   undeliverable notice is changed.
    func retryNotice(id: String) async throws -> Notice.State?
}

extension LedgerStore {
    /// Records one decision (one transaction) and says which of its escalations are new.
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entry: LedgerEntry) async throws -> LedgerReceipt {
        try await record([entry])[0]
    }

    /// Claims the pending notice due first by the ledger's clock (see
    /// ``claimNotice(owner:lease:dueBy:)``).
    public func claimNotice(owner: String, lease: Int64) async throws -> Notice? {
        try await claimNotice(owner: owner, lease: lease, dueBy: nil)
    }

    /// The notices in the outbox, oldest first.
    public func notices() async throws -> [Notice] {
        try await notices(state: nil)
    }
}

extension NoticeOutcome {
    /// The columns a settlement writes: the state, the next attempt's time, the error and the
    /// time sent (the same for every backend).
    package func settlement(now: Int64) -> (state: Notice.State, next: Int64, error: String?, sentAt: Int64?) {
        switch self {
        case .sent: (.sent, now, nil, now)
        case .retry(let at, let reason): (.pending, at.millisecondsSinceEpoch, reason, nil)
        case .failed(let reason): (.failed, now, reason, nil)
        case .undeliverable(let reason): (.undeliverable, now, reason, now)
        }
    }
}
