import ApprovalCLI
import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl schema`: the variables a rule document declares.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Work with the variables section of rule documents.",
        discussion: """
            Example:
              approvalctl schema infer examples/snapshots > variables.json
            """,
        subcommands: [SchemaInfer.self]
    )
}

/// `approvalctl schema infer DIR`: a `variables` section from saved snapshots.
struct SchemaInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Write a variables section inferred from saved snapshots.",
        discussion: """
            Reads every saved snapshot (*.json, recursively, in name order) and prints {"variables": {...}} on stdout: each variable id the snapshots list, with the type its values have (the API's variable_type when every value fits it), "required": true when every snapshot has a value for it, and a description saying in how many snapshots it was seen. Paste it into a rule document to have undeclared variables and type mismatches reported. A file that is not a snapshot (not JSON, not an object) is reported on stderr, naming it, and the command exits 65 without output; a snapshot whose variable listings cannot be read is left out, with a warning on stderr.

            Example:
              approvalctl schema infer examples/snapshots
            """
    )

    @Argument(help: "A folder of saved snapshots (*.json), or one snapshot file.")
    var source: String

    func run() throws {
        try exiting {
            var inference = VariableInference()
            let pass = try SavedSnapshots.each(in: source, format: .text) { file, snapshot in
                switch inference.add(snapshot) {
                case .added: return nil
                case .skipped(let problem):
                    Console.err("warning: \(file): \(problem); its variables are left out\n")
                    return nil
                case .refused(let problem): return problem
                }
            }
            if pass.bad > 0 { throw CommandFailure(status: .invalidInput) }
            Console.outJSON(["variables": inference.section])
        }
    }
}
