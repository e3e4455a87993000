import ApprovalJSON
import Testing

@testable import ApprovalRules

/// ``RuleCoverage``: what it counts, and that measuring changes no decision.
@Suite struct CoverageTests {
    /// A rule set with one branch point of each kind.
    static let document: JSONValue = [
        "name": "branches",
        "rules": [
            [
                "id": "both", "recommend": "hold",
                "when": [
                    "and": [
                        [">=": [["var": "variables.contract_value"], 100]],
                        ["or": [["==": [["var": "variables.department"], "legal"]], ["var": "variables.urgent"]]],
                    ]
                ],
            ],
            [
                "id": "choice", "recommend": "reject",
                "when": [
                    "if": [["var": "variables.urgent"], false, [">": [["var": "variables.contract_value"], 500]]]
                ],
            ],
        ],
    ]

    static func snapshot(_ variables: [String: JSONValue]) -> ApprovalSnapshot {
        DecisionTableTests.snapshot(for: .object(JSONObject(variables.map { ("variables." + $0.key, $0.value) })))
    }

    @Test func countsEachRuleAndEachBranchOutcome() throws {
        var coverage = try RuleCoverage(try RuleSet(json: Self.document))
        #expect(
            coverage.branches.map { "\($0.kind) \($0.path)" } == [
                "and operand /rules/0/when/and/0", "and operand /rules/0/when/and/1",
                "or operand /rules/0/when/and/1/or/0", "or operand /rules/0/when/and/1/or/1",
                "if condition /rules/1/when/if/0",
            ])
        // 200, legal, not urgent: `both` fires (the or's second operand is not evaluated);
        // `choice` takes the else branch.
        _ = coverage.evaluate(Self.snapshot(["contract_value": 200, "department": "legal", "urgent": false]))
        // 50: the and stops at its first operand; `choice` sees urgent.
        _ = coverage.evaluate(Self.snapshot(["contract_value": 50, "department": "it", "urgent": true]))
        #expect(coverage.cases == 2)
        #expect(coverage.rules.map { "\($0.id) \($0.fired)/\($0.notFired)" } == ["both 1/1", "choice 0/2"])
        #expect(coverage.branches.map { "\($0.truthy)/\($0.falsy)" } == ["1/1", "1/0", "1/0", "0/0", "1/1"])
        #expect(coverage.ruleCoverage == 50)
        #expect(coverage.branchCoverage == 40)
        // In document order, each with where it is.
        #expect(
            coverage.uncovered.map { "(at " + $0.split(separator: "(at ", maxSplits: 1).last! } == [
                "(at /rules/0/when/and/1): and operand in rule both never false",
                "(at /rules/0/when/and/1/or/0): or operand in rule both never false",
                "(at /rules/0/when/and/1/or/1): or operand in rule both never evaluated",
                "(at /rules/1): rule choice never fired",
            ])
    }

    @Test func plainRuleSetsHaveNoBranchPoints() throws {
        let rules = try RuleFixtures.defaultRules()
        #expect(rules.compiled.rules.allSatisfy { $0.branchPoints.isEmpty })
        let measured = try RuleCoverage(rules)
        #expect(measured.branches.count == 10)
    }

    /// Measuring must not change a decision, explained or not, on any shipped example.
    @Test(arguments: RuleFixtures.exampleNames())
    func measuredDecisionsAreThePlainOnes(_ name: String) throws {
        let rules = try RuleFixtures.defaultRules()
        var coverage = try RuleCoverage(rules)
        let snapshot = try RuleFixtures.exampleSnapshot(name)
        for explain in [false, true] {
            let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: explain)
            let measured = coverage.evaluate(snapshot, options: options)
            let plain = rules.evaluate(snapshot, options: options)
            #expect(JSONWriter.compact.string(measured.json) == JSONWriter.compact.string(plain.json))
        }
    }

    @Test func tableRowsAreRulesOfTheirOwn() throws {
        let rules = try RuleSet(contentsOf: RuleFixtures.packageRoot + "/rules/doa-matrix.rules.json")
        var coverage = try RuleCoverage(rules, file: "rules/doa-matrix.rules.json")
        _ = coverage.evaluate(
            DecisionTableTests.snapshot(for: [
                "variables.contract_value": 10, "variables.department": "it", "variables.contract_type": "nda",
            ]))
        #expect(coverage.rules.map(\.id) == (1...7).map { "doa/row-\($0)" })
        #expect(coverage.rules.filter { $0.fired > 0 }.map(\.id) == ["doa/row-2"])
        #expect(coverage.rules[0].location?.line == 24)
        #expect(
            coverage.uncovered.first
                == "rules/doa-matrix.rules.json:24:9 (at /tables/0/rows/0): rule doa/row-1 never fired")
    }
}
