import ApprovalJSON
import Testing

/// `approvalctl test --coverage` and `dry-run --coverage`: what the shipped examples exercise of
/// the shipped rule sets, the report's format (golden files in `golden/coverage/`;
/// `UPDATE_GOLDEN=1` rewrites them) and the thresholds' exit status.
@Suite("approvalctl --coverage")
struct CoverageCommandTests {
    static func run(_ arguments: [String]) async throws -> CommandResult {
        try await ApprovalCtl.run(arguments, in: ApprovalCtl.repositoryRoot)
    }

    @Test("the shipped examples cover every rule and table row of the shipped rule sets")
    func shippedExamplesCoverEverything() async throws {
        let result = try await Self.run(["test", "examples/tests", "--coverage", "--min-coverage", "100"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        let coverage = result.stdoutLines.drop { $0 != "Coverage" }
        try Golden.check(Array(coverage.joined(separator: "\n").utf8) + [0x0A], matches: "coverage/examples.txt")
        #expect(coverage.contains { $0.hasPrefix("  rules/default.rules.json") && $0.contains("rules 13/13 (100.0%)") })
        #expect(
            coverage.contains { $0.hasPrefix("  rules/doa-matrix.rules.json") && $0.contains("rules 7/7 (100.0%)") })
    }

    @Test("what one case leaves uncovered is listed with file, line and column")
    func uncoveredItemsAreListed() async throws {
        let result = try await Self.run(["test", "examples/tests/tier2-cfo.test.json", "--coverage"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        try Golden.check(result.stdout, matches: "coverage/one-case.txt")
        #expect(
            result.stdoutLines.contains("    rules/default.rules.json:126:5 (at /rules/5): rule tier-3-ceo never fired")
        )
    }

    @Test("below --min-coverage or --min-branch-coverage: exit 2, the shortfall on stderr, the report on stdout")
    func thresholdsExitTwo() async throws {
        let result = try await Self.run([
            "test", "examples/tests/tier2-cfo.test.json", "--min-coverage", "50", "--min-branch-coverage", "0",
        ])
        #expect(result.status == 2)
        #expect(
            result.stderrLines == [
                "approvalctl: rule coverage of rules/default.rules.json is 7.6%, below --min-coverage 50.0%"
            ])
        #expect(result.stdoutLines.contains("1 passed, 0 failed"))
        #expect(result.stdoutLines.contains("Coverage"))
    }

    @Test("the JSON report carries per rule file every rule and branch with its counts and place")
    func jsonReport() async throws {
        let result = try await Self.run([
            "test", "examples/tests/tier2-cfo.test.json", "--coverage", "--format", "json",
        ])
        #expect(result.status == 0)
        let report = try Output.document(result.stdout)
        let coverage = try #require(report["coverage"]?.array)
        #expect(coverage.count == 1)
        try Golden.check(
            Array(JSONWriter(pretty: true, sortKeys: false).string(coverage[0]).utf8), matches: "coverage/one-case.json"
        )
        #expect(coverage[0]["file"] == "rules/default.rules.json")
        #expect(coverage[0]["rules"]?["covered"] == .integer(1))
        #expect(coverage[0]["rules"]?["total"] == .integer(13))
        #expect(coverage[0]["branches"]?["total"] == .integer(10))
    }

    @Test("out-of-range thresholds are usage errors")
    func badThreshold() async throws {
        let result = try await Self.run(["test", "examples/tests", "--min-coverage", "101"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("--min-coverage must be between 0 and 100"))
    }

    @Test("dry-run --coverage: the same decisions, then the coverage of --rules over the snapshots")
    func dryRunCoverage() async throws {
        let plain = try await Self.run([
            "dry-run", "examples/snapshots", "--now", "2025-06-01T00:00:00Z", "--format", "ndjson",
        ])
        let measured = try await Self.run([
            "dry-run", "examples/snapshots", "--now", "2025-06-01T00:00:00Z", "--format", "ndjson", "--coverage",
        ])
        #expect(plain.status == 0)
        #expect(measured.status == 0)
        var lines = measured.stdoutLines.filter { !$0.isEmpty }
        let last = try Output.document(Array((lines.removeLast() + "\n").utf8))
        #expect(last["type"] == "coverage")
        #expect(last["coverage"]?[0]?["rules"]?["percent"] == .double(100))
        #expect(lines == plain.stdoutLines.filter { !$0.isEmpty })
        let text = try await Self.run([
            "dry-run", "examples/snapshots", "--now", "2025-06-01T00:00:00Z", "--coverage", "--min-branch-coverage",
            "100",
        ])
        #expect(text.status == 0)
        #expect(
            text.stdoutLines.last { !$0.isEmpty }?.hasPrefix(
                "  rules/default.rules.json (default-contract-approvals): 32 cases") == true)
    }
}
