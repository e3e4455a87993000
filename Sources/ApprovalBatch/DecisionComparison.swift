public import ApprovalRules

/// How the decision of one snapshot changes from one rule set to another: what a rule author
/// looks at before a change goes live.
///
/// ```swift
/// let change = DecisionComparison(before: current.evaluate(snapshot), after: candidate.evaluate(snapshot))
/// if change.changed { print(change.transition, change.startedFiring, change.stoppedFiring) }
/// ```
public struct DecisionComparison: Sendable {
    /// The decisions.
    public let before: Decision
    /// The decision of the second rule set.
    public let after: Decision
    /// The rules that fire with the second rule set but not the first, sorted.
    public let startedFiring: [String]
    /// The rules that fired with the first rule set but not the second, sorted.
    public let stoppedFiring: [String]
    /// Whether the recommendation, the set of fired rules or the escalations differ.
    public let changed: Bool

    /// The comparison of two decisions of the same snapshot.
    public init(before: Decision, after: Decision) {
        self.before = before
        self.after = after
        let old = Set(before.firedRules.map(\.id))
        let new = Set(after.firedRules.map(\.id))
        startedFiring = new.subtracting(old).sorted()
        stoppedFiring = old.subtracting(new).sorted()
        changed = before.recommendation != after.recommendation || old != new || before.escalations != after.escalations
    }

    /// `before -> after` recommendations (`approve -> hold`).
    public var transition: String { "\(before.recommendation.rawValue) -> \(after.recommendation.rawValue)" }
}
