package import ApprovalRules
package import ArgumentParser

/// Output formats.
package enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json, ndjson

    // What ArgumentParser's defaults for a `CaseIterable & RawRepresentable` value compute, written
    // out: the defaults go through key paths and string interpolation of every case, and
    // ArgumentParser asks for them each time it builds a command's arguments (four times in one
    // `evaluate`), which was 6% of the instructions of a one-shot run.

    /// The values `--format` takes, for help and completion.
    package static var allValueStrings: [String] { allCases.map { $0.rawValue } }

    /// No value needs a description of its own.
    package static var allValueDescriptions: [String: String] { [:] }

    /// The value as help shows a default.
    package var defaultValueDescription: String { rawValue }
}

/// The help of the options that several commands declare (in ``CommonOptions`` and
/// ``DecisionOptions``, and directly in ``Evaluate``), written once.
package enum OptionHelp {
    /// `--format`.
    package static let format: ArgumentHelp = "Output format: text or json (dry-run also takes ndjson)."
    /// `--rules`.
    package static let rules: ArgumentHelp = "The rule file (default: $APPROVAL_RULES or rules/default.rules.json)."
    /// `--now`.
    package static let now: ArgumentHelp = "The clock, ISO 8601 (default: now)."
    /// `--fail-on`.
    package static let failOn: ArgumentHelp =
        "Exit 3 when a decision matches any of: approve, request_changes, hold, reject, escalate, data_problem (comma-separated)."
    /// `--base-url`.
    package static let baseURL: ArgumentHelp = "The approvals API base URL (default: $APPROVAL_BASE_URL)."
}

/// `--jobs`: worker threads, 1 to 256 (`nil`: one per core).
package enum Jobs {
    /// Checks a `--jobs` value.
    package static func validate(_ jobs: Int?) throws {
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be between 1 and 256") }
    }
}

/// Options every command shares.
package struct CommonOptions: ParsableArguments {
    @Option(help: OptionHelp.format)
    package var format: OutputFormat = .text

    /// The defaults (ArgumentParser fills the values in).
    package init() {}
}

/// The options of commands that decide: which rules, which clock, which decisions fail the run.
package struct DecisionOptions: ParsableArguments {
    @Option(help: OptionHelp.rules)
    package var rules: String?

    @Option(help: OptionHelp.now)
    package var now: String?

    @Option(help: OptionHelp.failOn)
    package var failOn: String?

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Checks `--now` and `--fail-on` (a `ValidationError` names the bad one).
    package func validate() throws {
        _ = try Clock.parse(now)
        _ = try FailOn.parse(list: failOn)
    }

    /// The clock to evaluate with.
    package func clock() throws -> Timestamp { try Clock.parse(now) }

    /// What `--fail-on` asks for (empty when not given).
    package func failures() throws -> [FailOn] { try FailOn.parse(list: failOn) }

    /// The compiled rule set from `--rules` or the default.
    package func ruleSet(format: OutputFormat) throws(CommandFailure) -> RuleSet {
        try Inputs.ruleSet(try Inputs.rulesPath(rules, format: format), format: format)
    }
}

/// What `--fail-on` can match.
package enum FailOn: String, CaseIterable, ExpressibleByArgument, Sendable {
    case approve, requestChanges = "request_changes", hold, reject, escalate
    case dataProblem = "data_problem"

    /// Whether `decision` is one `--fail-on` asked about.
    package func matches(_ decision: Decision) -> Bool {
        switch self {
        case .escalate: return !decision.escalations.isEmpty
        case .dataProblem: return !decision.dataProblems.isEmpty
        default: return decision.recommendation.rawValue == rawValue
        }
    }

    /// Parses a `--fail-on` value that may be absent (then nothing fails the run).
    package static func parse(list text: String?) throws -> [FailOn] {
        try text.map(parse) ?? []
    }

    /// Parses `reject,escalate`.
    package static func parse(_ text: String) throws -> [FailOn] {
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
package enum Clock {
    /// The timestamp `--now` gives, or the wall clock when it is not given.
    package static func parse(_ text: String?) throws -> Timestamp {
        guard let text else { return Timestamp(millisecondsSinceEpoch: Console.wallClock()) }
        guard let timestamp = Timestamp(iso8601: text) else {
            throw ValidationError("--now must be an ISO 8601 date or date-time with a zone, e.g. 2025-06-01T00:00:00Z")
        }
        return timestamp
    }
}
