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
            Snapshots are read recursively in name order (each folder's entries sorted by name); an NDJSON stream (-, *.ndjson, *.jsonl) is read line by line. Snapshots that cannot be read are reported with file, line and column, counted, and the run goes on; the command then exits 65. Output is identical whatever --jobs is. Each snapshot file's parsed form is kept in a cache folder, so a second run over unchanged files does not parse them again (a file is parsed again as soon as its size, times or inode change, or when it changed less than a second before the run; --verify-cache parses every file to check the cache; deleting the folder is always safe). With --compare, both rule sets run over the same snapshots and every changed decision is listed with the rules that started or stopped firing. With --coverage, the report ends with what the snapshots exercised of --rules (as `approvalctl test --coverage` reports it).

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

    @Option(
        help: ArgumentHelp(
            "Where to keep parsed snapshot files between runs (default: $XDG_CACHE_HOME/approvalctl, else ~/.cache/approvalctl).",
            valueName: "folder"))
    var cacheDir: String?

    @Flag(help: "Parse every snapshot file; neither read nor fill the cache.")
    var noCache = false

    @Flag(
        help:
            "Parse every file again to check what the cache holds for it; use and keep the new form where they differ, and report."
    )
    var verifyCache = false

    @OptionGroup var coverage: CoverageOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try Jobs.validate(jobs)
        try coverage.validate()
        if noCache && (cacheDir != nil || verifyCache) {
            throw ValidationError("--no-cache cannot be combined with --cache-dir or --verify-cache.")
        }
    }

    /// The block pack of the snapshot folder (or file), unless told not to cache or there is no
    /// folder to keep it in: an unusable --cache-dir is a warning, an unusable default is silent.
    private func blockPack(projection: JSONProjection) -> SnapshotBlockPack? {
        guard !noCache else { return nil }
        let directory =
            cacheDir ?? Console.environment("XDG_CACHE_HOME").flatMap { $0.hasPrefix("/") ? $0 + "/approvalctl" : nil }
            ?? Console.environment("HOME").flatMap { $0.isEmpty ? nil : $0 + "/.cache/approvalctl" }
        guard let directory else { return nil }
        do {
            return try SnapshotBlockPack(
                directory: directory, source: source, projection: projection, verify: verifyCache,
                logger: Console.logger(verbose: false))
        } catch {
            if cacheDir != nil || verifyCache { Console.err("approvalctl: warning: not caching: \(error)\n") }
            return nil
        }
    }

    func run() throws {
        try exiting {
            let clock = try decision.clock()
            let before = try decision.ruleSet(format: common.format)
            let after = try compare.map { path throws(CommandFailure) in try Inputs.ruleSet(path, format: common.format)
            }
            let failOn = try decision.failures()
            var source: any SnapshotSource
            var readsFiles = false
            do throws(SnapshotSourceError) {
                if ndjson || self.source == "-" || self.source.hasSuffix(".ndjson") || self.source.hasSuffix(".jsonl") {
                    source = try NDJSONSnapshotSource(path: self.source)
                } else {
                    source = try FileSnapshotSource(self.source)
                    readsFiles = true
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
            let pack =
                readsFiles ? blockPack(projection: BatchEvaluator.projection(rules: rules, comparedWith: after)) : nil
            let evaluator = BatchEvaluator(
                rules: rules, comparedWith: after, options: options, workers: workers, cache: pack)
            let matched = report.run(
                evaluator, over: &source, failOn: failOn, progress: progress ?? Console.stderrIsTerminal)
            if let statistics = pack?.finish(), verifyCache {
                Console.err(
                    "approvalctl: cache: \(statistics.found) snapshot(s) read from the cache and checked, "
                        + "\(statistics.stale) stale (parsed again), \(statistics.kept) parsed and cached\n")
            }
            if report.summary.unreadable > 0 { throw CommandFailure(status: .invalidInput) }
            if let shortfalls = report.coverage?.report.shortfalls, !shortfalls.isEmpty {
                for shortfall in shortfalls { Console.err("approvalctl: \(shortfall)\n") }
                throw CommandFailure(status: .testsFailed)
            }
            if matched { throw CommandFailure(status: .decisionMatched) }
        }
    }
}
