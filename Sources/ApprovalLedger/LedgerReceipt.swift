public import ApprovalJSON

/// What recording a decision gave: its record, and which escalations were new.
///
/// ```swift
/// let receipt = try ledger.record(entry)
/// for index in receipt.newEscalations { send(entry.decision.escalations[index]) }
/// ```
public struct LedgerReceipt: Sendable, Hashable {
    /// The record as written.
    public let record: LedgerRecord
    /// Each escalation's key (in the decision's order): a digest of the task, the step run, the
    /// recipients, the rules and the message, the same for the same notice in any record.
    public let escalationKeys: [String]
    /// The ids of the notices this record queued in the outbox: one per new escalation, and the
    /// reminders and further escalations that came due (see ``Notice``).
    public let queuedNotices: [String]

    /// The record's place in the chain.
    public var sequence: Int64 { record.sequence }
    /// The record's hash.
    public var hash: String { record.hash }
    /// Which of the decision's escalations (indices) were new for its task and step run.
    public var newEscalations: [Int] { record.newEscalations }

    /// The receipt as JSON, as the CLI prints it under `record`.
    public var json: JSONValue {
        [
            "sequence": .integer(record.sequence), "hash": .string(record.hash),
            "previous_hash": record.previousHash.map(JSONValue.string) ?? .null,
            "new_escalations": .array(record.newEscalations.map { .integer(Int64($0)) }),
            "queued_notices": .array(queuedNotices.map(JSONValue.string)),
        ]
    }
}
