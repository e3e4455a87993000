package import ArgumentParser

/// `approvalctl snapshot`: save a live task as a snapshot file.
///
/// `approvalctl` parses and checks the command line, then hands it to the `approvalctl-live`
/// companion (see ``Companion``), which parses the same type (as an option group of its own async
/// command) and fetches the task.
package struct Snapshot: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save what the approvals API returns for a task as a snapshot file.",
        discussion: """
            Fetches the approval details (with files) and, concurrently, the task, its files listing and its signed documents, and writes them as one snapshot that evaluate and dry-run accept. Presigned URL signatures are replaced by REDACTED unless --keep-signatures is given. The API key is read from APPROVAL_API_KEY (never a flag).

            Example:
              APPROVAL_API_KEY=... approvalctl snapshot --task 12345 --base-url http://127.0.0.1:8080 -o saved/12345.json
            """
    )

    @Option(help: "The task id.")
    package var task: Int64

    @Option(name: [.short, .customLong("output")], help: "Where to write the snapshot (- for stdout).")
    package var output: String = "-"

    @Option(help: OptionHelp.baseURL)
    package var baseURL: String?

    @Flag(help: "Keep presigned URL signatures in the saved snapshot (they grant access to the files).")
    package var keepSignatures = false

    @Flag(help: "Log each request to stderr (the key and URL signatures redacted).")
    package var verbose = false

    @OptionGroup package var common: CommonOptions

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Runs the companion, which fetches and saves the task.
    package func run() throws {
        try exiting { throw Companion.exec(for: "snapshot", format: common.format) }
    }
}
