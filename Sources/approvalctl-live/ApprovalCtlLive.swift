import ApprovalCLI
import ArgumentParser

/// `approvalctl-live`: the commands of `approvalctl` that talk to the approvals API.
///
/// `approvalctl` runs it (with `execv`, same arguments) for `evaluate --task` and `snapshot`, so
/// users never need to call it themselves; it takes the same command line, so it can be. It links
/// the HTTP client that `approvalctl` leaves out, and is asynchronous, as the client is.
@main
struct ApprovalCtlLive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvalctl-live",
        abstract:
            "The commands of approvalctl that need the network (evaluate --task, snapshot, serve, notices deliver); approvalctl runs them here.",
        discussion: """
            Takes the same command line as approvalctl evaluate, snapshot, serve and notices deliver, and exits with the same codes (see approvalctl --help).

            Examples:
              APPROVAL_API_KEY=... approvalctl-live evaluate --task 12345 --base-url http://127.0.0.1:8080
              APPROVAL_API_KEY=... approvalctl-live snapshot --task 12345 -o saved/12345.json
            """,
        subcommands: [
            LiveEvaluate.self, LiveSnapshot.self, LiveServe.self, LiveNotices.self, LiveLedger.self,
            LiveOnLedger<Replay>.self,
        ]
    )
}

/// Runs an async command body, turning a ``CommandFailure`` (already reported) into its exit code.
func exitingAsync(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        throw ExitCode(failure.status.rawValue)
    }
}
