import ApprovalCLI
import ArgumentParser

/// `approvalctl`: approval-routing decisions from declarative rules.
///
/// A synchronous root: deciding saved snapshots needs no concurrency runtime, so none is started.
/// The commands that talk to the approvals API (`evaluate --task`, `snapshot`) are parsed and
/// validated here, then handed to the `approvalctl-live` companion (see ``Companion``), which
/// keeps the HTTP stack out of this binary and its start-up.
@main
struct ApprovalCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvalctl",
        abstract: "Decide approval tasks from declarative rules: evaluate, dry-run, validate, test, snapshot.",
        discussion: """
            Exit codes:
              0   ok (whatever the recommendation, unless --fail-on matches)
              1   internal failure
              2   rule test cases failed (test)
              3   a decision matched --fail-on
              64  usage error
              65  invalid rules or snapshot
              66  input missing (file, task, or task not at an approval step)
              69  API unavailable
              73  output cannot be written
              75  temporary failure, retry later
              77  authentication or permission failure

            Examples:
              approvalctl evaluate examples/snapshots/tier2-cfo.json --now 2025-06-01T00:00:00Z
              approvalctl dry-run examples/snapshots --compare rules/candidate.rules.json
              approvalctl validate rules/default.rules.json
              approvalctl test examples/tests
            """,
        subcommands: [Evaluate.self, DryRun.self, Validate.self, RuleTests.self, Snapshot.self]
    )
}
