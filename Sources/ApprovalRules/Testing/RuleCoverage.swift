public import ApprovalJSON

/// What a set of evaluations exercised of a rule set: for each rule and table row, how many cases
/// made it fire and how many did not; for each `and`/`or` operand and each `if` condition, whether
/// it was seen both truthy and falsy.
///
/// Coverage evaluates with a copy of the rules compiled for it (conditions record their branch
/// outcomes), so measuring costs nothing when nobody measures; the decisions are those of the
/// rule set itself (the tests check it on every example).
///
/// ```swift
/// var coverage = try RuleCoverage(ruleSet, file: "rules/default.rules.json")
/// for snapshot in snapshots { _ = coverage.evaluate(snapshot, options: options) }
/// print(coverage.ruleCoverage, coverage.uncovered.map(\.description))
/// ```
public struct RuleCoverage: Sendable {
    /// A rule (or table row) and how often it fired.
    public struct RuleItem: Sendable, Hashable {
        /// The rule id (`tier-2-cfo`, `doa/row-3`).
        public var id: String
        /// Where it is in the document.
        public var path: JSONPointer
        /// File, line and column, when the document's text is known.
        public var location: SourceLocation?
        /// Cases that made it fire.
        public var fired = 0
        /// Cases that did not (it was skipped, failed, or its condition was false).
        public var notFired = 0
    }

    /// An `and`/`or` operand or an `if` condition and the outcomes seen.
    public struct BranchItem: Sendable, Hashable {
        /// The rule it is in.
        public var ruleID: String
        /// Where it is in the document.
        public var path: JSONPointer
        /// File, line and column, when the document's text is known.
        public var location: SourceLocation?
        /// `and operand`, `or operand` or `if condition`.
        public var kind: String
        /// Times it was evaluated truthy.
        public var truthy = 0
        /// Times it was evaluated falsy.
        public var falsy = 0

        /// Whether both outcomes were seen.
        public var isCovered: Bool { truthy > 0 && falsy > 0 }
    }

    /// The rules and table rows, in document order.
    public private(set) var rules: [RuleItem]
    /// The branch points, in document order.
    public private(set) var branches: [BranchItem]
    /// How many cases were evaluated.
    public private(set) var cases = 0

    private let instrumented: RuleSet
    private let ruleIndex: [String: Int]
    private let branchIndex: [JSONPointer: Int]

    /// Starts measuring `ruleSet`; `file` (the document's path) gives findings a line and column.
    public init(_ ruleSet: RuleSet, file: String? = nil) throws {
        instrumented = try RuleSet(
            instrumenting: ruleSet.documentBytes, file: file, limits: ruleSet.compiled.limits)
        let locator = SourceLocator(bytes: ruleSet.documentBytes, file: file)
        let compiled = instrumented.compiled.rules.sorted { $0.index < $1.index }  // document order
        rules = compiled.map { RuleItem(id: $0.id, path: $0.path, location: locator.location(of: $0.path)) }
        branches = compiled.flatMap { rule in
            // Compiled inner operators first; listed in the order they are written.
            rule.branchPoints.map {
                BranchItem(
                    ruleID: rule.id, path: $0.path, location: locator.location(of: $0.path), kind: $0.kind.rawValue)
            }.sorted { ($0.location?.byteOffset ?? 0) < ($1.location?.byteOffset ?? 0) }
        }
        ruleIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        branchIndex = Dictionary(branches.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Evaluates `snapshot` as ``RuleSet/evaluate(_:options:)`` does, and records what the
    /// evaluation exercised.
    public mutating func evaluate(_ snapshot: ApprovalSnapshot, options: EvaluationOptions = EvaluationOptions())
        -> Decision
    {
        var traced = options
        traced.explain = true
        var decision = instrumented.evaluate(snapshot, options: traced)
        record(decision)
        if !options.explain { decision.trace = nil }
        return decision
    }

    /// The rule set to evaluate with when the evaluations happen elsewhere (a batch over many
    /// threads): its decisions are those of the measured rule set. Evaluate with `explain: true`,
    /// pass each decision to ``record(_:)``, and drop the traces before showing the decisions.
    public var ruleSet: RuleSet { instrumented }

    /// Records what a decision of ``ruleSet`` (evaluated with `explain: true`) exercised.
    public mutating func record(_ decision: Decision) {
        cases += 1
        var fired = Array(repeating: false, count: rules.count)
        for rule in decision.firedRules {
            if let index = ruleIndex[rule.id] { fired[index] = true }
        }
        for index in rules.indices {
            if fired[index] { rules[index].fired += 1 } else { rules[index].notFired += 1 }
        }
        for trace in decision.trace ?? [] {
            for outcome in trace.branches {
                guard let index = branchIndex[outcome.path] else { continue }
                if outcome.outcome { branches[index].truthy += 1 } else { branches[index].falsy += 1 }
            }
        }
    }

    /// How many rules (and table rows) fired at least once.
    public var coveredRules: Int { rules.count { $0.fired > 0 } }

    /// How many branch points were seen both truthy and falsy.
    public var coveredBranches: Int { branches.count(where: \.isCovered) }

    /// The share of rules (and table rows) that fired at least once, in percent (100 with none).
    public var ruleCoverage: Double { Self.percent(coveredRules, of: rules.count) }

    /// The share of branch points seen both truthy and falsy, in percent (100 with none).
    public var branchCoverage: Double { Self.percent(coveredBranches, of: branches.count) }

    private static func percent(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 100 : Double(part) * 100 / Double(whole)
    }

    /// What is not covered, in document order: rules that never fired, branch points missing an
    /// outcome.
    public var uncovered: [String] {
        var lines: [(Int, String)] = []
        for rule in rules where rule.fired == 0 {
            lines.append(
                (rule.location?.byteOffset ?? 0, "\(Self.place(rule.location, rule.path)): rule \(rule.id) never fired")
            )
        }
        for branch in branches where !branch.isCovered {
            let missing =
                branch.truthy == 0 && branch.falsy == 0
                ? "never evaluated" : branch.truthy == 0 ? "never true" : "never false"
            lines.append(
                (
                    branch.location?.byteOffset ?? 0,
                    "\(Self.place(branch.location, branch.path)): \(branch.kind) in rule \(branch.ruleID) \(missing)"
                ))
        }
        return lines.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private static func place(_ location: SourceLocation?, _ path: JSONPointer) -> String {
        guard let location else { return path.description }
        return "\(location) (at \(path))"
    }

    /// The coverage as JSON: totals, then every rule and branch point with its counts.
    public var json: JSONValue {
        func addPlace(_ location: SourceLocation?, _ path: JSONPointer, into object: inout JSONObject) {
            object["path"] = .string(path.description)
            object["file"] = location?.file.map(JSONValue.string) ?? .null
            object["line"] = location.map { .integer(Int64($0.line)) } ?? .null
            object["column"] = location.map { .integer(Int64($0.column)) } ?? .null
        }
        var object = JSONObject()
        object["rule_set"] = .string(instrumented.name)
        object["cases"] = .integer(Int64(cases))
        object["rules"] = [
            "covered": .integer(Int64(coveredRules)), "total": .integer(Int64(rules.count)),
            "percent": .double(ruleCoverage),
            "items": .array(
                rules.map { rule in
                    var item: JSONObject = [
                        "id": .string(rule.id), "fired": .integer(Int64(rule.fired)),
                        "not_fired": .integer(Int64(rule.notFired)),
                    ]
                    addPlace(rule.location, rule.path, into: &item)
                    return .object(item)
                }),
        ]
        object["branches"] = [
            "covered": .integer(Int64(coveredBranches)), "total": .integer(Int64(branches.count)),
            "percent": .double(branchCoverage),
            "items": .array(
                branches.map { branch in
                    var item: JSONObject = [
                        "rule_id": .string(branch.ruleID), "kind": .string(branch.kind),
                        "true": .integer(Int64(branch.truthy)), "false": .integer(Int64(branch.falsy)),
                    ]
                    addPlace(branch.location, branch.path, into: &item)
                    return .object(item)
                }),
        ]
        return .object(object)
    }
}

/// A place in a condition whose outcomes coverage tracks: an `and`/`or` operand or an `if`
/// condition.
package struct BranchPoint: Sendable, Hashable {
    package enum Kind: String, Sendable {
        case and = "and operand"
        case or = "or operand"
        case condition = "if condition"

        /// The kind of branch points the operator `name` has, if any.
        init?(operator name: String) {
            switch name {
            case "and": self = .and
            case "or": self = .or
            case "if", "?:": self = .condition
            default: return nil
            }
        }

        /// Whether argument `index` of `count` is a branch point: every operand of `and`/`or`;
        /// the conditions of `if` (`[c1, v1, c2, v2, ..., else]`).
        func isBranch(_ index: Int, of count: Int) -> Bool {
            self != .condition || (index % 2 == 0 && index + 1 < count)
        }
    }

    package var path: JSONPointer
    package var kind: Kind

    /// `node`, recording its truthiness in the trace each time it is evaluated.
    static func recording(_ node: Node) -> Node {
        let path = node.path
        return Node(
            path: path,
            run: { context throws(LogicError) in
                let value = try node.run(&context)
                if context.trace != nil {
                    context.trace?.branches.append(BranchOutcome(path: path, outcome: Coercion.truthy(value)))
                }
                return value
            },
            test: { context throws(LogicError) in
                let outcome = try node.test(&context)
                if context.trace != nil { context.trace?.branches.append(BranchOutcome(path: path, outcome: outcome)) }
                return outcome
            })
    }
}

/// One evaluation of a ``BranchPoint``.
package struct BranchOutcome: Sendable, Hashable {
    package var path: JSONPointer
    package var outcome: Bool
}
