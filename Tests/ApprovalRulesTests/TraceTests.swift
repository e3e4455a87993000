import ApprovalJSON
import Testing

@testable import ApprovalRules

@Suite struct TraceTests {
    func explain(_ example: String) throws -> Decision {
        try RuleFixtures.defaultRules().evaluate(
            try RuleFixtures.exampleSnapshot(example),
            options: EvaluationOptions(now: RuleFixtures.exampleNow, explain: true))
    }

    func trace(of rule: String, in decision: Decision) throws -> RuleTrace {
        try #require(decision.trace?.first { $0.ruleID == rule })
    }

    @Test func explanationReadsLikeTheRuleWithTheFactsFilledIn() throws {
        let tier = try trace(of: "tier-2-cfo", in: try explain("tier2-cfo"))
        #expect(tier.fired)
        #expect(tier.failure == nil)
        let texts = tier.events.map(\.text)
        #expect(texts.contains("contract_value 300000 >= 250000"), "\(texts)")
        #expect(texts.contains("contract_value 300000 < 1000000"), "\(texts)")
        let first = try #require(tier.events.first { $0.text == "contract_value 300000 >= 250000" })
        #expect(first.result == true)
        #expect(first.path.description == "/rules/6/when/and/0")
    }

    @Test func explanationShowsWhyATierDidNotFire() throws {
        let tier = try trace(of: "tier-3-ceo", in: try explain("tier2-cfo"))
        #expect(!tier.fired)
        #expect(tier.events.map(\.text).contains("contract_value 300000 >= 1000000"))
        #expect(tier.events.last?.result == false)
    }

    @Test func explanationCoversEveryRuleInEvaluationOrder() throws {
        let decision = try explain("tier2-cfo")
        #expect(decision.trace?.map(\.ruleID) == (try RuleFixtures.defaultRules().ruleIDs))
        #expect(decision.trace?.filter(\.fired).map(\.ruleID) == decision.firedRules.map(\.id))
    }

    @Test func explanationOfDomainOperatorsNamesWhatWasTested() throws {
        let decision = try explain("lookalike-domain-evil-test")
        let outsider = try trace(of: "approver-outside-company", in: decision)
        #expect(
            outsider.events.contains {
                $0.text.contains("jordan.blake@example.com.evil.test")
                    && $0.text.contains("domain_ends_with example.com")
            })
        let file = try trace(of: "contract-file-required", in: decision)
        #expect(file.events.contains { $0.text == "file attached for contract_file" && $0.result == true })
    }

    @Test func explanationRecordsConditionErrors() throws {
        let decision = try explain("files-listing-incomplete")
        let failed = try trace(of: "contract-file-required", in: decision)
        #expect(!failed.fired)
        #expect(failed.failure?.hasPrefix("Incomplete Data") == true)
    }

    @Test func explanationIsOnlyMadeWhenAskedFor() throws {
        let decision = try RuleFixtures.defaultRules().evaluate(
            try RuleFixtures.exampleSnapshot("tier2-cfo"), options: EvaluationOptions(now: RuleFixtures.exampleNow))
        #expect(decision.trace == nil)
    }

    @Test func explainingDoesNotChangeTheDecision() throws {
        let rules = try RuleFixtures.defaultRules()
        for name in RuleFixtures.exampleNames() {
            let snapshot = try RuleFixtures.exampleSnapshot(name)
            var explained = rules.evaluate(
                snapshot, options: EvaluationOptions(now: RuleFixtures.exampleNow, explain: true))
            explained.trace = nil
            #expect(
                explained == rules.evaluate(snapshot, options: EvaluationOptions(now: RuleFixtures.exampleNow)),
                "\(name)")
        }
    }
}
