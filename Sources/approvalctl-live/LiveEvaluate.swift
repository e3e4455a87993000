import ApprovalCLI
import ApprovalJSON
import ApprovalLedger
import ApprovalRules
import ArgumentParser

/// `approvalctl evaluate --task` and `evaluate --ledger`: fetches the task (only the parts the
/// rules read) and decides it, recording the decision when a ledger is named. It takes the
/// command line of ``Evaluate`` as it is (a saved snapshot is decided as `approvalctl` would).
struct LiveEvaluate: AsyncParsableCommand {
    static let configuration = Evaluate.configuration

    @OptionGroup var command: Evaluate

    func run() async throws {
        try await exitingAsync {
            let format = command.format
            let clock = try Clock.parse(command.now)
            let ruleSet = try command.ruleSet()
            var fetched: JSONValue?
            if let task = command.task {
                let base = try Live.baseURL(command.baseURL, format: format)
                fetched = try await Live.fetch(
                    taskID: task, baseURL: base, parts: Live.parts(for: ruleSet), keepSignatures: false,
                    verbose: command.verbose, format: format)
            }
            if let path = command.ledgerPath {
                try record(fetched, in: path, with: ruleSet, at: clock)
            } else if let fetched {
                try command.decide(ApprovalSnapshot(fetched), with: ruleSet, at: clock)
            } else {
                let snapshot = try Inputs.snapshot(
                    command.snapshot ?? "-", projection: ruleSet.projection, format: format)
                try command.decide(snapshot, with: ruleSet, at: clock)
            }
        }
    }

    /// Decides the fetched task (or the saved snapshot) from the bytes the ledger stores, records
    /// the decision, and prints it with its record.
    private func record(_ fetched: JSONValue?, in path: String, with ruleSet: RuleSet, at clock: Timestamp) throws {
        let format = command.format
        let ledger = try LedgerAccess.open(path, mode: .create, format: format)
        let options = EvaluationOptions(now: clock, explain: command.explain)
        let file = command.snapshot ?? "-"
        let bytes = try fetched.map { JSONWriter.compact.bytes($0) } ?? Inputs.snapshotBytes(file, format: format)
        let entry = try Inputs.parsing(file, format: format) { () throws(JSONError) in
            try LedgerEntry.deciding(
                bytes, file: fetched == nil ? Inputs.snapshotName(file) : "task \(command.task ?? 0)", rules: ruleSet,
                options: options, source: "cli")
        }
        let receipt: LedgerReceipt
        do {
            receipt = try ledger.record(entry)
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        let escalations = entry.decision.escalations.count
        let text =
            "\nRecorded as #\(receipt.sequence) in \(path) (\(receipt.hash.prefix(19))); "
            + "new escalations: \(receipt.newEscalations.count) of \(escalations)\n"
        try command.report(entry.decision, record: receipt.json, recordText: text)
    }
}
