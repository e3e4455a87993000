import ApprovalClient
import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl snapshot`: save a live task as a snapshot file.
struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save what the approvals API returns for a task as a snapshot file.",
        discussion: """
            Fetches the approval details (with files) and, concurrently, the task, its files listing and its signed documents, and writes them as one snapshot that evaluate and dry-run accept. Presigned URL signatures are replaced by REDACTED unless --keep-signatures is given. The API key is read from APPROVAL_API_KEY (never a flag).

            Example:
              APPROVAL_API_KEY=... approvalctl snapshot --task 12345 --base-url http://127.0.0.1:8080 -o saved/12345.json
            """
    )

    @Option(help: "The task id.")
    var task: Int64

    @Option(name: [.short, .customLong("output")], help: "Where to write the snapshot (- for stdout).")
    var output: String = "-"

    @Option(help: "The approvals API base URL (default: $APPROVAL_BASE_URL).")
    var baseURL: String?

    @Flag(help: "Keep presigned URL signatures in the saved snapshot (they grant access to the files).")
    var keepSignatures = false

    @Flag(help: "Log each request to stderr (the key and URL signatures redacted).")
    var verbose = false

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await exitingAsync {
            let base = try Live.baseURL(baseURL, format: common.format)
            let snapshot = try await Live.fetch(
                taskID: task, baseURL: base, parts: .all, keepSignatures: keepSignatures, verbose: verbose,
                format: common.format)
            var bytes = JSONWriter.pretty.bytes(snapshot)
            bytes.append(0x0A)
            if output == "-" {
                Console.out(bytes: bytes)
            } else if !FileWriter.write(bytes, to: output) {
                throw Console.fail("cannot write \(output)", code: "unwritable", status: .cannotCreateOutput, format: common.format)
            }
        }
    }
}

/// The async twin of ``exiting(_:)``.
func exitingAsync(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        throw ExitCode(failure.status.rawValue)
    }
}
