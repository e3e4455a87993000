package import ApprovalJSON
package import ApprovalLedger
package import ApprovalRules
package import ArgumentParser

/// `approvalctl evaluate`: one decision for one task.
///
/// `approvalctl` runs it as is: a saved snapshot (or stdin) is decided here, and `--task` hands
/// the command line to the `approvalctl-live` companion (see ``Companion``). The companion parses
/// the same type (as an option group of its own async command) and fetches the task itself, so
/// both executables accept, check and document exactly the same command line.
///
/// Every option is declared right here rather than in option groups: `approvalctl evaluate` is the
/// one-shot command whose start-up counts, and each group is one more type ArgumentParser reflects
/// and checks for conformances (a scan of the whole conformance table each) before parsing.
/// ``DecisionOptions`` and ``CommonOptions`` declare the same options, with the same help
/// (``OptionHelp``), for the other commands.
package struct Evaluate: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Decide one task, from a saved snapshot, stdin, or the live approvals API.",
        discussion: """
            Prints the decision on stdout (JSON with --format json, stable key order). Decisions exit 0 unless --fail-on matches (exit 3). With --task, fetches the task from the approvals API (base URL from --base-url or APPROVAL_BASE_URL, key from APPROVAL_API_KEY), asking only for the parts the rules read. With --ledger (or APPROVAL_LEDGER), records the decision in that decision ledger (created if missing) and says which escalations are new for the task's step run.

            Examples:
              approvalctl evaluate examples/snapshots/tier2-cfo.json --now 2025-06-01T00:00:00Z --format json
              cat snapshot.json | approvalctl evaluate - --rules rules/default.rules.json --explain
              APPROVAL_API_KEY=... approvalctl evaluate --task 12345 --base-url http://127.0.0.1:8080
              approvalctl evaluate saved/12345.json --ledger decisions.ledger --format json
            """
    )

    @Argument(help: "A saved snapshot file, or - for stdin (omit with --task).")
    package var snapshot: String?

    @Option(help: "Evaluate this live task from the approvals API instead of a file.")
    package var task: Int64?

    @Option(help: OptionHelp.baseURL)
    package var baseURL: String?

    @Flag(help: "Log each API request to stderr (the key and URL signatures redacted).")
    package var verbose = false

    @Option(help: OptionHelp.rules)
    package var rules: String?

    @Option(help: OptionHelp.now)
    package var now: String?

    @Option(help: OptionHelp.failOn)
    package var failOn: String?

    @Flag(help: "Add a readable explanation of what each rule tested.")
    package var explain = false

    @Option(help: OptionHelp.format)
    package var format: OutputFormat = .text

    @Option(help: "Record the decision in this decision ledger (default: $APPROVAL_LEDGER; created if missing).")
    package var ledger: String?

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Checks `--now` and `--fail-on`, then the combination: a snapshot or `--task`, and no NDJSON.
    package func validate() throws {
        _ = try Clock.parse(now)
        _ = try FailOn.parse(list: failOn)
        if format == .ndjson { throw ValidationError("evaluate takes --format text or json") }
        if (snapshot == nil) == (task == nil) {
            throw ValidationError("give either a snapshot file (or -) or --task ID")
        }
    }

    /// The ledger to record in: `--ledger`, then `$APPROVAL_LEDGER`.
    package var ledgerPath: String? {
        if let ledger { return ledger }
        if let path = Console.environment("APPROVAL_LEDGER"), !path.isEmpty { return path }
        return nil
    }

    /// Decides the saved snapshot (recording it with `--ledger`), or runs the companion for
    /// `--task`.
    package func run() throws {
        try exiting {
            if task != nil { throw Companion.exec(for: "evaluate --task", format: format) }
            if let ledgerPath, LedgerLocation.isPostgresURL(ledgerPath) {
                throw Companion.exec(for: "evaluate --ledger postgres://", format: format)
            }
            let clock = try Clock.parse(now)
            let ruleSet = try self.ruleSet()
            if let ledgerPath {
                let file = self.snapshot ?? "-"
                try record(
                    Inputs.snapshotBytes(file, format: format), named: Inputs.snapshotName(file), in: ledgerPath,
                    with: ruleSet, at: clock)
                return
            }
            let snapshot = try Inputs.snapshot(self.snapshot ?? "-", projection: ruleSet.projection, format: format)
            try decide(snapshot, with: ruleSet, at: clock)
        }
    }

    /// The compiled rule set from `--rules` or the default (failures reported on stderr).
    package func ruleSet() throws(CommandFailure) -> RuleSet {
        try Inputs.ruleSet(try Inputs.rulesPath(rules, format: format), format: format)
    }

    /// Decides `snapshot` with `ruleSet` at `clock`, prints the decision on stdout, and throws
    /// when `--fail-on` matches it.
    ///
    /// - Throws: ``CommandFailure`` with ``ExitStatus/decisionMatched`` when `--fail-on` matches.
    package func decide(_ snapshot: ApprovalSnapshot, with ruleSet: RuleSet, at clock: Timestamp) throws {
        try report(ruleSet.evaluate(snapshot, options: EvaluationOptions(now: clock, explain: explain)))
    }

    /// Decides `bytes` as the ledger stores them (signatures redacted), records the decision in the
    /// ledger at `path` (created if missing), and prints it with its record.
    ///
    /// - Throws: ``CommandFailure``: 65 when the bytes are not a snapshot (nothing is recorded), the
    ///   ledger's status when it cannot be opened or written (nothing is printed on stdout).
    package func record(
        _ bytes: [UInt8], named name: String, in path: String, with ruleSet: RuleSet, at clock: Timestamp
    ) throws {
        let entry = try entry(bytes, named: name, with: ruleSet, at: clock)
        let ledger = try LedgerAccess.open(path, mode: .create, format: format)
        let receipt: LedgerReceipt
        do {
            receipt = try ledger.record(entry)
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        try report(entry, recordedAs: receipt, in: path)
    }

    /// What `bytes` decide, as a ledger entry (signatures redacted first).
    ///
    /// - Throws: ``CommandFailure`` 65 when the bytes are not a snapshot.
    package func entry(_ bytes: [UInt8], named name: String, with ruleSet: RuleSet, at clock: Timestamp)
        throws(CommandFailure) -> LedgerEntry
    {
        let options = EvaluationOptions(now: clock, explain: explain)
        return try Inputs.parsing(name, format: format) { () throws(JSONError) in
            try LedgerEntry.deciding(bytes, file: name, rules: ruleSet, options: options, source: "cli")
        }
    }

    /// Prints a recorded decision with its record.
    package func report(_ entry: LedgerEntry, recordedAs receipt: LedgerReceipt, in location: String) throws {
        let text =
            "\nRecorded as #\(receipt.sequence) in \(location) (\(receipt.hash.prefix(19))); "
            + "new escalations: \(receipt.newEscalations.count) of \(entry.decision.escalations.count); "
            + "notices queued: \(receipt.queuedNotices.count)\n"
        try report(entry.decision, record: receipt.json, recordText: text)
    }

    /// Prints `decision` on stdout (with `record`, what recording it gave, as its `record` member
    /// in JSON and as `recordText` after it in text), and throws when `--fail-on` matches it.
    ///
    /// - Throws: ``CommandFailure`` with ``ExitStatus/decisionMatched`` when `--fail-on` matches.
    package func report(_ decision: Decision, record: JSONValue? = nil, recordText: String = "") throws {
        if format == .json {
            var json = decision.json
            if let record, case .object(var object) = json {
                object["record"] = record
                json = .object(object)
            }
            Console.outJSON(json)
        } else {
            Console.out(DecisionText.render(decision) + recordText)
        }
        if try FailOn.parse(list: failOn).contains(where: { $0.matches(decision) }) {
            throw CommandFailure(status: .decisionMatched)
        }
    }
}
