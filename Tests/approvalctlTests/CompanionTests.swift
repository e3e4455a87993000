import Foundation
import Testing

/// `approvalctl` leaves the HTTP client out and hands `evaluate --task` and `snapshot` to the
/// `approvalctl-live` companion in its own folder (LiveCLITests checks that the hand-off gives the
/// same output and exit codes as before). These tests cover the split itself: what happens when
/// the companion is missing, and that the HTTP stack stays out of `approvalctl`.
@Suite("approvalctl and its approvalctl-live companion")
struct CompanionTests {
    /// A copy of the built `approvalctl`, alone in a fresh folder: no companion next to it.
    static func lonelyCopy(in folder: TemporaryDirectory) throws -> String {
        let copy = folder.path + "/approvalctl"
        try FileManager.default.copyItem(atPath: try ApprovalCtl.executable(), toPath: copy)
        return copy
    }

    @Test(
        "without the companion, the live commands exit 69 with one line on stderr that names it",
        arguments: [
            ["evaluate", "--task", "41001", "--rules", Fixtures.rules, "--base-url", "http://127.0.0.1:9"],
            ["snapshot", "--task", "41001", "--base-url", "http://127.0.0.1:9"],
        ])
    func missingCompanionExits69(_ arguments: [String]) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await ApprovalCtl.run(arguments, executable: try Self.lonelyCopy(in: folder))
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText)")
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderrText)")
        let command = arguments[0] == "evaluate" ? "evaluate --task" : "snapshot"
        #expect(result.stderrText.hasPrefix("error: \(command) needs "), "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains(folder.path + "/approvalctl-live"), "stderr: \(result.stderrText)")
    }

    @Test("with --format json, a missing companion is one JSON error line with its exit code")
    func missingCompanionJSON() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await ApprovalCtl.run(
            ["evaluate", "--task", "41001", "--rules", Fixtures.rules, "--format", "json"],
            executable: try Self.lonelyCopy(in: folder))
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderrText)")
        let error = try JSONSerialization.jsonObject(with: Data(result.stderr)) as? [String: Any]
        #expect(error?["error"] as? String == "companion_unavailable")
        #expect(error?["exit_code"] as? Int == 69)
    }

    /// Usage errors and help never need the companion: `approvalctl` parses and checks the live
    /// commands' command lines itself.
    @Test("usage errors and --help of the live commands need no companion")
    func usageAndHelpWithoutCompanion() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let lonely = try Self.lonelyCopy(in: folder)
        let usage = try await ApprovalCtl.run(["snapshot", "--task", "seven"], executable: lonely)
        #expect(usage.status == 64)
        #expect(usage.stderrText.hasPrefix("Error: "))
        for command in ["evaluate", "snapshot"] {
            let help = try await ApprovalCtl.run([command, "--help"], executable: lonely)
            #expect(help.status == 0)
            try Golden.check(help.stdout, matches: "help/\(command).txt")
        }
    }

    /// The point of the split: deciding a saved snapshot must not load the HTTP stack.
    @Test("approvalctl links neither AsyncHTTPClient nor SwiftNIO")
    func noHTTPStackInApprovalctl() throws {
        let binary = try Data(contentsOf: URL(fileURLWithPath: try ApprovalCtl.executable()))
        // Mangled Swift names carry the module name with its length.
        for module in ["15AsyncHTTPClient", "8NIOPosix", "7NIOCore", "14ApprovalClient"] {
            #expect(binary.range(of: Data(module.utf8)) == nil, "approvalctl contains \(module)")
        }
    }
}
