import ApprovalJSON
import Testing

@testable import ApprovalRules

/// One diagnostic as the expectations table writes it (the message is not compared).
struct ExpectedDiagnostic: Hashable, Sendable, CustomStringConvertible {
    let code: String
    let path: String
    let line: Int
    let column: Int

    var description: String { "\(line):\(column) \(code) at \(path.isEmpty ? "/" : path)" }

    init(code: String, path: String, line: Int, column: Int) {
        self.code = code
        self.path = path
        self.line = line
        self.column = column
    }

    init(_ diagnostic: RuleDiagnostic) {
        self.init(
            code: diagnostic.code.description, path: diagnostic.path.description, line: diagnostic.location?.line ?? 0,
            column: diagnostic.location?.column ?? 0)
    }
}

/// A rule file of `Fixtures/diagnostics` and every diagnostic it must produce, in order.
struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    let file: String
    let expected: [ExpectedDiagnostic]
    var testDescription: String { file }

    static func all() throws -> [DiagnosticCase] {
        guard case .object(let table) = try RuleFixtures.json("diagnostics/expectations.json") else { return [] }
        return table.members.map { file, rows in
            DiagnosticCase(
                file: file,
                expected: (rows.array ?? []).map {
                    ExpectedDiagnostic(
                        code: $0["code"]?.string ?? "", path: $0["path"]?.string ?? "",
                        line: Int($0["line"]?.integer ?? 0),
                        column: Int($0["column"]?.integer ?? 0))
                })
        }
    }

    /// What compiling the file reports: every diagnostic of a rejected file, or the warnings of
    /// an accepted one.
    func compile() -> (accepted: Bool, diagnostics: [RuleDiagnostic]) {
        do {
            return (true, try RuleSet(contentsOf: RuleFixtures.path("diagnostics/" + file)).warnings)
        } catch let error as RuleCompilationError {
            return (false, error.diagnostics)
        } catch {
            Issue.record("unexpected error \(error)")
            return (false, [])
        }
    }
}

@Suite struct RuleDiagnosticTests {
    @Test(arguments: try DiagnosticCase.all())
    func fixtureReportsExactlyTheExpectedDiagnostics(_ testCase: DiagnosticCase) {
        let (accepted, found) = testCase.compile()
        #expect(found.map(ExpectedDiagnostic.init) == testCase.expected)
        // A document is accepted exactly when none of its diagnostics is an error.
        #expect(
            accepted
                == testCase.expected.allSatisfy {
                    [
                        "unknown_field", "overlapping_tier", "constant_condition", "table_gap", "table_subsumed_row",
                    ].contains($0.code)
                })
        for diagnostic in found {
            #expect(diagnostic.location?.file == RuleFixtures.path("diagnostics/" + testCase.file))
            #expect(!diagnostic.message.isEmpty)
        }
    }

    @Test func everyDiagnosticCodeHasItsOwnFixture() throws {
        let files = Set(try DiagnosticCase.all().map(\.file))
        // The two file-level codes cannot be fixture documents; fileCodesNameTheFile covers them.
        for code in RuleDiagnostic.Code.all where code != .fileNotFound && code != .unreadableFile {
            #expect(files.contains("\(code).rules.json"), "no fixture for \(code)")
        }
        let onDisk = Set(RuleFixtures.files(in: RuleFixtures.path("diagnostics"), endingWith: ".rules.json"))
        #expect(onDisk == files, "fixtures and expectations.json disagree")
    }

    @Test func eachCodeFixtureReportsItsCode() throws {
        for testCase in try DiagnosticCase.all() where testCase.file.hasSuffix(".rules.json") {
            let code = String(testCase.file.dropLast(".rules.json".count))
            guard RuleDiagnostic.Code.all.contains(where: { $0.description == code }) else { continue }
            #expect(testCase.expected.map(\.code) == [code], "\(testCase.file)")
        }
    }

    @Test func severitiesFollowTheCode() {
        let warnings = RuleDiagnostic.Code.all.filter { $0.severity == .warning }.map(\.description)
        #expect(
            warnings.sorted() == [
                "constant_condition", "overlapping_tier", "table_gap", "table_subsumed_row", "unknown_field",
            ])
        #expect(RuleDiagnostic.Code.all.count == 32)
    }

    @Test func fileCodesNameTheFile() throws {
        let missing = RuleFixtures.path("diagnostics/does-not-exist.rules.json")
        do {
            _ = try RuleSet(contentsOf: missing)
            Issue.record("a missing file compiled")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.code) == [.fileNotFound])
            #expect(error.diagnostics.first?.location?.file == missing)
        }
        do {
            _ = try RuleSet(contentsOf: RuleFixtures.path("diagnostics"))
            Issue.record("a directory compiled")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.code) == [.unreadableFile])
        }
    }

    @Test func unknownOperatorSuggestsTheClosestOperator() throws {
        let (_, found) = DiagnosticCase(file: "unknown_operator.rules.json", expected: []).compile()
        let diagnostic = try #require(found.first)
        #expect(diagnostic.message == #"unknown operator "has_fiel"; did you mean "has_file"?"#)
        #expect(diagnostic.ruleID == "contract")
    }

    @Test func unknownOperatorFarFromAnyNameHasNoSuggestion() {
        let found = diagnostics(
            compiling: ruleDocument(#"{"id": "r", "when": {"xyzzy_plugh": []}, "recommend": "hold"}"#))
        #expect(found.map(\.code) == [.unknownOperator])
        #expect(found.first?.message == #"unknown operator "xyzzy_plugh""#)
    }

    @Test func misspeltFieldsAndListsGetSuggestions() throws {
        let several = DiagnosticCase(file: "several-problems.rules.json", expected: []).compile().diagnostics
        #expect(several.contains { $0.message.contains(#"did you mean "reason"?"#) })
        #expect(several.contains { $0.message.contains(#"did you mean "domain_ends_with"?"#) })
        #expect(several.contains { $0.message.contains(#"did you mean "approve"?"#) })
        let list = DiagnosticCase(file: "unknown_list.rules.json", expected: []).compile().diagnostics
        #expect(list.first?.message.contains(#"did you mean "blocked_vendors"?"#) == true)
        let field = DiagnosticCase(file: "unknown_field.rules.json", expected: []).compile().diagnostics
        #expect(field.first?.message.contains(#"did you mean "description"?"#) == true)
    }

    @Test func allProblemsOfOneDocumentAreReportedTogetherInDocumentOrder() throws {
        let (accepted, found) = DiagnosticCase(file: "several-problems.rules.json", expected: []).compile()
        #expect(!accepted)
        #expect(found.count == 8)
        let offsets = found.compactMap { $0.location?.byteOffset }
        #expect(offsets == offsets.sorted())
        #expect(Set(found.compactMap(\.ruleID)) == ["tier"])
    }

    @Test func warningsAloneLeaveTheDocumentUsable() throws {
        let rules = try RuleSet(contentsOf: RuleFixtures.path("diagnostics/overlapping_tier.rules.json"))
        #expect(rules.warnings.map(\.code) == [.overlappingTier])
        #expect(rules.ruleIDs == ["director", "cfo"])
    }

    @Test func textRenderingIsCompilerStyle() throws {
        let (_, found) = DiagnosticCase(file: "wrong_arity.rules.json", expected: []).compile()
        let diagnostic = try #require(found.first)
        #expect(
            diagnostic.description
                == "\(RuleFixtures.path("diagnostics/wrong_arity.rules.json")):4:42: error[wrong_arity]: \"days_since\" takes 1 argument, got 2 (at /rules/0/when/days_since)"
        )
    }

    @Test func jsonRenderingCarriesTheSameFields() throws {
        let (_, found) = DiagnosticCase(file: "constant_condition.rules.json", expected: []).compile()
        let json = try #require(found.first).json
        #expect(json["severity"] == "warning")
        #expect(json["code"] == "constant_condition")
        #expect(json["path"] == "/rules/0/when")
        #expect(json["line"] == 4)
        #expect(json["column"] == 34)
        #expect(json["rule_id"] == "everything")
        #expect(json["file"]?.string?.hasSuffix("constant_condition.rules.json") == true)
    }

    @Test func inMemoryDocumentsReportPathsWithoutLocations() {
        do {
            _ = try RuleSet(json: [
                "name": "x", "rules": [["id": "r", "when": ["betwen": [1, 2]], "recommend": "hold"]],
            ])
            Issue.record("the document should not compile")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.path.description) == ["/rules/0/when"])
            #expect(error.diagnostics.map(\.location) == [nil])
            #expect(error.errors.count == 1)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingRuleFileIsReportedAsOneDiagnostic() {
        do {
            _ = try RuleSet(contentsOf: RuleFixtures.path("diagnostics/no-such-file.rules.json"))
            Issue.record("a missing file should not compile")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics.first?.message.contains("file_not_found") == true)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func oversizedRuleFileHitsTheLimit() {
        var limits = Limits.default
        limits.ruleFileBytes = 64
        do {
            _ = try RuleSet(contentsOf: RuleFixtures.path("diagnostics/several-problems.rules.json"), limits: limits)
            Issue.record("the file is larger than the limit")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.code) == [.limitExceeded])
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func tooManyRulesHitsTheLimit() {
        var limits = Limits.default
        limits.rules = 1
        let text = ruleDocument(firingRule("a", "hold") + "," + firingRule("b", "hold"))
        do {
            _ = try RuleSet(text: text, limits: limits)
            Issue.record("two rules exceed a limit of one")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.code) == [.limitExceeded])
            #expect(error.diagnostics.map(\.path.description) == ["/rules"])
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func tierShadowedOnlyByARuleWithRequirementsIsReachable() throws {
        // The earlier tier may be skipped (its requirement unmet), so the later one can decide.
        let rules = try RuleSet(
            text: ruleDocument(
                """
                {"id": "from-50k", "priority": 2, "requires": {"variables.department": "string"},
                 "when": {"money>=": [{"var": "variables.contract_value"}, 50000]}, "recommend": "hold"},
                {"id": "from-250k", "priority": 1, "when": {"money>=": [{"var": "variables.contract_value"}, 250000]}, "recommend": "reject"}
                """, head: #""strategy": "first_match""#))
        #expect(rules.warnings.isEmpty)
        #expect(rules.evaluate(acmeSnapshot).firedRules.map(\.id) == ["from-250k"])
    }

    @Test func safeRecommendationCannotBeApprove() {
        let found = diagnostics(
            compiling: ruleDocument(firingRule("a", "hold"), head: #""safe_recommendation": "approve""#))
        #expect(found.map(\.code) == [.invalidRecommendation])
        #expect(found.map(\.path.description) == ["/safe_recommendation"])
    }

    @Test func duplicateKeysInARuleFileAreASyntaxError() {
        let found = diagnostics(compiling: #"{"name": "a", "name": "b", "rules": []}"#)
        #expect(found.map(\.code) == [.jsonSyntax])
    }
}

@Suite struct PreserveTests {
    /// `preserve` hands its argument back as data. An object with one key inside it is data too,
    /// not an operator call, so it must not be reported as an unknown operator.
    ///
    /// Fails today: `LogicCompiler.compile(_:depth:)` compiles every argument before the
    /// operator's `build` runs, so `{"preserve": {"amount": 1}}` reports `unknown_operator
    /// "amount"` and the document is rejected.
    @Test func preservedObjectIsDataNotAnOperatorCall() throws {
        let found = diagnostics(
            compiling: ruleDocument(
                #"{"id": "r", "when": {"==": [{"var": "variables.x"}, {"preserve": {"amount": 1}}]}, "recommend": "hold"}"#
            ))
        #expect(found.filter { $0.severity == .error }.map(\.code) == [])
    }

    @Test func preserveReturnsItsArgumentUnevaluated() throws {
        let expression = try LogicExpression(["preserve": ["var": "x"]])
        #expect(try expression.evaluate(["x": 1]) == ["var": "x"])
    }
}
