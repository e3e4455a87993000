import ApprovalJSON
import Testing

/// `approvalctl validate`: compiler-style diagnostics for rule files.
@Suite("approvalctl validate")
struct ValidateTests {
    @Test("a valid rule file prints a one-line verdict on stdout and exits 0")
    func validFileText() async throws {
        let result = try await ApprovalCtl.run(["validate", Fixtures.rules, Fixtures.candidateRules])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(
            result.stdoutText == """
                rules/vendor-contracts.rules.json: ok, 7 rules (0 errors, 0 warnings)
                rules/vendor-contracts-candidate.rules.json: ok, 7 rules (0 errors, 0 warnings)

                """)
    }

    @Test("with --format json, stdout is one JSON array with a report per file")
    func validFileJSON() async throws {
        let result = try await ApprovalCtl.run([
            "validate", Fixtures.rules, "rules/warnings.rules.json", "--format", "json",
        ])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let document = try Output.document(result.stdout)
        let reports = try #require(document.array)
        #expect(reports.count == 2)
        #expect(reports[0]["file"]?.string == Fixtures.rules)
        #expect(reports[0]["valid"] == .bool(true))
        #expect(reports[0]["name"]?.string == "fixture-vendor-contracts")
        #expect(reports[0]["rules"] == .integer(7))
        #expect(reports[0]["errors"] == .integer(0))
        #expect(reports[0]["diagnostics"] == .array([]))
        #expect(reports[1]["valid"] == .bool(true))
        #expect(reports[1]["warnings"] == .integer(1))
    }

    @Test("warnings alone do not fail validation: exit 0, the warning is located")
    func warningsDoNotFail() async throws {
        let result = try await ApprovalCtl.run(["validate", "rules/warnings.rules.json"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(
            result.stdoutLines.first?.hasPrefix("rules/warnings.rules.json:3:3: warning[unknown_field]: ") == true,
            "\(result.stdoutText)")
        let verdict = try #require(result.stdoutLines.last { !$0.isEmpty })
        #expect(verdict.hasPrefix("rules/warnings.rules.json: ok, 1 rule"))
        #expect(verdict.hasSuffix("(0 errors, 1 warning)"))
    }

    struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
        let code: String
        let line: Int64
        let column: Int64
        let path: String
        var description: String { "\(line):\(column) \(code) at \(path)" }
    }

    /// Positions, codes and JSON Pointers are asserted; message text is not (STYLE §12).
    @Test("an invalid rule file exits 65 and every diagnostic carries file, line, column, code and path")
    func invalidFileDiagnostics() async throws {
        let result = try await ApprovalCtl.run(["validate", "rules/invalid.rules.json", "--format", "json"])
        #expect(result.status == 65)
        #expect(result.stderr.isEmpty, "validate reports its diagnostics as data on stdout")
        let document = try Output.document(result.stdout)
        let report = try #require(document.array?.first)
        #expect(report["valid"] == .bool(false))
        let diagnostics = (report["diagnostics"]?.array ?? []).map { (value: JSONValue) -> Diagnostic in
            #expect(value["file"]?.string == "rules/invalid.rules.json")
            #expect(value["severity"]?.string == "error")
            return Diagnostic(
                code: value["code"]?.string ?? "", line: value["line"]?.integer ?? 0,
                column: value["column"]?.integer ?? 0,
                path: value["path"]?.string ?? "")
        }
        #expect(
            diagnostics == [
                Diagnostic(code: "unknown_operator", line: 6, column: 15, path: "/rules/0/when"),
                Diagnostic(code: "unknown_list", line: 11, column: 65, path: "/rules/1/when/in_list/1"),
                Diagnostic(code: "invalid_recommendation", line: 17, column: 20, path: "/rules/2/recommend"),
            ])
        #expect(report["errors"] == .integer(Int64(diagnostics.count)))
    }

    @Test("text diagnostics are compiler style: file:line:column: error[code]: message (at /pointer)")
    func invalidFileText() async throws {
        let result = try await ApprovalCtl.run(["validate", "rules/invalid.rules.json"])
        #expect(result.status == 65)
        let lines = result.stdoutLines.filter { !$0.isEmpty }
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("rules/invalid.rules.json:6:15: error[unknown_operator]: "))
        #expect(lines[0].hasSuffix(" (at /rules/0/when)"))
        #expect(lines.last == "rules/invalid.rules.json: invalid (3 errors, 0 warnings)")
    }

    @Test("a JSON syntax error is one json_syntax diagnostic at its line and column (65)")
    func syntaxError() async throws {
        let result = try await ApprovalCtl.run(["validate", "rules/syntax-error.rules.json", "--format", "json"])
        #expect(result.status == 65)
        let document = try Output.document(result.stdout)
        let diagnostic = try #require(document.at("0.diagnostics.0"))
        #expect(diagnostic["code"]?.string == "json_syntax")
        #expect(diagnostic["line"] == .integer(5))
        #expect(diagnostic["column"] == .integer(5))
    }

    @Test("every file is checked even after an invalid one; the worst status wins (missing 66 over invalid 65)")
    func worstStatusWins() async throws {
        let invalid = try await ApprovalCtl.run(["validate", "rules/invalid.rules.json", Fixtures.rules])
        #expect(invalid.status == 65)
        #expect(invalid.stdoutText.contains("rules/vendor-contracts.rules.json: ok, 7 rules"))

        let missing = try await ApprovalCtl.run([
            "validate", "rules/missing.rules.json", "rules/invalid.rules.json", Fixtures.rules,
        ])
        #expect(missing.status == 66)
        #expect(missing.stdoutText.contains("rules/missing.rules.json"))
        #expect(missing.stdoutText.contains("rules/invalid.rules.json: invalid"))
        #expect(missing.stdoutText.contains("rules/vendor-contracts.rules.json: ok"))
    }

    @Test("a missing rule file exits 66")
    func missingFile() async throws {
        let result = try await ApprovalCtl.run(["validate", "rules/missing.rules.json", "--format", "json"])
        #expect(result.status == 66)
        let document = try Output.document(result.stdout)
        let report = try #require(document.array?.first)
        #expect(report["valid"] == .bool(false))
    }
}
