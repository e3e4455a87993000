import ApprovalJSON
import Foundation
import Testing

/// `approvalctl schema infer` and `approvalctl validate --snapshots`: what saved snapshots say
/// about the variables a rule document reads. Stdout, stderr and the exit status are asserted
/// separately.
@Suite("approvalctl schema infer")
struct SchemaInferTests {
    @Test("the fixture snapshots give the golden variables section on stdout, nothing on stderr, exit 0")
    func fixtureSnapshotsMatchTheGoldenSection() async throws {
        let result = try await ApprovalCtl.run(["schema", "infer", "snapshots"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "\(result.stderrText)")
        let document = try Output.document(result.stdout)
        #expect(document.object?.keys == ["variables"])
        try Golden.check(result.stdout, matches: "schema/infer-snapshots.json")
    }

    @Test(
        "on examples/snapshots: every listed id, required exactly when every snapshot has it; the bad listing is warned about"
    )
    func exampleSnapshots() async throws {
        let result = try await ApprovalCtl.run(
            ["schema", "infer", "examples/snapshots"], in: ApprovalCtl.repositoryRoot)
        #expect(result.status == 0)
        // The one example whose variable listing is not an array is left out, with a warning.
        #expect(result.stderrLines.count == 1)
        #expect(result.stderrLines.first?.hasPrefix("warning: examples/snapshots/variables-not-array.json: ") == true)
        let files = try FileManager.default.contentsOfDirectory(
            atPath: ApprovalCtl.repositoryRoot + "/examples/snapshots"
        ).filter { $0.hasSuffix(".json") }
        let counted = files.count - result.stderrLines.count
        let variables = try #require(try Output.document(result.stdout)["variables"]?.object)
        for id in ["contract_value", "vendor_name", "department", "contract_file", "effective_date"] {
            #expect(variables[id] != nil, "\(id)")
        }
        #expect(variables["term_months"]?["type"] == "number")
        #expect(variables["contract_file"]?["type"] == "file")
        #expect(variables["requester_email"]?["type"] == "email")
        let pattern = try Regex<(Substring, Substring, Substring)>(
            #"^seen in (\d+) of (\d+) snapshots; variable_type "#)
        for (id, declaration) in variables.members {
            let description = try #require(declaration["description"]?.string, "\(id)")
            let match = try #require(description.firstMatch(of: pattern), "\(id): \(description)")
            #expect(Int(match.output.2) == counted, "\(id): \(description)")
            #expect(declaration["required"] == .bool(Int(match.output.1) == counted), "\(id)")
        }
        #expect(Array(variables.keys) == variables.keys.sorted())
    }

    @Test("a file that is not JSON is named on stderr; nothing on stdout; exit 65")
    func brokenFile() async throws {
        let result = try await ApprovalCtl.run(["schema", "infer", "broken-folder"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderrLines.first?.hasPrefix("broken-folder/02-broken.json:4:24: error[syntax_error]") == true)
    }

    @Test("a JSON file that is no snapshot (not an object) is named on stderr; exit 65")
    func notASnapshot() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-infer-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("[1, 2]\n".utf8).write(to: folder.appendingPathComponent("list.json"))
        try Data(try Fixtures.bytes("snapshots/a-tier1-approve.json")).write(
            to: folder.appendingPathComponent("ok.json"))
        let result = try await ApprovalCtl.run(["schema", "infer", folder.path])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText == "error: \(folder.path)/list.json: the snapshot is array, not an object\n")
    }

    @Test("a missing folder exits 66 with one error line")
    func missingFolder() async throws {
        let result = try await ApprovalCtl.run(["schema", "infer", "no-such-folder"])
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText == "error: no-such-folder: no such file or directory\n")
    }
}

@Suite("approvalctl validate --snapshots")
struct ValidateSnapshotsTests {
    static let rules = "rules/unseen-facts.rules.json"

    @Test("facts no snapshot has are warnings on stdout with file:line:column; the exit status stays 0")
    func unseenFactsText() async throws {
        let result = try await ApprovalCtl.run(["validate", Self.rules, Fixtures.rules, "--snapshots", "snapshots"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "\(result.stderrText)")
        #expect(
            result.stdoutText == """
                rules/unseen-facts.rules.json:5:46: warning[unseen_fact]: rule "net-90" reads variables.payment_terms, which no saved snapshot in snapshots has (at /rules/0/when/==/0/var)
                rules/unseen-facts.rules.json:6:16: warning[unseen_fact]: rule "net-90" reads variables.payment_terms, which no saved snapshot in snapshots has (at /rules/0/reason)
                rules/unseen-facts.rules.json:7:52: warning[unseen_fact]: rule "insurance" tests has_file "insurance_certificate", but no saved snapshot in snapshots has a file for it (at /rules/1/when/!/has_file)
                rules/unseen-facts.rules.json: ok, 3 rules (0 errors, 0 warnings, 3 unseen facts)
                rules/vendor-contracts.rules.json: ok, 7 rules (0 errors, 0 warnings, 0 unseen facts)

                """)
    }

    @Test("with --format json each report lists its unseen facts with file, line, column, path and rule")
    func unseenFactsJSON() async throws {
        let result = try await ApprovalCtl.run([
            "validate", Self.rules, "--snapshots", "snapshots", "--format", "json",
        ])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let report = try #require(try Output.document(result.stdout).array?.first)
        #expect(report["valid"] == .bool(true))
        #expect(report["warnings"] == .integer(0))
        let unseen = try #require(report["unseen_facts"]?.array)
        #expect(
            unseen.map { $0["fact"]?.string ?? "" } == [
                "variables.payment_terms", "variables.payment_terms", "files_by_variable.insurance_certificate",
            ])
        #expect(unseen.map { $0["line"]?.integer ?? 0 } == [5, 6, 7])
        #expect(unseen.map { $0["column"]?.integer ?? 0 } == [46, 16, 52])
        #expect(unseen.map { $0["rule_id"]?.string ?? "" } == ["net-90", "net-90", "insurance"])
        #expect(unseen.first?["path"] == "/rules/0/when/==/0/var")
        #expect(unseen.allSatisfy { $0["severity"] == "warning" && $0["code"] == "unseen_fact" })
        #expect(unseen.first?["file"] == .string(Self.rules))
    }

    @Test("without --snapshots the report is as before (no unseen_facts key)")
    func withoutSnapshots() async throws {
        let result = try await ApprovalCtl.run(["validate", Self.rules, "--format", "json"])
        #expect(result.status == 0)
        let report = try #require(try Output.document(result.stdout).array?.first)
        #expect(report["unseen_facts"] == nil)
    }

    @Test("the shipped rules read nothing the example snapshots lack")
    func shippedRulesAgainstExamples() async throws {
        let result = try await ApprovalCtl.run(
            ["validate", "rules/default.rules.json", "--snapshots", "examples/snapshots"],
            in: ApprovalCtl.repositoryRoot)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdoutLines.first?.hasSuffix("(0 errors, 0 warnings, 0 unseen facts)") == true)
    }

    @Test("an unreadable snapshot is named on stderr and makes the status 65; the report is still printed")
    func brokenSnapshot() async throws {
        let result = try await ApprovalCtl.run(["validate", Self.rules, "--snapshots", "broken-folder"])
        #expect(result.status == 65)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderrLines.first?.hasPrefix("broken-folder/02-broken.json:4:24: ") == true)
        #expect(result.stdoutLines.contains { $0.hasPrefix("rules/unseen-facts.rules.json: ok, 3 rules") })
    }

    @Test("a missing snapshot folder exits 66 before any report")
    func missingFolder() async throws {
        let result = try await ApprovalCtl.run(["validate", Self.rules, "--snapshots", "no-such-folder"])
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText == "error: no-such-folder: no such file or directory\n")
    }
}
