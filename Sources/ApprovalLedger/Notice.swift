public import ApprovalJSON
public import ApprovalRules

/// One message to deliver, from the ledger's outbox.
///
/// A recorded decision queues a notice for each of its new escalations, in the transaction that
/// records it; a later record of the same task at the same step run queues a reminder every
/// `remind_after`, and the further notice of `escalate_after` once, timed from when the
/// escalation was first recorded. A notice's ``id`` is stable (for a new escalation, its
/// ``Escalations/key(_:taskID:stepRunID:)``), so a receiver can drop a repeated delivery.
///
/// ```swift
/// for notice in try ledger.notices(state: .failed) {
///     print(notice.id, notice.recipients, notice.lastError ?? "")
/// }
/// ```
public struct Notice: Sendable, Hashable {
    /// Why a notice was queued.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A new escalation.
        case notice
        /// The same escalation, to the same recipients, after `remind_after` more.
        case reminder
        /// An escalation's `escalate_after`: someone else, after that long.
        case escalation
    }

    /// Where a notice is in its delivery.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Not delivered yet (never tried, or waiting for its next attempt).
        case pending
        /// Delivered to every channel its recipients are routed to.
        case sent
        /// Given up after the last attempt, or refused by a receiver for good (`notices retry`
        /// puts it back).
        case failed
        /// At least one recipient matches no route of the channel configuration; the others got
        /// it.
        case undeliverable
    }

    /// The idempotency key receivers see: `sha256:…`.
    public let id: String
    /// Why it was queued.
    public let kind: Kind
    /// The key of the escalation it belongs to (the ``id`` of its first notice).
    public let escalationKey: String
    /// The record that queued it.
    public let recordSequence: Int64
    /// When it was queued (the record's time).
    public let createdAt: Timestamp
    /// The task's id, as in the decision (`null` when the snapshot has none).
    public let taskID: JSONValue
    /// The task's step run.
    public let stepRunID: String?
    /// The task's page in the web application (`task.task_url`), when the snapshot had it.
    public let taskURL: String?
    /// Who is told.
    public let recipients: [String]
    /// How urgent.
    public let severity: Severity
    /// What to say.
    public let message: String
    /// The rules that asked for it.
    public let rules: [String]
    /// The hash of the rule set that decided.
    public let ruleSetHash: String
    /// Where it is in its delivery.
    public let state: State
    /// How many deliveries have been started.
    public let attempts: Int
    /// When the next attempt is due (pending notices).
    public let nextAttemptAt: Timestamp
    /// The channels it has been delivered to (a notice for recipients on several channels goes
    /// to each once).
    public let deliveredChannels: [String]
    /// Why the last attempt failed.
    public let lastError: String?
    /// When it was delivered everywhere.
    public let sentAt: Timestamp?

    /// The notice as `notices list --format json` prints it.
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id)
        object["kind"] = .string(kind.rawValue)
        object["state"] = .string(state.rawValue)
        object["task_id"] = taskID
        object["step_run_id"] = stepRunID.map(JSONValue.string) ?? .null
        object["recipients"] = .array(recipients.map(JSONValue.string))
        object["severity"] = .string(severity.rawValue)
        object["message"] = .string(message)
        object["rules"] = .array(rules.map(JSONValue.string))
        object["rule_set_hash"] = .string(ruleSetHash)
        object["task_url"] = taskURL.map(JSONValue.string) ?? .null
        object["escalation_key"] = .string(escalationKey)
        object["record_sequence"] = .integer(recordSequence)
        object["created_at"] = .string(createdAt.description)
        object["attempts"] = .integer(Int64(attempts))
        object["next_attempt_at"] = state == .pending ? .string(nextAttemptAt.description) : .null
        object["delivered_channels"] = .array(deliveredChannels.map(JSONValue.string))
        object["last_error"] = lastError.map(JSONValue.string) ?? .null
        object["sent_at"] = sentAt.map { .string($0.description) } ?? .null
        return .object(object)
    }

    /// A notice with every field given (backends decoding their rows).
    package init(
        id: String, kind: Kind, escalationKey: String, recordSequence: Int64, createdAt: Timestamp, taskID: JSONValue,
        stepRunID: String?, taskURL: String?, recipients: [String], severity: Severity, message: String,
        rules: [String], ruleSetHash: String, state: State, attempts: Int, nextAttemptAt: Timestamp,
        deliveredChannels: [String], lastError: String?, sentAt: Timestamp?
    ) {
        self.id = id
        self.kind = kind
        self.escalationKey = escalationKey
        self.recordSequence = recordSequence
        self.createdAt = createdAt
        self.taskID = taskID
        self.stepRunID = stepRunID
        self.taskURL = taskURL
        self.recipients = recipients
        self.severity = severity
        self.message = message
        self.rules = rules
        self.ruleSetHash = ruleSetHash
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredChannels = deliveredChannels
        self.lastError = lastError
        self.sentAt = sentAt
    }

    /// A JSON array of strings, as the outbox stores lists.
    package static func strings(_ text: String) -> [String] {
        guard let value = try? JSONParser().parse(Array(text.utf8)), case .array(let items) = value else { return [] }
        return items.compactMap(\.string)
    }

    /// The JSON text of a list of strings.
    package static func text(_ strings: [String]) -> String {
        JSONWriter.compact.string(.array(strings.map(JSONValue.string)))
    }
}

/// How a delivery attempt of a claimed notice ended (see ``DecisionLedger/settleNotice(_:owner:outcome:)``).
///
/// ```swift
/// try await ledger.settleNotice(notice.id, owner: me, outcome: .retry(at: later, error: "HTTP 503"))
/// ```
public enum NoticeOutcome: Sendable, Hashable {
    /// Delivered to every channel.
    case sent
    /// Try again at that time.
    case retry(at: Timestamp, error: String)
    /// Give up (`notices retry` puts it back).
    case failed(error: String)
    /// Some recipients match no route; the others have it.
    case undeliverable(error: String)
}
