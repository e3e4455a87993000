import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl evaluate`: one decision for one task.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide one task from a saved snapshot (or stdin).",
        discussion: """
            Prints the decision on stdout (JSON with --format json, stable key order). Decisions exit 0
            unless --fail-on matches (exit 3).

            Examples:
              approvalctl evaluate examples/snapshots/tier2-cfo.json --now 2025-06-01T00:00:00Z --format json
              cat snapshot.json | approvalctl evaluate - --rules rules/default.rules.json --explain
            """
    )

    @Argument(help: "A saved snapshot file, or - for stdin.")
    var snapshot: String

    @Option(help: "The rule file (default: $APPROVAL_RULES or rules/default.rules.json).")
    var rules: String?

    @Option(help: "The clock, ISO 8601 (default: now).")
    var now: String?

    @Flag(help: "Add a readable explanation of what each rule tested.")
    var explain = false

    @Option(help: "Exit 3 when the decision matches any of: approve, request_changes, hold, reject, escalate, data_problem (comma-separated).")
    var failOn: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if common.format == .ndjson { throw ValidationError("evaluate takes --format text or json") }
        _ = try Clock.parse(now)
        if let failOn { _ = try FailOn.parse(failOn) }
    }

    func run() throws {
        try exiting {
            let clock = try Clock.parse(now)
            let ruleSet = try Inputs.ruleSet(try Inputs.rulesPath(rules), format: common.format)
            let snapshot = try Inputs.snapshot(self.snapshot, projection: ruleSet.projection, format: common.format)
            let decision = ruleSet.evaluate(snapshot, options: EvaluationOptions(now: clock, explain: explain))
            if common.format == .json {
                Console.outJSON(decision.json)
            } else {
                Console.out(DecisionText.render(decision))
            }
            if let failOn, try FailOn.parse(failOn).contains(where: { $0.matches(decision) }) {
                throw CommandFailure(status: .decisionMatched)
            }
        }
    }
}
