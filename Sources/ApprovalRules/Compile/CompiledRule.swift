import ApprovalJSON

/// A compiled rule. A class: evaluations walk the rule list without copying each rule's fields.
final class CompiledRule: Sendable {
    let id: String
    /// `[id]`, made once: what an escalation this rule raises starts its rule list with.
    let idList: [String]
    let description: String?
    let priority: Int64
    let index: Int
    /// Where the rule (or table row) is in the document.
    let path: JSONPointer
    let condition: Node
    let requires: [RequiredFact]
    /// Whether ``requires`` has any fact (read without touching the array).
    let hasRequirements: Bool
    let recommendation: Recommendation?
    let reason: Template?
    let escalations: [EscalationSpec]
    /// Facts the condition reads from the root (not inside iterators): an `approve` that read a
    /// missing one does not count.
    let readFacts: [FactTable.Fact]
    /// ``readFacts`` as dotted paths, in the same order.
    let readFactNames: [String]
    /// The branch points of the condition, when compiled for coverage (``RuleCoverage``).
    let branchPoints: [BranchPoint]

    init(
        id: String, description: String?, priority: Int64, index: Int, path: JSONPointer, condition: Node,
        requires: [RequiredFact], recommendation: Recommendation?, reason: Template?, escalations: [EscalationSpec],
        readFacts: [FactTable.Fact], readFactNames: [String], branchPoints: [BranchPoint] = []
    ) {
        self.id = id
        self.idList = [id]
        self.description = description
        self.priority = priority
        self.index = index
        self.path = path
        self.condition = condition
        self.requires = requires
        self.hasRequirements = !requires.isEmpty
        self.recommendation = recommendation
        self.reason = reason
        self.escalations = escalations
        self.readFacts = readFacts
        self.readFactNames = readFactNames
        self.branchPoints = branchPoints
    }
}

/// An escalation a rule declares. A class, so that a firing rule's escalations are walked without
/// copying their fields.
final class EscalationSpec: Sendable {
    let to: [String]
    let severity: Severity
    let message: Template
    /// `remind_after`.
    let remindAfter: ISODuration?
    /// `escalate_after`.
    let escalateAfter: FollowUpSpec?

    init(
        to: [String], severity: Severity, message: Template, remindAfter: ISODuration? = nil,
        escalateAfter: FollowUpSpec? = nil
    ) {
        self.to = to
        self.severity = severity
        self.message = message
        self.remindAfter = remindAfter
        self.escalateAfter = escalateAfter
    }
}

/// An escalation's `escalate_after`: a further notice to someone else when the task still waits.
struct FollowUpSpec: Sendable {
    let after: ISODuration
    let to: [String]
    let severity: Severity
    /// The message; without one, the further notice says "Still waiting after <after>: " and the
    /// escalation's own message.
    let message: Template?

    /// The further notice, given the escalation's rendered message.
    func render(_ context: inout EvaluationContext, escalationMessage: String, limit: Int) -> Escalation.FollowUp {
        let text = message?.render(&context, limit: limit) ?? "Still waiting after \(after): " + escalationMessage
        return Escalation.FollowUp(after: after, to: to, severity: severity, message: text)
    }
}

/// A fact that must be present and of a type.
struct RequiredFact: Sendable {
    let fact: FactTable.Fact
    let type: FactType
    /// The fact's path, split at dots.
    let path: [String]
    /// The fact's path as written (`variables.contract_value`).
    let dotted: String

    init(fact: FactTable.Fact, type: FactType, path: [String]) {
        self.fact = fact
        self.type = type
        self.path = path
        self.dotted = path.joined(separator: ".")
    }
}
