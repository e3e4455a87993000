import ApprovalCLI
import ApprovalClient
import ApprovalJSON
import ArgumentParser

/// `approvalctl snapshot`: saves a live task as a snapshot file. It takes the command line of
/// ``Snapshot`` as it is.
struct LiveSnapshot: AsyncParsableCommand {
    static let configuration = Snapshot.configuration

    @OptionGroup var command: Snapshot

    func run() async throws {
        try await exitingAsync {
            let format = command.common.format
            let base = try Live.baseURL(command.baseURL, format: format)
            let snapshot = try await Live.fetch(
                taskID: command.task, baseURL: base, parts: .all, keepSignatures: command.keepSignatures,
                verbose: command.verbose, format: format)
            var bytes = JSONWriter.pretty.bytes(snapshot)
            bytes.append(0x0A)
            if command.output == "-" {
                Console.out(bytes: bytes)
            } else if !FileWriter.write(bytes, to: command.output) {
                throw Console.fail(
                    "cannot write \(command.output)", code: "unwritable", status: .cannotCreateOutput, format: format)
            }
        }
    }
}
