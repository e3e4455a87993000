import ApprovalJSON
import ApprovalWorkload
import Testing

@testable import ApprovalRules

/// A snapshot laid out ahead for a rule set (``RuleSet/prepare(_:options:)``) decides exactly as the
/// snapshot itself, under every rule set, clock and explanation: the block holds the same values
/// and readings an evaluation would look up and parse.
@Suite struct PreparedSnapshotTests {
    static let ruleFiles = [
        RuleFixtures.defaultRulesPath,
        RuleFixtures.packageRoot + "/rules/doa-matrix.rules.json",
        RuleFixtures.packageRoot + "/Benchmarks/rules/benchmark.rules.json",
    ]

    static let options = EvaluationOptions(now: RuleFixtures.exampleNow)

    /// The decision of `rules` on `snapshot`, plain and prepared, as JSON text.
    static func decisions(_ rules: RuleSet, _ snapshot: ApprovalSnapshot, _ options: EvaluationOptions) -> (
        plain: String, prepared: String
    ) {
        let prepared = rules.prepare(snapshot, options: options)
        return (
            rules.evaluate(snapshot, options: options).json.description,
            rules.evaluate(prepared, options: options).json.description
        )
    }

    @Test(arguments: ruleFiles)
    func everyExampleDecidesAsPlainUnderEachRuleSet(_ path: String) throws {
        let rules = try RuleSet(contentsOf: path)
        for name in RuleFixtures.exampleNames() {
            let snapshot = try RuleFixtures.exampleSnapshot(name)
            for explain in [false, true] {
                let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: explain)
                let (plain, prepared) = Self.decisions(rules, snapshot, options)
                #expect(prepared == plain, "\(name), explain \(explain)")
            }
        }
    }

    @Test(arguments: ruleFiles)
    func generatedSnapshotsDecideAsPlain(_ path: String) throws {
        let rules = try RuleSet(contentsOf: path)
        var differences: [String] = []
        for (index, document) in SnapshotGenerator.corpus(count: 1_000, seed: 20_261_207).enumerated() {
            var repeats: [JSONRepeatedKey] = []
            let projected = try JSONParser(options: ApprovalSnapshot.parserOptions).parse(
                JSONWriter.compact.bytes(document), projection: rules.projection, repeatedKeys: &repeats)
            let snapshot = ApprovalSnapshot(projected, repeatedKeys: repeats)
            let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: index % 10 == 0)
            let (plain, prepared) = Self.decisions(rules, snapshot, options)
            if prepared != plain {
                differences.append("snapshot \(index):\n  plain    \(plain)\n  prepared \(prepared)")
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(2).joined(separator: "\n"))")
    }

    @Test func aSnapshotPreparedForOtherRulesIsLookedUpAgain() throws {
        let defaultRules = try RuleFixtures.defaultRules()
        let matrix = try RuleSet(contentsOf: Self.ruleFiles[1])
        for name in RuleFixtures.exampleNames() {
            let snapshot = try RuleFixtures.exampleSnapshot(name)
            let preparedForDefault = defaultRules.prepare(snapshot, options: Self.options)
            #expect(
                matrix.evaluate(preparedForDefault, options: Self.options).json
                    == matrix.evaluate(snapshot, options: Self.options).json, "\(name)")
        }
    }

    /// Rules reading `now` as a fact: a block laid out at one clock is not read at another.
    @Test func aBlockLaidOutAtOneClockIsNotReadAtAnother() throws {
        let rules = try RuleSet(
            text: """
                {"name": "clock", "rules": [{"id": "late", "recommend": "hold",
                  "when": {"after": [{"var": "now"}, {"var": "variables.deadline"}]},
                  "reason": "past {{variables.deadline}} at {{now}}"}]}
                """)
        let snapshot = ApprovalSnapshot(
            ["variables_to_approve": [["variable_id": "deadline", "value": "2025-03-01", "variable_type": "date"]]])
        let early = EvaluationOptions(now: Timestamp(iso8601: "2025-02-01T00:00:00Z")!)
        let late = EvaluationOptions(now: Timestamp(iso8601: "2025-04-01T00:00:00Z")!)
        let preparedEarly = rules.prepare(snapshot, options: early)
        #expect(rules.evaluate(preparedEarly, options: early).firedRules.isEmpty)
        #expect(rules.evaluate(preparedEarly, options: late).json == rules.evaluate(snapshot, options: late).json)
        #expect(rules.evaluate(preparedEarly, options: late).firedRules.map(\.id) == ["late"])
    }

    /// The readings a block parses ahead (amounts, converted; dates) answer as the values parsed on
    /// demand do, for values that are amounts, dates, neither, or amounts without a rate: each test
    /// is written twice, once on the fact (parsed ahead) and once through an `if` (a computed value,
    /// parsed when read), and both must fare alike; prepared and plain must decide alike.
    @Test(arguments: [
        "250000", "\"USD 250000\"", "\"EUR 240000\"", "\"250000 EUR\"", "{\"amount\": 300000, \"currency\": \"GBP\"}",
        "\"CHF 1000\"", "\"2025-03-01\"", "\"2025-03-01T10:00:00Z\"", "\"soon\"", "null", "true", "[1, 2]",
        "{\"amount\": \"x\"}", "\"99999999999999999999999999999 EUR\"",
    ])
    func readingsParsedAheadAnswerAsParsedOnDemand(_ valueText: String) throws {
        let value = try JSONParser().parse(Array(valueText.utf8))
        let rules = try RuleSet(
            text: """
                {"name": "readings", "currency": {"base": "USD", "rates": {"EUR": 1.08, "GBP": 1.27}},
                 "rules": [
                  {"id": "big", "recommend": "hold", "when": {"money>=": [{"var": "variables.x"}, "USD 250000"]}},
                  {"id": "big-on-demand", "recommend": "hold",
                   "when": {"money>=": [{"if": [{"var": "variables_to_approve"}, {"var": "variables.x"}, null]}, "USD 250000"]}},
                  {"id": "dated", "recommend": "hold", "when": {"before": [{"var": "variables.x"}, "2025-06-01"]}},
                  {"id": "dated-on-demand", "recommend": "hold",
                   "when": {"before": [{"if": [{"var": "variables_to_approve"}, {"var": "variables.x"}, null]}, "2025-06-01"]}},
                  {"id": "typed", "recommend": "hold", "requires": {"variables.x": "money"},
                   "when": {"!!": {"var": "variables.x"}}, "reason": "{{variables.x | money}} {{variables.x | date}}"}
                 ]}
                """)
        let snapshot = ApprovalSnapshot(
            ["variables_to_approve": [["variable_id": "x", "value": value, "variable_type": "text"]]])
        for explain in [false, true] {
            let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: explain)
            let (plain, prepared) = Self.decisions(rules, snapshot, options)
            #expect(prepared == plain, "\(valueText), explain \(explain)")
            let decision = rules.evaluate(snapshot, options: options)
            func outcome(_ id: String) -> (fired: Bool, problems: [String]) {
                (
                    decision.firedRules.contains { $0.id == id },
                    decision.dataProblems.filter { $0.ruleID == id }.map(\.code.description)
                )
            }
            for (ahead, onDemand) in [("big", "big-on-demand"), ("dated", "dated-on-demand")] {
                #expect(outcome(ahead).fired == outcome(onDemand).fired, "\(valueText): \(ahead)")
                #expect(outcome(ahead).problems == outcome(onDemand).problems, "\(valueText): \(ahead)")
            }
        }
    }
}
