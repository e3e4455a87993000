import ApprovalJSON
import Testing

@testable import ApprovalRules

/// The examples shipped in `examples/`: each snapshot with its test case, run against the shipped
/// default rules, as `approvalctl test examples/tests --rules rules/default.rules.json` does.
@Suite struct ExampleTests {
    static func testCaseNames() -> [String] {
        RuleFixtures.files(in: RuleFixtures.exampleTestsDirectory, endingWith: ".test.json")
    }

    func run(_ file: String) throws -> (RuleTestCase, Decision) {
        let path = "\(RuleFixtures.exampleTestsDirectory)/\(file)"
        let testCase = try RuleTestCase(try RuleFixtures.json(atPath: path), file: path)
        let snapshot: ApprovalSnapshot
        switch testCase.snapshot {
        case .file(let snapshotPath): snapshot = try RuleFixtures.snapshot(atPath: snapshotPath)
        case .inline(let value): snapshot = ApprovalSnapshot(value)
        }
        return (testCase, try RuleFixtures.defaultRules().evaluate(snapshot, options: testCase.options))
    }

    @Test(arguments: testCaseNames())
    func exampleYieldsItsExpectedDecision(_ file: String) throws {
        let (testCase, decision) = try run(file)
        #expect(testCase.now == RuleFixtures.exampleNow)
        #expect(testCase.check(decision) == [], "\(testCase.description ?? file)")
        // Every example states at least the recommendation, the fired rules and the data problems.
        #expect(testCase.expect["recommendation"] != nil)
        #expect(testCase.expect["fired_rules"] != nil)
        #expect(testCase.expect["data_problems"] != nil)
    }

    @Test func everySnapshotHasATestCaseAndEveryTestCaseASnapshot() {
        let snapshots = Set(RuleFixtures.exampleNames())
        let tests = Set(Self.testCaseNames().map { String($0.dropLast(".test.json".count)) })
        #expect(snapshots.count >= 20)
        #expect(snapshots == tests)
    }

    @Test func examplesCoverEveryRuleAndEveryRecommendation() throws {
        var fired: Set<String> = []
        var recommendations: Set<Recommendation> = []
        var problems: Set<String> = []
        for file in Self.testCaseNames() {
            let (_, decision) = try run(file)
            fired.formUnion(decision.firedRules.map(\.id))
            recommendations.insert(decision.recommendation)
            problems.formUnion(decision.dataProblems.map(\.code.description))
        }
        #expect(Set(try RuleFixtures.defaultRules().ruleIDs).subtracting(fired).sorted() == [])
        #expect(recommendations == Set(Recommendation.allCases))
        #expect(
            problems.isSuperset(of: [
                "missing_fact", "wrong_type", "malformed_snapshot", "unknown_variable_type", "condition_error",
            ]))
    }

    @Test func defaultRulesCompileWithoutAnyDiagnostic() throws {
        let rules = try RuleFixtures.defaultRules()
        #expect(rules.warnings.isEmpty, "\(rules.warnings)")
        #expect(rules.name == "default-contract-approvals")
        #expect(rules.strategy == .mostRestrictive)
        #expect(rules.safeRecommendation == .hold)
    }

    @Test func tierAnalysisSeesTheDefaultTiersAndFindsThemDisjoint() throws {
        let document = try RuleFixtures.json(atPath: RuleFixtures.defaultRulesPath)
        let rules = try #require(document["rules"]?.array)
        var tiers: [String: TierAnalysis.Interval] = [:]
        for rule in rules {
            guard let when = rule["when"], let (fact, interval) = TierAnalysis.interval(when) else { continue }
            #expect(fact == "variables.contract_value")
            tiers[rule["id"]?.string ?? ""] = interval
        }
        #expect(Set(tiers.keys) == ["tier-1-director", "tier-2-cfo", "tier-3-ceo", "contract-not-positive"])
        let director = try #require(tiers["tier-1-director"])
        let cfo = try #require(tiers["tier-2-cfo"])
        let ceo = try #require(tiers["tier-3-ceo"])
        #expect(!director.intersects(cfo) && !cfo.intersects(ceo) && !director.intersects(ceo))
        #expect(director.upper == cfo.lower && cfo.upper == ceo.lower)
        #expect(!director.upperClosed && cfo.lowerClosed && !cfo.upperClosed && ceo.lowerClosed)
        let compiled = try RuleFixtures.defaultRules()
        #expect(TierAnalysis.check(compiled.compiled.rules, rulesValue: rules, strategy: compiled.strategy).isEmpty)
    }

    @Test func everyDefaultRuleExplainsItself() throws {
        let document = try RuleFixtures.json(atPath: RuleFixtures.defaultRulesPath)
        for rule in document["rules"]?.array ?? [] {
            let id = rule["id"]?.string ?? "?"
            #expect((rule["description"]?.string?.count ?? 0) >= 40, "\(id) needs a helpful description")
            #expect(rule["reason"]?.string?.contains("{{") == true, "\(id) needs a reason quoting facts")
            for escalation in rule["escalate"]?.array ?? [] {
                #expect(
                    escalation["message"]?.string?.contains("{{") == true, "\(id) escalation message should quote facts"
                )
            }
        }
    }

    @Test func testCaseCheckReportsEveryMismatch() throws {
        let (_, decision) = try run("tier2-cfo.test.json")
        let wrong = try RuleTestCase(
            [
                "snapshot": "../snapshots/tier2-cfo.json", "now": "2025-06-01T09:00:00Z",
                "expect": [
                    "recommendation": "approve", "fired_rules": ["tier-1-director"], "data_problems": ["missing_fact"],
                    "escalated_to": ["ceo@example.com"],
                    "escalations": [
                        ["to": ["cfo@example.com"], "severity": "critical"], ["message_contains": "nowhere"],
                    ],
                ],
            ], file: "\(RuleFixtures.exampleTestsDirectory)/wrong.test.json")
        let failures = wrong.check(decision)
        #expect(failures.count == 7, "\(failures)")
        #expect(failures.contains("recommendation: expected approve, got hold"))
        #expect(
            failures.contains {
                $0.hasPrefix("fired_rules:") && $0.contains("tier-1-director") && $0.contains("tier-2-cfo")
            })
        #expect(failures.contains { $0.hasPrefix("escalations: expected 2, got 1") })
    }

    @Test func testCaseMatchesEscalationsBySubsetOfFields() throws {
        let (_, decision) = try run("tier2-cfo.test.json")
        let partial = try RuleTestCase(
            [
                "snapshot": "../snapshots/tier2-cfo.json",
                "expect": [
                    "escalations": [
                        ["severity": "high", "message_contains": "worth USD 300,000.00", "rules": ["tier-2-cfo"]]
                    ]
                ],
            ], file: "\(RuleFixtures.exampleTestsDirectory)/partial.test.json")
        #expect(partial.check(decision) == [])
    }

    @Test func testCaseAcceptsAnInlineSnapshot() throws {
        let testCase = try RuleTestCase(
            [
                "description": "inline",
                "snapshot": [
                    "task_id": 1, "eligible_approvers_active": [], "next_eligible_approvers": [], "files": [],
                    "variables_to_approve": [
                        ["variable_type": "number", "value": 10, "variable_id": "contract_value"],
                        ["variable_type": "text", "value": "Acme", "variable_id": "vendor_name"],
                        ["variable_type": "date", "value": "2025-05-01", "variable_id": "effective_date"],
                    ],
                ],
                "now": "2025-06-01T00:00:00Z",
                "expect": [
                    "recommendation": "request_changes",
                    "fired_rules": ["no-active-approvers", "contract-file-required"],
                    "escalated_to": ["approvals-admin@example.com"], "data_problems": [],
                ],
            ], file: "inline.test.json")
        guard case .inline(let document) = testCase.snapshot else {
            Issue.record("the snapshot should be inline")
            return
        }
        let decision = try RuleFixtures.defaultRules().evaluate(ApprovalSnapshot(document), options: testCase.options)
        #expect(decision.recommendation == .hold)
        // request_changes was expected, but no-active-approvers holds: the check must say so.
        #expect(testCase.check(decision) == ["recommendation: expected request_changes, got hold"])
    }

    @Test(arguments: [
        (#"{"snapshot": 5, "expect": {}}"#, "/snapshot"),
        (#"{"snapshot": "x.json", "now": "tomorrow", "expect": {}}"#, "/now"),
        (#"{"snapshot": "x.json"}"#, "/expect"),
        (#"{"snapshot": "x.json", "expect": {"recommendations": "hold"}}"#, "/expect/recommendations"),
    ])
    func malformedTestCaseIsRejectedWithItsPath(text: String, path: String) throws {
        do {
            _ = try RuleTestCase(try JSONParser().parse(Array(text.utf8)), file: "examples/tests/bad.test.json")
            Issue.record("the test case should be rejected")
        } catch let error as RuleCompilationError {
            #expect(error.diagnostics.map(\.path.description) == [path])
        }
    }

    /// Paths resolve against the test file's folder, `a/..` steps removed (reports name the file
    /// as a person would write it).
    @Test(arguments: [
        ("examples/tests/a.test.json", "../snapshots/a.json", "examples/snapshots/a.json"),
        ("examples/tests/doa/a.test.json", "../../../rules/x.rules.json", "rules/x.rules.json"),
        ("doa/a.test.json", "../../../rules/x.rules.json", "../../rules/x.rules.json"),
        ("./a.test.json", "./s.json", "./s.json"),
        ("/srv/tests/a.test.json", "../s.json", "/srv/s.json"),
        ("a.test.json", "../s.json", "../s.json"),
        ("examples/tests/a.test.json", "/abs/s.json", "/abs/s.json"),
    ])
    func snapshotPathsResolveAgainstTheTestFile(_ file: String, _ written: String, _ resolved: String) throws {
        let testCase = try RuleTestCase(["snapshot": .string(written), "expect": [:]], file: file)
        guard case .file(let path) = testCase.snapshot else {
            Issue.record("the snapshot should be a file")
            return
        }
        #expect(path == resolved)
    }
}
