import ArgumentParser
import ApprovalRules

/// Output formats.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, ndjson
}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Output format: text or json (dry-run also takes ndjson).")
    var format: OutputFormat = .text
}

/// The options of commands that decide: which rules, which clock, which decisions fail the run.
struct DecisionOptions: ParsableArguments {
    @Option(help: "The rule file (default: $APPROVAL_RULES or rules/default.rules.json).")
    var rules: String?

    @Option(help: "The clock, ISO 8601 (default: now).")
    var now: String?

    @Option(
        help:
            "Exit 3 when a decision matches any of: approve, request_changes, hold, reject, escalate, data_problem (comma-separated)."
    )
    var failOn: String?

    func validate() throws {
        _ = try Clock.parse(now)
        if let failOn { _ = try FailOn.parse(failOn) }
    }

    /// The clock to evaluate with.
    func clock() throws -> Timestamp { try Clock.parse(now) }

    /// What `--fail-on` asks for (empty when not given).
    func failures() throws -> [FailOn] { try failOn.map(FailOn.parse) ?? [] }

    /// The compiled rule set from `--rules` or the default.
    func ruleSet(format: OutputFormat) throws(CommandFailure) -> RuleSet {
        try Inputs.ruleSet(try Inputs.rulesPath(rules, format: format), format: format)
    }
}

/// What `--fail-on` can match.
enum FailOn: String, CaseIterable, ExpressibleByArgument {
    case approve, requestChanges = "request_changes", hold, reject, escalate
    case dataProblem = "data_problem"

    func matches(_ decision: Decision) -> Bool {
        switch self {
        case .escalate: return !decision.escalations.isEmpty
        case .dataProblem: return !decision.dataProblems.isEmpty
        default: return decision.recommendation.rawValue == rawValue
        }
    }

    /// Parses `reject,escalate`.
    static func parse(_ text: String) throws -> [FailOn] {
        try text.split(separator: ",").map { part in
            guard let value = FailOn(rawValue: String(part)) else {
                throw ValidationError(
                    "unknown --fail-on value \"\(part)\"; expected \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }
}

/// `--now` parsing.
enum Clock {
    static func parse(_ text: String?) throws -> Timestamp {
        guard let text else { return Timestamp(millisecondsSinceEpoch: Console.wallClock()) }
        guard let timestamp = Timestamp(iso8601: text) else {
            throw ValidationError("--now must be an ISO 8601 date or date-time with a zone, e.g. 2025-06-01T00:00:00Z")
        }
        return timestamp
    }
}
