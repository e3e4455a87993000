import ApprovalJSON
import Testing

/// With `--format json` (or ndjson), what a command reports on stderr is JSON lines, so a script
/// can read failures as it reads results (STYLE §10: errors are rendered in the chosen format).
@Suite("errors on stderr follow --format")
struct StderrFormatTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        var testDescription: String { "approvalctl " + arguments.joined(separator: " ") }
    }

    static let rendered = [
        ErrorCase(
            arguments: ["evaluate", "snapshots/none.json", "--rules", Fixtures.rules, "--format", "json"], status: 66),
        ErrorCase(
            arguments: ["evaluate", "broken-folder/02-broken.json", "--rules", Fixtures.rules, "--format", "json"],
            status: 65),
        ErrorCase(
            arguments: [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", "rules/none.rules.json", "--format", "json",
            ], status: 66),
        ErrorCase(
            arguments: [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", "rules/syntax-error.rules.json", "--format",
                "json",
            ], status: 65),
        ErrorCase(
            arguments: ["dry-run", "broken-folder", "--rules", Fixtures.rules, "--format", "ndjson"], status: 65),
        ErrorCase(
            arguments: ["dry-run", "snapshots", "--rules", "rules/invalid.rules.json", "--format", "json"], status: 65),
    ]

    @Test("rule and snapshot errors are JSON lines on stderr with --format json or ndjson", arguments: rendered)
    func errorsAreJSONLines(_ error: ErrorCase) async throws {
        let result = try await ApprovalCtl.run(error.arguments)
        #expect(result.status == error.status)
        let lines = try Output.lines(result.stderr)
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line["code"]?.string != nil, "\(line)")
            #expect(line["file"]?.string != nil, "\(line)")
        }
    }

    static let plainText = [
        ErrorCase(arguments: ["dry-run", "no-such-folder", "--rules", Fixtures.rules, "--format", "json"], status: 66),
        ErrorCase(
            arguments: ["dry-run", "no-such.ndjson", "--rules", Fixtures.rules, "--format", "ndjson"], status: 66),
        ErrorCase(arguments: ["test", "tests/nowhere", "--rules", Fixtures.rules, "--format", "json"], status: 66),
        ErrorCase(
            arguments: ["evaluate", "--task", "41001", "--rules", Fixtures.rules, "--format", "json"], status: 64),
    ]

    @Test("a missing folder or test path, or a missing base URL, is reported as a JSON line too", arguments: plainText)
    func otherFailuresAreJSONLines(_ error: ErrorCase) async throws {
        let result = try await ApprovalCtl.run(error.arguments)
        #expect(result.status == error.status)
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
        let lines = try Output.lines(result.stderr)
        #expect(lines.first?["exit_code"] == .integer(Int64(error.status)))
        #expect(lines.first?["message"]?.string?.isEmpty == false)
    }
}
