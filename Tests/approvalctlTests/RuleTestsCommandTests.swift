import ApprovalJSON
import Testing

/// `approvalctl test`: rule test cases (snapshot + clock + expected decision).
@Suite("approvalctl test")
struct RuleTestsCommandTests {
    static func test(_ paths: [String], format: String = "text") -> [String] {
        ["test"] + paths + ["--rules", Fixtures.rules, "--format", format]
    }

    @Test("passing cases print PASS lines in name order and a tally, and exit 0")
    func passingCasesText() async throws {
        let result = try await ApprovalCtl.run(Self.test(["tests/passing"]))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        let lines = result.stdoutLines.filter { !$0.isEmpty }
        #expect(
            lines.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
                "PASS tests/passing/blocked-vendor.test.json",
                "PASS tests/passing/inline-missing-file.test.json",
                "PASS tests/passing/tier1-approve.test.json",
                "3 passed,",
            ])
        #expect(lines.last == "3 passed, 0 failed")
    }

    @Test("with --format json, stdout is one document with counts and a result per case")
    func passingCasesJSON() async throws {
        let result = try await ApprovalCtl.run(Self.test(["tests/passing"], format: "json"))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let report = try Output.document(result.stdout)
        #expect(report["passed"] == .integer(3))
        #expect(report["failed"] == .integer(0))
        let cases = try #require(report["cases"]?.array)
        #expect(cases.count == 3)
        #expect(cases.allSatisfy { $0["passed"] == .bool(true) && $0["failures"] == .array([]) })
        #expect(cases[0]["description"]?.string?.hasPrefix("A blocklisted vendor") == true)
    }

    @Test("failing and malformed cases are reported, counted and exit 2")
    func failingCasesExit2() async throws {
        let result = try await ApprovalCtl.run(Self.test(["tests/failing"]))
        #expect(result.status == 2)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        #expect(result.stdoutText.contains("FAIL tests/failing/unknown-expectation.test.json"))
        #expect(result.stdoutText.contains("FAIL tests/failing/wrong-recommendation.test.json"))
        #expect(result.stdoutText.contains("    recommendation: expected approve, got hold"))
        #expect(result.stdoutText.hasSuffix("0 passed, 2 failed\n"))

        let json = try await ApprovalCtl.run(Self.test(["tests/failing"], format: "json"))
        #expect(json.status == 2)
        let report = try Output.document(json.stdout)
        #expect(report["failed"] == .integer(2))
        for testCase in report["cases"]?.array ?? [] {
            #expect(testCase["passed"] == .bool(false))
            let failures = testCase["failures"]?.array ?? []
            #expect(!failures.isEmpty)
        }
    }

    @Test("files and folders can be mixed; one failure anywhere makes the run exit 2")
    func mixedPaths() async throws {
        let result = try await ApprovalCtl.run(
            Self.test(["tests/passing", "tests/failing/wrong-recommendation.test.json"]))
        #expect(result.status == 2)
        #expect(result.stdoutText.hasSuffix("3 passed, 1 failed\n"))
    }

    @Test("a case whose snapshot file is missing fails (exit 2) and says why on stderr")
    func caseWithMissingSnapshot() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let testCase = #"{"snapshot": "gone.json", "now": "2025-06-01", "expect": {"recommendation": "hold"}}"#
        let file = try folder.write(Array(testCase.utf8), to: "gone.test.json")
        let result = try await ApprovalCtl.run(
            Self.test([file]).map { $0 == Fixtures.rules ? Fixtures.directory + "/" + $0 : $0 })
        #expect(result.status == 2)
        #expect(result.stdoutText.hasPrefix("FAIL \(file)"))
        #expect(result.stderrText.contains(folder.path + "/gone.json"))
    }

    @Test("a missing test path exits 66")
    func missingPath() async throws {
        let result = try await ApprovalCtl.run(Self.test(["tests/nowhere"]))
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("tests/nowhere"))
    }
}
