public import ApprovalJSON
public import ApprovalRules

/// A decision to record: the snapshot's bytes as the engine read them, the rule set, the options
/// and the decision they gave.
///
/// ``deciding(_:file:rules:options:source:)`` makes the decision and the entry in one step, from
/// the bytes as they will be stored (signatures redacted first), so a recorded decision is always
/// the one its stored data gives; that is what `ledger verify` checks.
///
/// ```swift
/// let entry = try LedgerEntry.deciding(bytes, rules: rules, options: EvaluationOptions(now: clock), source: "cli")
/// let receipt = try ledger.record(entry)
/// print(entry.decision.recommendation, receipt.sequence, receipt.newEscalations)
/// ```
public struct LedgerEntry: Sendable {
    /// The snapshot's bytes, signatures redacted: exactly what the decision was made from.
    public let snapshot: [UInt8]
    /// The rule set that decided (its document's bytes are stored with the record).
    public let rules: RuleSet
    /// The clock and whether the decision was explained.
    public let options: EvaluationOptions
    /// The decision.
    public let decision: Decision
    /// Where the decision was made (`cli`, `service`, ...).
    public let source: String
    /// The step run id read from the snapshot (`step_run.step_run_id`), when it has one.
    public let stepRunID: String?
    /// The task's page in the web application (`task.task_url`), when the snapshot has it (the
    /// notices link to it).
    public let taskURL: String?
    /// The decision of a shadow rule set on the same snapshot and options, recorded beside it.
    public let shadow: Shadow?

    /// A shadow rule set and its decision.
    ///
    /// ```swift
    /// if let shadow = entry.shadow, shadow.decision.recommendation != entry.decision.recommendation { ... }
    /// ```
    public struct Shadow: Sendable {
        /// The shadow rule set.
        public let rules: RuleSet
        /// Its decision.
        public let decision: Decision

        /// A shadow decision.
        public init(rules: RuleSet, decision: Decision) {
            self.rules = rules
            self.decision = decision
        }
    }

    /// Redacts `bytes` (presigned-URL signatures, as `approvalctl snapshot` saves snapshots),
    /// parses them as `rules` read snapshots, decides, and returns the entry.
    ///
    /// - Parameters:
    ///   - bytes: the snapshot's JSON text.
    ///   - file: the name to put in parse errors.
    ///   - rules: the rule set.
    ///   - options: the clock, and whether to explain (the trace is then recorded too).
    ///   - source: where the decision is made (`cli`, `service`, ...).
    ///   - shadow: a second rule set to decide the same snapshot with (recorded beside the decision).
    ///   - parser: how to parse (``ApprovalSnapshot/arenaParserOptions`` in a server).
    /// - Throws: ``JSONError`` when the bytes are not a readable snapshot (nothing is decided).
    public static func deciding(
        _ bytes: [UInt8], file: String? = nil, rules: RuleSet, options: EvaluationOptions, source: String,
        shadow: RuleSet? = nil, parser: JSONParser.Options = ApprovalSnapshot.parserOptions
    ) throws(JSONError) -> LedgerEntry {
        let stored = redacted(bytes)
        let snapshot = try ApprovalSnapshot(
            parsing: stored, file: file, projection: shadow == nil ? rules.projection : .all, options: parser)
        return LedgerEntry(
            snapshot: stored, rules: rules, options: options, decision: rules.evaluate(snapshot, options: options),
            source: source, stepRunID: snapshot.stepRunID, taskURL: snapshot.taskURL,
            shadow: shadow.map { Shadow(rules: $0, decision: $0.evaluate(snapshot, options: options)) })
    }

    /// Decides a snapshot that exists only as a value (one fetched from the approvals API, already
    /// redacted): its compact JSON writing is what is stored and what the decision is made from.
    ///
    /// - Throws: ``JSONError`` only if the writing cannot be parsed back (it always can).
    public static func deciding(
        _ snapshot: JSONValue, rules: RuleSet, options: EvaluationOptions, source: String
    ) throws(JSONError) -> LedgerEntry {
        try deciding(JSONWriter.compact.bytes(snapshot), rules: rules, options: options, source: source)
    }

    /// An entry for a decision made elsewhere from exactly `snapshot`'s bytes (already redacted).
    /// Verification re-decides it from those bytes and reports a record whose decision differs.
    public init(
        snapshot: [UInt8], rules: RuleSet, options: EvaluationOptions, decision: Decision, source: String,
        stepRunID: String?, taskURL: String? = nil, shadow: Shadow? = nil
    ) {
        self.snapshot = snapshot
        self.rules = rules
        self.options = options
        self.decision = decision
        self.source = source
        self.stepRunID = stepRunID
        self.taskURL = taskURL
        self.shadow = shadow
    }

    /// `bytes` with the signature-bearing query parameters of any URL in them replaced (the text is
    /// rewritten only inside JSON strings: the scan stops at quotes and backslashes).
    static func redacted(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.withUnsafeBufferPointer({ SecretRedaction.mayNeedRedaction($0) }) else { return bytes }
        let text = String(decoding: bytes, as: UTF8.self)
        let redacted = SecretRedaction.text(text)
        // Invalid UTF-8 would have been replaced by decoding: keep such bytes as they are (the
        // parser rejects them anyway).
        guard redacted != text || Array(text.utf8) == bytes else { return bytes }
        return Array(redacted.utf8)
    }
}
