import ApprovalBatch
import ApprovalBlockCache
import ApprovalCLI
import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl dry-run`: evaluate many saved snapshots, optionally against a second rule set.
struct DryRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dry-run",
        abstract: "Evaluate a folder of saved snapshots (or an NDJSON stream) and summarise the decisions.",
        discussion: """
            Snapshots are read recursively in name order (each folder's entries sorted by name); an NDJSON stream (-, *.ndjson, *.jsonl) is read line by line. Snapshots that cannot be read are reported with file, line and column, counted, and the run goes on; the command then exits 65. Output is identical whatever --jobs is. Each snapshot's parsed form is kept in a cache folder, so a second run over unchanged snapshots does not parse them again: a file is found again by its path, size, times and inode (it is parsed again as soon as one changes, or when it changed less than a second before the run), an NDJSON line by the SHA-256 of its bytes. --verify-cache parses every snapshot to check the cache; deleting the folder is always safe. With --compare, both rule sets run over the same snapshots and every changed decision is listed with the rules that started or stopped firing. With --coverage, the report ends with what the snapshots exercised of --rules (as `approvalctl test --coverage` reports it).

            Examples:
              approvalctl dry-run examples/snapshots
              approvalctl dry-run archive/ --rules rules/default.rules.json --compare rules/candidate.rules.json
              approvalctl dry-run decisions.ndjson --format ndjson --jobs 2
              approvalctl dry-run archive/ --coverage --min-coverage 90
            """
    )

    @Argument(help: "A folder of *.json snapshots, one snapshot file, or an NDJSON stream (- for stdin).")
    var source: String

    @OptionGroup var decision: DecisionOptions

    @Option(help: "A second rule file: show which decisions change from --rules to this one.")
    var compare: String?

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int?

    @Flag(help: "Read the source as NDJSON even without a .ndjson name.")
    var ndjson = false

    @Flag(inversion: .prefixedNo, help: "Show a progress bar on stderr (default: when stderr is a terminal).")
    var progress: Bool?

    @OptionGroup var cache: BlockCacheOptions

    @OptionGroup var coverage: CoverageOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try Jobs.validate(jobs)
        try coverage.validate()
    }

    func run() throws {
        try exiting {
            let clock = try decision.clock()
            let before = try decision.ruleSet(format: common.format)
            let after = try compare.map { path throws(CommandFailure) in try Inputs.ruleSet(path, format: common.format)
            }
            let failOn = try decision.failures()
            var source: any SnapshotSource
            do throws(SnapshotSourceError) {
                if ndjson || self.source == "-" || self.source.hasSuffix(".ndjson") || self.source.hasSuffix(".jsonl") {
                    source = try NDJSONSnapshotSource(path: self.source)
                } else {
                    source = try FileSnapshotSource(self.source)
                }
            } catch {
                throw Console.fail(error.message, code: error.code, status: .missingInput, format: common.format)
            }
            let workers = jobs ?? Console.cores
            var rules = before
            var options = EvaluationOptions(now: clock)
            var report = DryRunReport(before: before, after: after, source: self.source, format: common.format)
            if coverage.enabled {
                // The measured copy of the rules decides, explaining, so the report sees each branch.
                var measured = CoverageReport(coverage)
                let index = try measured.index(
                    of: before, file: try Inputs.rulesPath(decision.rules, format: common.format))
                rules = measured.ruleSet(at: index)
                options.explain = true
                report.coverage = (measured, index)
            }
            // An NDJSON stream's lines are found by their contents, a folder's files by their identity.
            let pack = cache.pack(
                source: self.source, projection: BatchEvaluator.projection(rules: rules, comparedWith: after))
            let evaluator = BatchEvaluator(
                rules: rules, comparedWith: after, options: options, workers: workers, cache: pack)
            let matched = report.run(
                evaluator, over: &source, failOn: failOn, progress: progress ?? Console.stderrIsTerminal)
            cache.finish(pack)
            if report.summary.unreadable > 0 { throw CommandFailure(status: .invalidInput) }
            if let shortfalls = report.coverage?.report.shortfalls, !shortfalls.isEmpty {
                for shortfall in shortfalls { Console.err("approvalctl: \(shortfall)\n") }
                throw CommandFailure(status: .testsFailed)
            }
            if matched { throw CommandFailure(status: .decisionMatched) }
        }
    }
}
