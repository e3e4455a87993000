import ApprovalJSON
import Testing

/// `approvalctl evaluate`: one decision for one snapshot.
@Suite("approvalctl evaluate")
struct EvaluateTests {
    static func evaluate(_ snapshot: String, _ extra: [String] = [], format: String = "json") -> [String] {
        ["evaluate", snapshot, "--rules", Fixtures.rules, "--now", Fixtures.now, "--format", format] + extra
    }

    static func name(_ path: String) -> String {
        String(path.split(separator: "/").last!.dropLast(".json".count))
    }

    @Test(
        "the decision is printed on stdout, stderr stays empty, and it matches its golden file",
        arguments: Fixtures.snapshotPaths, ["json", "text"])
    func decisionMatchesGoldenFile(snapshot: String, format: String) async throws {
        let result = try await ApprovalCtl.run(Self.evaluate(snapshot, format: format))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        if format == "json" {
            let decision = try Output.document(result.stdout)
            #expect(decision["recommendation"]?.string != nil)
        } else {
            #expect(result.stdoutText.hasPrefix("Task "))
            #expect(result.stdout.last == 0x0A)
        }
        try Golden.check(result.stdout, matches: "evaluate/\(Self.name(snapshot)).\(format == "json" ? "json" : "txt")")
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        let snapshot: String
        let recommendation: String
        let fired: [String]
        let escalatedTo: [String]
        let dataProblems: [String]
        var testDescription: String { snapshot }
    }

    static let expectations = [
        Expected(
            snapshot: "snapshots/a-tier1-approve.json", recommendation: "approve", fired: ["tier-1-auto-approve"],
            escalatedTo: [], dataProblems: []),
        Expected(
            snapshot: "snapshots/b-tier3-cfo.json", recommendation: "hold",
            fired: ["tier-3-cfo", "starts-within-two-weeks"],
            escalatedTo: ["cfo@example.com", "procurement@example.com"], dataProblems: []),
        Expected(
            snapshot: "snapshots/c-blocked-vendor.json", recommendation: "reject", fired: ["blocked-vendor"],
            escalatedTo: ["compliance@example.com"], dataProblems: []),
        Expected(
            snapshot: "snapshots/d-missing-file.json", recommendation: "request_changes",
            fired: ["missing-contract-file"], escalatedTo: [], dataProblems: []),
        Expected(
            snapshot: "snapshots/e-external-approver.json", recommendation: "hold",
            fired: ["external-approver", "tier-1-auto-approve"],
            escalatedTo: ["security@example.com"], dataProblems: []),
        Expected(
            snapshot: "snapshots/nested/f-missing-value.json", recommendation: "hold", fired: [], escalatedTo: [],
            dataProblems: ["wrong_type"]),
        Expected(
            snapshot: "snapshots/nested/g-self-approval.json", recommendation: "reject", fired: ["self-approval"],
            escalatedTo: [], dataProblems: []),
        Expected(
            snapshot: "snapshots/nested/h-invalid-date.json", recommendation: "hold", fired: ["tier-1-auto-approve"],
            escalatedTo: [],
            dataProblems: ["condition_error", "wrong_type"]),
    ]

    /// The fixtures were written so that each exercises one routing path; this pins what each
    /// must decide, independently of the golden files.
    @Test("each fixture snapshot gets the decision its rules call for", arguments: expectations)
    func fixtureDecisions(_ expected: Expected) async throws {
        let result = try await ApprovalCtl.run(Self.evaluate(expected.snapshot))
        #expect(result.status == 0)
        let decision = try Output.document(result.stdout)
        #expect(decision["recommendation"]?.string == expected.recommendation)
        #expect((decision["fired_rules"]?.array ?? []).compactMap { $0["id"]?.string } == expected.fired)
        #expect(
            Set((decision["escalations"]?.array ?? []).flatMap { $0["to"]?.strings ?? [] }) == Set(expected.escalatedTo)
        )
        #expect(
            Set((decision["data_problems"]?.array ?? []).compactMap { $0["code"]?.string })
                == Set(expected.dataProblems))
        #expect(decision.at("rule_set.name")?.string == "fixture-vendor-contracts")
        #expect(decision.at("rule_set.hash")?.string?.hasPrefix("sha256:") == true)
    }

    @Test("--explain adds a trace with one entry per rule, and matches its golden file")
    func explainAddsTrace() async throws {
        let result = try await ApprovalCtl.run(Self.evaluate("snapshots/b-tier3-cfo.json", ["--explain"]))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let decision = try Output.document(result.stdout)
        let trace = try #require(decision["trace"]?.array)
        #expect(trace.compactMap { $0["rule_id"]?.string }.count == 7)
        #expect(trace.first { $0["rule_id"]?.string == "tier-3-cfo" }?["fired"] == .bool(true))
        try Golden.check(result.stdout, matches: "evaluate/b-tier3-cfo.explain.json")

        let plain = try await ApprovalCtl.run(Self.evaluate("snapshots/b-tier3-cfo.json"))
        #expect(try Output.document(plain.stdout)["trace"] == nil, "no trace unless --explain is given")
    }

    @Test("`evaluate -` reads the snapshot from stdin and decides exactly as from the file")
    func readsSnapshotFromStdin() async throws {
        for snapshot in ["snapshots/b-tier3-cfo.json", "snapshots/nested/g-self-approval.json"] {
            let fromFile = try await ApprovalCtl.run(Self.evaluate(snapshot))
            let fromStdin = try await ApprovalCtl.run(Self.evaluate("-"), stdin: try Fixtures.bytes(snapshot))
            #expect(fromStdin.status == 0)
            #expect(fromStdin.stderr.isEmpty, "stderr: \(fromStdin.stderrText)")
            #expect(fromStdin.stdout == fromFile.stdout, "\(snapshot) via stdin")
        }
    }

    @Test("a malformed snapshot on stdin exits 65 and is located as <stdin>:line:column on stderr")
    func malformedStdinIsLocated() async throws {
        let result = try await ApprovalCtl.run(
            Self.evaluate("-", format: "text"), stdin: Array("{\n  \"task_id\": 7,\n  \"files\": [}\n".utf8))
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty, "stdout carries data only: \(result.stdoutText)")
        #expect(result.stderrText.hasPrefix("<stdin>:3:"), "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains("error["))
    }

    @Test("an empty stdin is an invalid snapshot (65), not a decision")
    func emptyStdinIsInvalid() async throws {
        let result = try await ApprovalCtl.run(Self.evaluate("-", format: "text"), stdin: [])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("<stdin>"))
    }

    @Test("--now pins the clock: the same --now gives the same bytes, another --now another decision")
    func nowPinsTheClock() async throws {
        // a-tier1-approve takes effect on 2025-07-01: 30 days after 2025-06-01, 6 days after 2025-06-25.
        let first = try await ApprovalCtl.run(Self.evaluate("snapshots/a-tier1-approve.json"))
        let second = try await ApprovalCtl.run(Self.evaluate("snapshots/a-tier1-approve.json"))
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        #expect(try Output.document(first.stdout)["escalations"] == .array([]))

        let later = try await ApprovalCtl.run(
            [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", Fixtures.rules, "--now",
                "2025-06-25T00:00:00Z", "--format", "json",
            ])
        #expect(later.status == 0)
        let decision = try Output.document(later.stdout)
        #expect(decision.at("escalations.0.to")?.strings == ["procurement@example.com"])
        #expect(decision.at("escalations.0.severity")?.string == "low")
    }

    @Test("--now accepts a plain date and rejects anything that is not ISO 8601 (64)")
    func nowFormats() async throws {
        let date = try await ApprovalCtl.run(
            [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", Fixtures.rules, "--now", "2025-06-01",
                "--format", "json",
            ])
        let dateTime = try await ApprovalCtl.run(Self.evaluate("snapshots/a-tier1-approve.json"))
        #expect(date.status == 0)
        #expect(date.stdout == dateTime.stdout)

        let bad = try await ApprovalCtl.run(
            ["evaluate", "snapshots/a-tier1-approve.json", "--rules", Fixtures.rules, "--now", "01/06/2025"])
        #expect(bad.status == 64)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderrText.contains("--now"))
    }

    @Test("without --rules the rule file comes from $APPROVAL_RULES")
    func rulesFromEnvironment() async throws {
        let viaFlag = try await ApprovalCtl.run(Self.evaluate("snapshots/c-blocked-vendor.json"))
        let viaEnvironment = try await ApprovalCtl.run(
            ["evaluate", "snapshots/c-blocked-vendor.json", "--now", Fixtures.now, "--format", "json"],
            environment: ["APPROVAL_RULES": Fixtures.rules])
        #expect(viaEnvironment.status == 0)
        #expect(viaEnvironment.stderr.isEmpty)
        #expect(viaEnvironment.stdout == viaFlag.stdout)

        let flagWins = try await ApprovalCtl.run(
            Self.evaluate("snapshots/c-blocked-vendor.json"),
            environment: ["APPROVAL_RULES": "rules/does-not-exist.rules.json"])
        #expect(flagWins.status == 0, "--rules must take precedence over $APPROVAL_RULES")
        #expect(flagWins.stdout == viaFlag.stdout)
    }

    struct FailOnCase: Sendable, CustomTestStringConvertible {
        let snapshot: String
        let failOn: String
        let status: Int32
        var testDescription: String { "\(snapshot) --fail-on \(failOn) exits \(status)" }
    }

    static let failOnCases = [
        FailOnCase(snapshot: "snapshots/c-blocked-vendor.json", failOn: "reject", status: 3),
        FailOnCase(snapshot: "snapshots/c-blocked-vendor.json", failOn: "approve,hold", status: 0),
        FailOnCase(snapshot: "snapshots/a-tier1-approve.json", failOn: "reject,escalate,data_problem", status: 0),
        FailOnCase(snapshot: "snapshots/a-tier1-approve.json", failOn: "approve", status: 3),
        FailOnCase(snapshot: "snapshots/b-tier3-cfo.json", failOn: "escalate", status: 3),
        FailOnCase(snapshot: "snapshots/d-missing-file.json", failOn: "request_changes", status: 3),
        FailOnCase(snapshot: "snapshots/nested/f-missing-value.json", failOn: "data_problem", status: 3),
        FailOnCase(snapshot: "snapshots/nested/f-missing-value.json", failOn: "reject", status: 0),
    ]

    @Test("--fail-on exits 3 when the decision matches, and the decision is still printed", arguments: failOnCases)
    func failOn(_ testCase: FailOnCase) async throws {
        let plain = try await ApprovalCtl.run(Self.evaluate(testCase.snapshot))
        let result = try await ApprovalCtl.run(Self.evaluate(testCase.snapshot, ["--fail-on", testCase.failOn]))
        #expect(result.status == testCase.status)
        #expect(result.stderr.isEmpty, "a matched --fail-on prints nothing on stderr: \(result.stderrText)")
        #expect(result.stdout == plain.stdout)
    }

    @Test("invalid rules exit 65 with compiler-style diagnostics on stderr and nothing on stdout")
    func invalidRulesText() async throws {
        let result = try await ApprovalCtl.run(
            [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", "rules/invalid.rules.json", "--now",
                Fixtures.now,
            ])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderrLines.first?.hasPrefix("rules/invalid.rules.json:6:15: error[unknown_operator]: ") == true,
            "\(result.stderrText)")
        #expect(result.stderrText.contains("rules/invalid.rules.json:17:20: error[invalid_recommendation]: "))
    }

    @Test("with --format json, rule diagnostics on stderr are JSON lines with file, line, column and code")
    func invalidRulesJSON() async throws {
        let result = try await ApprovalCtl.run(
            ["evaluate", "snapshots/a-tier1-approve.json", "--rules", "rules/invalid.rules.json", "--format", "json"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        let diagnostics = try Output.lines(result.stderr)
        let first = try #require(diagnostics.first)
        #expect(first["file"]?.string == "rules/invalid.rules.json")
        #expect(first["line"] == .integer(6))
        #expect(first["column"] == .integer(15))
        #expect(first["code"]?.string == "unknown_operator")
        #expect(first["path"]?.string == "/rules/0/when")
        #expect(first["severity"]?.string == "error")
    }

    @Test("a malformed snapshot file exits 65 and is located by file:line:column on stderr")
    func malformedSnapshotFile() async throws {
        // Line 3 lacks its trailing comma; the parser notices at the next key, whose last
        // character is line 4, column 24.
        let result = try await ApprovalCtl.run(Self.evaluate("broken-folder/02-broken.json", format: "text"))
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderrText.hasPrefix("broken-folder/02-broken.json:4:24: error["), "stderr: \(result.stderrText)")

        let json = try await ApprovalCtl.run(Self.evaluate("broken-folder/02-broken.json"))
        #expect(json.status == 65)
        #expect(json.stdout.isEmpty)
        let errors = try Output.lines(json.stderr)
        let error = try #require(errors.first)
        #expect(error["file"]?.string == "broken-folder/02-broken.json")
        #expect(error["line"] == .integer(4))
        #expect(error["column"] == .integer(24))
    }

    @Test("a missing snapshot or rule file exits 66")
    func missingInputs() async throws {
        let snapshot = try await ApprovalCtl.run(Self.evaluate("snapshots/no-such-task.json", format: "text"))
        #expect(snapshot.status == 66)
        #expect(snapshot.stdout.isEmpty)
        #expect(snapshot.stderrText.contains("snapshots/no-such-task.json"))

        let rules = try await ApprovalCtl.run(
            [
                "evaluate", "snapshots/a-tier1-approve.json", "--rules", "rules/no-such.rules.json", "--now",
                Fixtures.now,
            ])
        #expect(rules.status == 66)
        #expect(rules.stdout.isEmpty)
        #expect(rules.stderrText.contains("rules/no-such.rules.json"))
    }
}
