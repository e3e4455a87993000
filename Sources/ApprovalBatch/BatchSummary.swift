public import ApprovalRules

/// What a batch decided, counted: recommendations, rules fired, escalating tasks, tasks with data
/// problems, unreadable snapshots, and in a comparison the same for the second rule set and the
/// changed decisions by transition. Memory does not grow with the number of snapshots.
///
/// ```swift
/// var summary = BatchSummary(rules: rules)
/// summary.add(.decided(rules.evaluate(snapshot), nil))
/// summary.recommendations[.approve]  // 1
/// ```
public struct BatchSummary: Sendable {
    /// The rule set, and the one compared with.
    public let rules: RuleSet
    /// The rule set compared with, if any.
    public let comparedWith: RuleSet?

    /// Snapshots seen, and of those the ones that could not be read.
    public private(set) var total = 0
    /// Of those, the snapshots that could not be read.
    public private(set) var unreadable = 0
    /// Snapshots decided.
    public var evaluated: Int { total - unreadable }
    /// Decisions by recommendation, and by the second rule set.
    public private(set) var recommendations: [Recommendation: Int] = [:]
    /// Decisions of the second rule set by recommendation.
    public private(set) var recommendationsAfter: [Recommendation: Int] = [:]
    /// How often each rule fired, and with the second rule set.
    public private(set) var rulesFired: [String: Int] = [:]
    /// How often each rule of the second rule set fired.
    public private(set) var rulesFiredAfter: [String: Int] = [:]
    /// Decisions with escalations, with data problems; and with the second rule set.
    public private(set) var escalating = 0
    /// Decisions with data problems.
    public private(set) var withProblems = 0
    /// Decisions of the second rule set with escalations.
    public private(set) var escalatingAfter = 0
    /// Decisions of the second rule set with data problems.
    public private(set) var withProblemsAfter = 0
    /// In a comparison: decisions that changed, and how many by transition (`approve -> hold`).
    public private(set) var changed = 0
    /// Changed decisions by transition (`approve -> hold`).
    public private(set) var transitions: [String: Int] = [:]

    /// An empty summary.
    public init(rules: RuleSet, comparedWith: RuleSet? = nil) {
        self.rules = rules
        self.comparedWith = comparedWith
    }

    /// Counts one outcome.
    ///
    /// - Parameter comparison: in a comparison, the outcome's ``DecisionComparison`` when the
    ///   caller has it already (worked out on the worker that decided, say); made here otherwise.
    public mutating func add(_ outcome: BatchOutcome, comparison: DecisionComparison? = nil) {
        total += 1
        switch outcome {
        case .unreadable:
            unreadable += 1
        case .decided(let decision, nil):
            count(decision, &recommendations, &rulesFired, &escalating, &withProblems)
        case .decided(let old, let new?):
            count(old, &recommendations, &rulesFired, &escalating, &withProblems)
            count(new, &recommendationsAfter, &rulesFiredAfter, &escalatingAfter, &withProblemsAfter)
            let comparison = comparison ?? DecisionComparison(before: old, after: new)
            if comparison.changed {
                changed += 1
                transitions[comparison.transition, default: 0] += 1
            }
        }
    }

    private func count(
        _ decision: Decision, _ recommendations: inout [Recommendation: Int], _ rules: inout [String: Int],
        _ escalating: inout Int, _ withProblems: inout Int
    ) {
        recommendations[decision.recommendation, default: 0] += 1
        for rule in decision.firedRules { rules[rule.id, default: 0] += 1 }
        if !decision.escalations.isEmpty { escalating += 1 }
        if !decision.dataProblems.isEmpty { withProblems += 1 }
    }
}
