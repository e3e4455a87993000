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

    @OptionGroup var decision: DecisionOptions

    @Flag(help: "Add a readable explanation of what each rule tested.")
    var explain = false


    @OptionGroup var common: CommonOptions

    func validate() throws {
        if common.format == .ndjson { throw ValidationError("evaluate takes --format text or json") }
        if (snapshot == nil) == (task == nil) { throw ValidationError("give either a snapshot file (or -) or --task ID") }
    }

    func run() async throws {
        try await exitingAsync {
            let clock = try decision.clock()
            let ruleSet = try decision.ruleSet(format: common.format)
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
            let result = ruleSet.evaluate(snapshot, options: EvaluationOptions(now: clock, explain: explain))
            if common.format == .json {
                Console.outJSON(result.json)
            } else {
                Console.out(DecisionText.render(result))
            }
            if try decision.failures().contains(where: { $0.matches(result) }) {
                throw CommandFailure(status: .decisionMatched)
            }
        }
    }
}
