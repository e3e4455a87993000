import ApprovalCLI
import ApprovalJSON
import ApprovalLedger
import ApprovalRules
import ArgumentParser

/// `approvalctl evaluate --task`: fetches the task (only the parts the rules read) and decides it,
/// recording the decision when a ledger is named. It takes the command line of ``Evaluate`` as it
/// is (a saved snapshot is decided as `approvalctl` would).
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
            if let location = command.ledgerPath {
                let file = command.snapshot ?? "-"
                let bytes =
                    try fetched.map { JSONWriter.compact.bytes($0) } ?? Inputs.snapshotBytes(file, format: format)
                let entry = try command.entry(
                    bytes, named: command.task.map { "task \($0)" } ?? Inputs.snapshotName(file), with: ruleSet,
                    at: clock)
                let receipt = try await LedgerStores.with(location, mode: .create, format: format) { ledger in
                    do {
                        return try await ledger.record(entry)
                    } catch {
                        throw LedgerAccess.report(error, format: format)
                    }
                }
                try command.report(entry, recordedAs: receipt, in: location)
            } else if let fetched {
                try command.decide(ApprovalSnapshot(fetched), with: ruleSet, at: clock)
            } else {
                let snapshot = try Inputs.snapshot(
                    command.snapshot ?? "-", projection: ruleSet.projection, format: format)
                try command.decide(snapshot, with: ruleSet, at: clock)
            }
        }
    }
}
