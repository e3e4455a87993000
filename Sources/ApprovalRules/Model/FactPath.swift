import ApprovalJSON

/// A fact path (`variables.contract_value`) with the view it reads decided once, when a rule set
/// is compiled, so that evaluation follows it without comparing names. A class: compiled nodes
/// pass paths around, and a copy is then one reference.
final class FactPath: Sendable, Hashable {
    /// Where the path starts: one of the snapshot's views, or the document itself.
    enum Head: Sendable, Hashable {
        /// `""`: the whole data.
        case whole
        /// `now`: the evaluation's clock.
        case now
        /// `variables` (all of them), `variables.<id>`.
        case variables, variable(VariableID)
        /// `variable_types` (all), `variable_types.<id>`.
        case variableTypes, variableType(VariableID)
        /// `files_by_variable` (all), `files_by_variable.<id>`.
        case filesByVariable, files(VariableID)
        /// `approvers`, `approvers.active`, `approvers.next`, `approvers.all`.
        case approvers, activeApprovers, nextApprovers, allApprovers
        /// `owner`.
        case owner
        /// `task_id`.
        case taskID
        /// Anything else: a path into the document.
        case document
    }

    /// The path as written, split at dots.
    let steps: [String]
    let head: Head
    /// What follows the view (`["amount"]` in `variables.contract_value.amount`).
    let rest: ArraySlice<String>
    /// Where a snapshot keeps the value, when it keeps it (a variable's value, an approver list,
    /// the owner, the task id: ``ApprovalSnapshot/lookup(_:)`` finds those without following names). Plain data,
    /// so a lookup reads it without reference counting.
    let stored: Stored?
    /// The variable id, for ``Stored/variable(hash:)``.
    let variableText: String

    /// A value a snapshot keeps in its storage.
    enum Stored: Sendable {
        /// `variables.<id>`, found by the id's hash (and then its text).
        case variable(hash: UInt64)
        case view(StoredView)
    }

    init(_ steps: [String]) {
        self.steps = steps
        let head: Head
        var used = 1
        switch steps.first {
        case nil:
            head = .whole
            used = 0
        case "now"? where steps.count == 1: head = .now
        case "variables"?:
            if steps.count > 1 { head = .variable(VariableID(steps[1])); used = 2 } else { head = .variables }
        case "variable_types"?:
            if steps.count > 1 { head = .variableType(VariableID(steps[1])); used = 2 } else { head = .variableTypes }
        case "files_by_variable"?:
            if steps.count > 1 { head = .files(VariableID(steps[1])); used = 2 } else { head = .filesByVariable }
        case "approvers"?:
            used = 2
            switch steps.count > 1 ? steps[1] : nil {
            case "active"?: head = .activeApprovers
            case "next"?: head = .nextApprovers
            case "all"?: head = .allApprovers
            default:
                head = .approvers
                used = 1
            }
        case "owner"?: head = .owner
        case "task_id"? where steps.count == 1:
            head = .taskID
            used = 1
        default:
            head = .document
            used = 0
        }
        self.head = head
        self.rest = steps[used...]
        var variableText = ""
        var stored: Stored?
        if used == steps.count {
            switch head {
            case .variable(let id):
                stored = .variable(hash: id.hash)
                variableText = id.text
            case .activeApprovers: stored = .view(.activeApprovers)
            case .nextApprovers: stored = .view(.nextApprovers)
            case .allApprovers: stored = .view(.allApprovers)
            case .owner: stored = .view(.owner)
            case .taskID: stored = .view(.taskID)
            default: break
            }
        }
        self.stored = stored
        self.variableText = variableText
    }

    static func == (lhs: FactPath, rhs: FactPath) -> Bool { lhs === rhs || lhs.steps == rhs.steps }
    func hash(into hasher: inout Hasher) { hasher.combine(steps) }

    /// `owner` and `approvers.active`, for the operators that read them directly.
    static let owner = FactPath(["owner"])
    static let activeApprovers = FactPath(["approvers", "active"])

    /// The path as written (`variables.contract_value`).
    var dotted: String { steps.joined(separator: ".") }

    /// Splits a dotted path; `nil` when empty or with an empty segment.
    static func parse(_ text: String) -> [String]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else { return nil }
        return parts
    }
}

/// The views a snapshot keeps in its storage, beside the variables.
enum StoredView: Int, Sendable, CaseIterable {
    case activeApprovers, nextApprovers, allApprovers, owner, taskID
}
