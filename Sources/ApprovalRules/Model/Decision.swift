public import ApprovalJSON

/// The outcome of evaluating a rule set against one snapshot, with the reasons for it.
///
/// Its ``json`` form is stable (fixed key order, no timestamps), so scripts and diffs can rely
/// on it.
///
/// ```swift
/// let decision = ruleSet.evaluate(snapshot, options: EvaluationOptions(now: now))
/// decision.recommendation           // .hold
/// decision.firedRules.map(\.id)     // ["tier-2-cfo"]
/// decision.escalations.first?.message // "Contract value 300000 exceeds 250,000"
/// ```
public struct Decision: Sendable, Hashable {
    /// The task's id (`null` when the snapshot has none).
    public var taskID: JSONValue
    /// The rule set's name.
    public var ruleSetName: String
    /// The rule set's content hash (`sha256:…`).
    public var ruleSetHash: String
    /// The final recommendation.
    public var recommendation: Recommendation
    /// Every rule that fired, in evaluation order.
    public var firedRules: [FiredRule]
    /// Escalations, deduplicated, with rendered messages.
    public var escalations: [Escalation]
    /// Problems with the data that made the decision fall back to the safe recommendation.
    public var dataProblems: [DataProblem]
    /// Things worth a look that did not change the decision.
    public var warnings: [String]
    /// For each rule, what was tested and what came out (only when asked for).
    public var trace: [RuleTrace]?
}

/// A rule that fired.
public struct FiredRule: Sendable, Hashable {
    /// The rule's id.
    public var id: String
    /// What it recommends (`nil` when it only escalates).
    public var recommendation: Recommendation?
    /// Its reason, rendered.
    public var reason: String?
}

/// Someone to notify, how urgently, and why; and, when the rule document asks, when to remind them
/// and whom to tell next if the task still waits.
///
/// The engine only states the timings: the notice delivery (`approvalctl notices`) sends the
/// reminders and the further notice, timed from when the decision ledger first recorded the
/// escalation for the task's step run.
///
/// ```swift
/// let escalation = decision.escalations[0]
/// escalation.to                          // ["cfo@example.com"]
/// escalation.remindAfter?.description    // "PT48H"
/// escalation.escalateAfter?.to           // ["ceo@example.com"]
/// escalation.escalateAfter?.after.milliseconds  // 259_200_000 (72 hours)
/// ```
public struct Escalation: Sendable, Hashable {
    /// Addresses to notify.
    public var to: [String]
    /// How urgent.
    public var severity: Severity
    /// The rendered message.
    public var message: String
    /// The rules that asked for it.
    public var ruleIDs: [String]
    /// Send a reminder to the same recipients when the task still waits at the same step run this
    /// long after the first notice.
    public var remindAfter: ISODuration? = nil
    /// A further notice to someone else when the task still waits this long.
    public var escalateAfter: FollowUp? = nil

    /// A further notice to someone else, sent once when the task still waits at the same step run
    /// ``after`` (or more) after the escalation was first recorded.
    ///
    /// ```swift
    /// let followUp = Escalation.FollowUp(
    ///     after: ISODuration("PT72H")!, to: ["ceo@example.com"], severity: .critical,
    ///     message: "Still waiting after PT72H: Contract value 300000 needs the CFO")
    /// ```
    public struct FollowUp: Sendable, Hashable {
        /// How long after the first notice.
        public var after: ISODuration
        /// Addresses to notify.
        public var to: [String]
        /// How urgent (`high` unless the rule document says otherwise).
        public var severity: Severity
        /// The rendered message.
        public var message: String

        /// A further notice.
        ///
        /// - Parameters:
        ///   - after: how long after the first notice.
        ///   - to: addresses to notify.
        ///   - severity: how urgent.
        ///   - message: the rendered message.
        public init(after: ISODuration, to: [String], severity: Severity, message: String) {
            self.after = after
            self.to = to
            self.severity = severity
            self.message = message
        }
    }
}

/// Something wrong or missing in the snapshot, and where.
public struct DataProblem: Sendable, Hashable {
    /// A stable identifier for the kind of problem, printed as snake_case (`missing_fact`); new
    /// kinds may be added, so switch over it with a `default`.
    ///
    /// ```swift
    /// decision.dataProblems.contains { $0.code == .ambiguousData }
    /// DataProblem.Code.missingFact.description  // "missing_fact"
    /// ```
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case missingFact = "missing_fact"
            case wrongType = "wrong_type"
            case malformedSnapshot = "malformed_snapshot"
            case unknownVariableType = "unknown_variable_type"
            case conditionError = "condition_error"
            case incompleteData = "incomplete_data"
            case ambiguousData = "ambiguous_data"
            case ambiguousFact = "ambiguous_fact"
            case conflictingFact = "conflicting_fact"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A required fact is absent or `null`, or an `approve` rule read a missing fact.
        public static let missingFact = Code(.missingFact)
        /// A fact or a variable's value is not of its type.
        public static let wrongType = Code(.wrongType)
        /// The snapshot does not have the documented shape where the rules read it.
        public static let malformedSnapshot = Code(.malformedSnapshot)
        /// A variable has a `variable_type` the approvals API does not define.
        public static let unknownVariableType = Code(.unknownVariableType)
        /// A rule's condition raised an error.
        public static let conditionError = Code(.conditionError)
        /// A rule needed data the snapshot does not fully have.
        public static let incompleteData = Code(.incompleteData)
        /// A key is repeated in one object of the snapshot.
        public static let ambiguousData = Code(.ambiguousData)
        /// A variable is listed twice in one listing with different values.
        public static let ambiguousFact = Code(.ambiguousFact)
        /// Two facts of the snapshot contradict each other.
        public static let conflictingFact = Code(.conflictingFact)

        /// The snake_case identifier, e.g. `missing_fact`.
        public var description: String { kind.rawValue }
    }

    /// What kind of problem (see rules/README.md, "Data problems").
    public var code: Code
    /// What is wrong, readably.
    public var message: String
    /// Where: a JSON Pointer into the snapshot, or the fact's path.
    public var path: String?
    /// The rule concerned, when one.
    public var ruleID: String?
}

/// What one rule's condition tested.
public struct RuleTrace: Sendable, Hashable {
    /// The rule's id.
    public var ruleID: String
    /// Whether it fired.
    public var fired: Bool
    /// Why it did not count, when it failed (an error or missing required facts).
    public var failure: String?
    /// The tests made, in order.
    public var events: [TraceEvent]
    /// The outcomes of the rule's branch points, when its rule set was compiled for coverage
    /// (``RuleCoverage``); not part of the JSON.
    package var branches: [BranchOutcome] = []
}

// MARK: - JSON

extension Decision {
    /// The decision as JSON, keys in a fixed order.
    public var json: JSONValue {
        var object = JSONObject()
        object["task_id"] = taskID
        object["rule_set"] = ["name": .string(ruleSetName), "hash": .string(ruleSetHash)]
        object["recommendation"] = .string(recommendation.rawValue)
        object["fired_rules"] = .array(firedRules.map(\.json))
        object["escalations"] = .array(escalations.map(\.json))
        object["data_problems"] = .array(dataProblems.map(\.json))
        object["warnings"] = .array(warnings.map(JSONValue.string))
        if let trace { object["trace"] = .array(trace.map(\.json)) }
        return .object(object)
    }
}

extension Decision {
    /// Appends the bytes `JSONWriter.compact.bytes(json)` would give, written straight from the
    /// decision: no ``JSONValue`` tree is built, so a dry run's NDJSON line or a ledger record
    /// costs a few copies instead of an allocation per member. A decision with a ``trace`` goes
    /// through ``json`` (the trace holds arbitrary values). Each part's writer sits next to its
    /// `json`, in the same key order; a test compares the two on every example and generated
    /// snapshot.
    package func writeJSON(into output: inout [UInt8]) {
        if trace != nil { return JSONWriter.compact.write(json, into: &output) }
        output.append(contentsOf: #"{"task_id":"#.utf8)
        JSONWriter.compact.write(taskID, into: &output)
        output.append(contentsOf: #","rule_set":{"name":"#.utf8)
        JSONWriter.writeString(ruleSetName, into: &output)
        output.append(contentsOf: #","hash":"#.utf8)
        JSONWriter.writeString(ruleSetHash, into: &output)
        output.append(contentsOf: #"},"recommendation":"#.utf8)
        JSONWriter.writeString(recommendation.rawValue, into: &output)
        output.append(contentsOf: #","fired_rules":"#.utf8)
        JSONWriter.writeArray(firedRules, into: &output) { $0.writeJSON(into: &$1) }
        output.append(contentsOf: #","escalations":"#.utf8)
        JSONWriter.writeArray(escalations, into: &output) { $0.writeJSON(into: &$1) }
        output.append(contentsOf: #","data_problems":"#.utf8)
        JSONWriter.writeArray(dataProblems, into: &output) { $0.writeJSON(into: &$1) }
        output.append(contentsOf: #","warnings":"#.utf8)
        JSONWriter.writeStrings(warnings, into: &output)
        output.append(UInt8(ascii: "}"))
    }

    /// `JSONWriter.compact.bytes(json)`, through ``writeJSON(into:)``.
    package var compactJSON: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        writeJSON(into: &output)
        return output
    }
}

extension FiredRule {
    var json: JSONValue {
        [
            "id": .string(id), "recommendation": recommendation.map { .string($0.rawValue) } ?? .null,
            "reason": reason.map(JSONValue.string) ?? .null,
        ]
    }
}

extension FiredRule {
    /// ``json``, compact, appended to `output` (see ``Decision/writeJSON(into:)``).
    func writeJSON(into output: inout [UInt8]) {
        output.append(contentsOf: #"{"id":"#.utf8)
        JSONWriter.writeString(id, into: &output)
        output.append(contentsOf: #","recommendation":"#.utf8)
        JSONWriter.writeOptionalString(recommendation?.rawValue, into: &output)
        output.append(contentsOf: #","reason":"#.utf8)
        JSONWriter.writeOptionalString(reason, into: &output)
        output.append(UInt8(ascii: "}"))
    }
}

extension Escalation {
    /// The escalation as it appears in ``Decision/json``'s `escalations`: `to`, `severity`,
    /// `message`, `rules`, then `remind_after` and `escalate_after` only when present.
    public var json: JSONValue {
        var object: JSONObject = [
            "to": .array(to.map(JSONValue.string)), "severity": .string(severity.rawValue),
            "message": .string(message), "rules": .array(ruleIDs.map(JSONValue.string)),
        ]
        if let remindAfter { object["remind_after"] = .string(remindAfter.description) }
        if let escalateAfter { object["escalate_after"] = escalateAfter.json }
        return .object(object)
    }
}

extension Escalation {
    /// ``json``, compact, appended to `output` (see ``Decision/writeJSON(into:)``).
    package func writeJSON(into output: inout [UInt8]) {
        output.append(contentsOf: #"{"to":"#.utf8)
        JSONWriter.writeStrings(to, into: &output)
        output.append(contentsOf: #","severity":"#.utf8)
        JSONWriter.writeString(severity.rawValue, into: &output)
        output.append(contentsOf: #","message":"#.utf8)
        JSONWriter.writeString(message, into: &output)
        output.append(contentsOf: #","rules":"#.utf8)
        JSONWriter.writeStrings(ruleIDs, into: &output)
        if let remindAfter {
            output.append(contentsOf: #","remind_after":"#.utf8)
            JSONWriter.writeString(remindAfter.description, into: &output)
        }
        if let escalateAfter {
            output.append(contentsOf: #","escalate_after":"#.utf8)
            escalateAfter.writeJSON(into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}

extension Escalation.FollowUp {
    /// ``json``, compact, appended to `output`.
    func writeJSON(into output: inout [UInt8]) {
        output.append(contentsOf: #"{"after":"#.utf8)
        JSONWriter.writeString(after.description, into: &output)
        output.append(contentsOf: #","to":"#.utf8)
        JSONWriter.writeStrings(to, into: &output)
        output.append(contentsOf: #","severity":"#.utf8)
        JSONWriter.writeString(severity.rawValue, into: &output)
        output.append(contentsOf: #","message":"#.utf8)
        JSONWriter.writeString(message, into: &output)
        output.append(UInt8(ascii: "}"))
    }
}

extension Escalation.FollowUp {
    /// The further notice as it appears in an escalation's `escalate_after`.
    var json: JSONValue {
        [
            "after": .string(after.description), "to": .array(to.map(JSONValue.string)),
            "severity": .string(severity.rawValue), "message": .string(message),
        ]
    }
}

extension DataProblem {
    /// The problem as it appears in ``Decision/json``'s `data_problems`.
    public var json: JSONValue {
        [
            "code": .string(code.description), "message": .string(message), "path": path.map(JSONValue.string) ?? .null,
            "rule_id": ruleID.map(JSONValue.string) ?? .null,
        ]
    }
}

extension DataProblem {
    /// ``json``, compact, appended to `output` (see ``Decision/writeJSON(into:)``).
    package func writeJSON(into output: inout [UInt8]) {
        output.append(contentsOf: #"{"code":"#.utf8)
        JSONWriter.writeString(code.description, into: &output)
        output.append(contentsOf: #","message":"#.utf8)
        JSONWriter.writeString(message, into: &output)
        output.append(contentsOf: #","path":"#.utf8)
        JSONWriter.writeOptionalString(path, into: &output)
        output.append(contentsOf: #","rule_id":"#.utf8)
        JSONWriter.writeOptionalString(ruleID, into: &output)
        output.append(UInt8(ascii: "}"))
    }
}

extension RuleTrace {
    var json: JSONValue {
        var object = JSONObject()
        object["rule_id"] = .string(ruleID)
        object["fired"] = .bool(fired)
        if let failure { object["failure"] = .string(failure) }
        object["steps"] = .array(
            events.map { ["path": .string($0.path.description), "text": .string($0.text), "result": $0.result] })
        return .object(object)
    }
}
