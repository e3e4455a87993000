import Testing

/// Exit status 64: bad command lines, for every command. ArgumentParser prints the error and a
/// usage line on stderr; stdout stays empty.
///
/// The other statuses are tested with their commands: 0 everywhere, 2 in RuleTestsCommandTests,
/// 3 (`--fail-on`) in EvaluateTests and DryRunTests, 65 and 66 in all four suites. Statuses 1
/// (internal failure), 69 (API unavailable), 75 (temporary failure) and 77 (authentication) can
/// only come from the API client, which no command uses yet; they are out of scope here.
@Suite("approvalctl usage errors")
struct UsageErrorTests {
    struct UsageCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        /// Something the error must mention (the offending option or value).
        let mentions: String
        var testDescription: String { "approvalctl " + arguments.joined(separator: " ") }
    }

    static let cases = [
        UsageCase(arguments: ["dry-run", "snapshots", "--rules", Fixtures.rules, "--jobs", "0"], mentions: "--jobs"),
        UsageCase(arguments: ["dry-run", "snapshots", "--rules", Fixtures.rules, "--jobs", "257"], mentions: "--jobs"),
        UsageCase(arguments: ["dry-run", "snapshots", "--rules", Fixtures.rules, "--jobs", "two"], mentions: "two"),
        UsageCase(
            arguments: ["dry-run", "snapshots", "--rules", Fixtures.rules, "--fail-on", "maybe"], mentions: "maybe"),
        UsageCase(
            arguments: ["dry-run", "snapshots", "--rules", Fixtures.rules, "--now", "yesterday"], mentions: "--now"),
        UsageCase(arguments: ["dry-run", "snapshots", "--format", "yaml"], mentions: "yaml"),
        UsageCase(arguments: ["dry-run"], mentions: "<source>"),
        UsageCase(arguments: ["evaluate", "snapshots/a-tier1-approve.json", "--jobs", "2"], mentions: "--jobs"),
        UsageCase(arguments: ["evaluate", "snapshots/a-tier1-approve.json", "--format", "ndjson"], mentions: "json"),
        UsageCase(
            arguments: ["evaluate", "snapshots/a-tier1-approve.json", "--fail-on", "reject,never"], mentions: "never"),
        UsageCase(arguments: ["evaluate", "a.json", "b.json"], mentions: "b.json"),
        UsageCase(arguments: ["evaluate"], mentions: "snapshot"),
        UsageCase(arguments: ["evaluate", "snapshots/a-tier1-approve.json", "--task", "41001"], mentions: "--task"),
        UsageCase(arguments: ["evaluate", "--task", "forty-one"], mentions: "forty-one"),
        UsageCase(arguments: ["validate"], mentions: "<files>"),
        UsageCase(arguments: ["validate", Fixtures.rules, "--format", "ndjson"], mentions: "json"),
        UsageCase(arguments: ["validate", Fixtures.rules, "--verbose-please"], mentions: "--verbose-please"),
        UsageCase(arguments: ["test"], mentions: "<paths>"),
        UsageCase(arguments: ["test", "tests/passing", "--format", "ndjson"], mentions: "json"),
        UsageCase(arguments: ["snapshot"], mentions: "--task"),
        UsageCase(arguments: ["snapshot", "--task", "7", "--keep"], mentions: "--keep"),
        UsageCase(arguments: ["frobnicate"], mentions: "frobnicate"),
        UsageCase(arguments: ["--version-info"], mentions: "--version-info"),
    ]

    @Test("a bad command line exits 64 with the error and usage on stderr and nothing on stdout", arguments: cases)
    func usageErrorExits64(_ usage: UsageCase) async throws {
        let result = try await ApprovalCtl.run(usage.arguments)
        #expect(result.status == 64)
        #expect(result.exited)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText)")
        #expect(result.stderrText.hasPrefix("Error: "), "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains(usage.mentions), "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains("Usage: approvalctl"))
    }

    /// `--task` needs the approvals API; without a base URL that is a usage error, found before
    /// any connection is attempted (the child's environment has no APPROVAL_BASE_URL).
    @Test(
        "--task without --base-url or $APPROVAL_BASE_URL exits 64 and says how to give one",
        arguments: [
            ["evaluate", "--task", "41001", "--rules", Fixtures.rules],
            ["snapshot", "--task", "41001"],
        ])
    func taskWithoutBaseURLExits64(_ arguments: [String]) async throws {
        let result = try await ApprovalCtl.run(arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("--base-url"), "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains("APPROVAL_BASE_URL"))
    }
}
