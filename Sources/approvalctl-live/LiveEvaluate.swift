import ApprovalCLI
import ApprovalRules
import ArgumentParser

/// `approvalctl evaluate --task`: fetches the task (only the parts the rules read) and decides
/// it. It takes the command line of ``Evaluate`` as it is (a saved snapshot is decided as
/// `approvalctl` would).
struct LiveEvaluate: AsyncParsableCommand {
    static let configuration = Evaluate.configuration

    @OptionGroup var command: Evaluate

    func run() async throws {
        try await exitingAsync {
            let format = command.format
            let clock = try Clock.parse(command.now)
            let ruleSet = try command.ruleSet()
            let snapshot: ApprovalSnapshot
            if let task = command.task {
                let base = try Live.baseURL(command.baseURL, format: format)
                snapshot = ApprovalSnapshot(
                    try await Live.fetch(
                        taskID: task, baseURL: base, parts: Live.parts(for: ruleSet), keepSignatures: false,
                        verbose: command.verbose, format: format))
            } else {
                snapshot = try Inputs.snapshot(command.snapshot ?? "-", projection: ruleSet.projection, format: format)
            }
            try command.decide(snapshot, with: ruleSet, at: clock)
        }
    }
}
