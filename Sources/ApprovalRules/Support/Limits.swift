public import ApprovalJSON

/// The limits that keep hostile or broken input from exhausting time or memory.
///
/// Each limit, when hit, produces an error that names it and where it was hit.
///
/// ```swift
/// var limits = Limits.default
/// limits.evaluationSteps = 10_000
/// let rules = try RuleSet(contentsOf: "rules/default.rules.json", limits: limits)
/// ```
public struct Limits: Sendable, Hashable {
    // The JSON limits start from ApprovalJSON's presets (`JSONParser.Options.ruleFile` and
    // `.data`), so each number is written in one place; `ruleFileParsing` and `snapshotParsing`
    // turn them back into parser options.

    /// The largest rule document, in bytes.
    public var ruleFileBytes = JSONParser.Options.ruleFile.maxBytes
    /// The largest snapshot, in bytes.
    public var snapshotBytes = JSONParser.Options.data.maxBytes
    /// The deepest JSON nesting in a rule document.
    public var ruleFileDepth = JSONParser.Options.ruleFile.maxDepth
    /// The deepest JSON nesting in a snapshot.
    public var snapshotDepth = JSONParser.Options.data.maxDepth
    /// The most rules in one document.
    public var rules = 10_000
    /// The deepest expression (operators inside operators).
    public var expressionDepth = 128
    /// The most expression nodes in one rule's condition.
    public var expressionNodes = 20_000
    /// The longest string a rule document may contain, and the longest an operator may build.
    public var stringLength = 1 << 20
    /// The longest rendered message template.
    public var templateOutputLength = 4_096
    /// Evaluation steps per decision (iterator steps and work proportional to data size).
    public var evaluationSteps = 1_000_000

    /// The defaults.
    public static let `default` = Limits()

    /// How rule documents are parsed under these limits (repeated keys rejected).
    public var ruleFileParsing: JSONParser.Options {
        var options = JSONParser.Options.ruleFile
        options.maxBytes = ruleFileBytes
        options.maxDepth = ruleFileDepth
        return options
    }

    /// How snapshots are parsed under these limits (repeated keys kept and reported).
    public var snapshotParsing: JSONParser.Options {
        var options = JSONParser.Options.data
        options.maxBytes = snapshotBytes
        options.maxDepth = snapshotDepth
        return options
    }

    /// Limits with the defaults.
    public init() {}
}
