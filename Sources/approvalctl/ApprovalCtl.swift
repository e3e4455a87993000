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
    /// Parses the named subcommand on its own first, and runs it when that succeeds; anything
    /// else (no or an unknown subcommand, `--help`, a usage error, a completion-script request)
    /// goes through the whole command tree, as ArgumentParser's own `main` does.
    ///
    /// The root has no options or arguments of its own, so a command line its subcommand accepts
    /// on its own is one the tree accepts with the same values; the tree then only adds work: a
    /// lenient parse of the root, one more build of the subcommand's arguments, and the root's
    /// reflection and conformance checks. Skipping them cuts about 9% of the instructions (3% of
    /// the CPU time) of a one-shot `evaluate`. Errors are rendered by the tree, so their text
    /// (usage line included) is unchanged, and failures of `run()` are reported by this root, as
    /// before. This holds only while the root declares no options: give it one, and drop this.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let name = arguments.first,
            let subcommand = configuration.subcommands.first(where: { $0.configuration.commandName == name }),
            var command = try? subcommand.parseAsRoot(Array(arguments.dropFirst())),
            type(of: command) == subcommand  // not the help ArgumentParser returns for --help
        {
            do {
                try command.run()
            } catch {
                exit(withError: error)
            }
            return
        }
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "approvalctl",
        abstract:
            "Decide approval tasks from declarative rules: evaluate, dry-run, validate, test, snapshot; record decisions in a ledger, replay them, deliver escalation notices; infer a rule document's variables from snapshots.",
        discussion: """
            Exit codes:
              0   ok (whatever the recommendation, unless --fail-on matches)
              1   internal failure
              2   rule test cases failed (test)
              3   a decision matched --fail-on
              4   notices failed or undeliverable (notices deliver)
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
              approvalctl validate rules/default.rules.json --snapshots examples/snapshots
              approvalctl schema infer examples/snapshots
              approvalctl test examples/tests
              approvalctl evaluate examples/snapshots/tier2-cfo.json --ledger decisions.ledger
              approvalctl ledger verify decisions.ledger
              approvalctl replay decisions.ledger --rules candidate.rules.json
              approvalctl notices deliver --ledger decisions.ledger --notify notify.json
            """,
        subcommands: [
            Evaluate.self, DryRun.self, Validate.self, RuleTests.self, Snapshot.self, Ledger.self, Replay.self,
            Notices.self, Serve.self, Schema.self,
        ]
    )
}
