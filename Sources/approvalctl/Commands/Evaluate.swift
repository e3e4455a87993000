import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl evaluate`: one decision for one task.
struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Decide one task, from a saved snapshot, stdin, or the live approvals API.",
        discussion: """
            Prints the decision on stdout (JSON with --format json, stable key order). Decisions exit 0 unless --fail-on matches (exit 3). With --task, fetches the task from the approvals API (base URL from --base-url or APPROVAL_BASE_URL, key from APPROVAL_API_KEY), asking only for the parts the rules read.

            Examples:
              approvalctl evaluate examples/snapshots/tier2-cfo.json --now 2025-06-01T00:00:00Z --format json
              cat snapshot.json | approvalctl evaluate - --rules rules/default.rules.json --explain
              APPROVAL_API_KEY=... approvalctl evaluate --task 12345 --base-url http://127.0.0.1:8080
            """
    )

    @Argument(help: "A saved snapshot file, or - for stdin (omit with --task).")
    var snapshot: String?

    @Option(help: "Evaluate this live task from the approvals API instead of a file.")
    var task: Int64?

    @Option(help: "The approvals API base URL (default: $APPROVAL_BASE_URL).")
    var baseURL: String?

    @Flag(help: "Log each API request to stderr (the key and URL signatures redacted).")
    var verbose = false

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
        if (snapshot == nil) == (task == nil) { throw ValidationError("give either a snapshot file (or -) or --task ID") }
        _ = try Clock.parse(now)
        if let failOn { _ = try FailOn.parse(failOn) }
    }

    func run() async throws {
        try await exitingAsync {
            let clock = try Clock.parse(now)
            let ruleSet = try Inputs.ruleSet(try Inputs.rulesPath(rules, format: common.format), format: common.format)
            let snapshot: ApprovalSnapshot
            if let task {
                let base = try Live.baseURL(baseURL, format: common.format)
                snapshot = ApprovalSnapshot(
                    try await Live.fetch(
                        taskID: task, baseURL: base, parts: Live.parts(for: ruleSet), keepSignatures: false,
                        verbose: verbose, format: common.format))
            } else {
                snapshot = try Inputs.snapshot(self.snapshot ?? "-", projection: ruleSet.projection, format: common.format)
            }
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
