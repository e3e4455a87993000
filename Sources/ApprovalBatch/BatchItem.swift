public import ApprovalJSON
public import ApprovalRules

/// One snapshot of a batch: where it comes from and, for streams and in-memory sources, its bytes.
///
/// ```swift
/// let item = BatchItem(file: "decisions.ndjson", line: 12, offset: 40_960, bytes: lineBytes)
/// item.name  // "decisions.ndjson:12"
/// ```
public struct BatchItem: Sendable {
    /// The file path, or the stream's name (`<stdin>` for standard input).
    public let file: String
    /// For a stream: the line number, and the byte offset where the line starts in the stream.
    public let line: Int?
    /// The byte offset where the line starts in the stream (0 for files).
    public let offset: Int
    /// The bytes, when the source holds them (stream lines, in-memory snapshots); a file's are read
    /// by the worker that evaluates it.
    public let bytes: [UInt8]?
    /// How the snapshot was decided when it was recorded (a decision ledger's history): that rule
    /// set and those options decide it instead of the evaluator's own; `nil` for a plain snapshot.
    public let recorded: Recorded?
    /// The file as its source saw it when it listed it (a folder's files), for a
    /// ``SnapshotBlockCache``: found again unchanged, its block is used instead of its bytes.
    public let identity: FileIdentity?

    /// The rule set and options a recorded snapshot was decided with.
    ///
    /// ```swift
    /// let recorded = BatchItem.Recorded(rules: rulesInForce, options: EvaluationOptions(now: decidedAt))
    /// ```
    public struct Recorded: Sendable {
        /// The rule set in force when the snapshot was decided.
        public let rules: RuleSet
        /// The clock (and whether the decision was explained) of that decision.
        public let options: EvaluationOptions
        /// A second rule set the snapshot was decided with at the same time (a decision service's
        /// shadow rules): it decides the snapshot as a comparison's second rule set would.
        public let shadow: RuleSet?

        /// A recorded context.
        public init(rules: RuleSet, options: EvaluationOptions, shadow: RuleSet? = nil) {
            self.rules = rules
            self.options = options
            self.shadow = shadow
        }
    }

    /// An item.
    public init(
        file: String, line: Int? = nil, offset: Int = 0, bytes: [UInt8]? = nil, recorded: Recorded? = nil,
        identity: FileIdentity? = nil
    ) {
        self.file = file
        self.line = line
        self.offset = offset
        self.bytes = bytes
        self.recorded = recorded
        self.identity = identity
    }

    /// How reports name it: the path, or `STREAM:LINE`.
    public var name: String { line.map { "\(file):\($0)" } ?? file }

    /// A parse error's location moved from the line's own coordinates to the stream's.
    public func locate(_ error: JSONError) -> JSONError {
        guard let line, var location = error.location else { return error }
        var moved = error
        location.file = file
        location.line = line + location.line - 1
        location.byteOffset = offset + location.byteOffset
        moved.location = location
        return moved
    }
}

/// What became of one snapshot of a batch: decided (by one rule set, or by both of a comparison),
/// or unreadable.
public enum BatchOutcome: Sendable {
    /// The decision of the rule set and, in a comparison, that of the second one.
    case decided(Decision, Decision?)
    /// The snapshot could not be read (the error names the file, line and column).
    case unreadable(JSONError)
}
