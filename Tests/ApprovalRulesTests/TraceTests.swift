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
        #expect(texts.contains("contract value USD 300,000.00 ≥ USD 250,000.00"), "\(texts)")
        #expect(texts.contains("contract value USD 300,000.00 < USD 1,000,000.00"), "\(texts)")
        let first = try #require(tier.events.first { $0.text == "contract value USD 300,000.00 ≥ USD 250,000.00" })
        #expect(first.result == true)
        #expect(first.path.description == "/rules/6/when/and/0")
        #expect(first.line == "contract value USD 300,000.00 ≥ USD 250,000.00: yes")
    }

    @Test func explanationShowsWhyATierDidNotFire() throws {
        let tier = try trace(of: "tier-3-ceo", in: try explain("tier2-cfo"))
        #expect(!tier.fired)
        #expect(tier.events.map(\.text).contains("contract value USD 300,000.00 ≥ USD 1,000,000.00"))
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
            outsider.lines.contains(
                #""jordan.blake@example.com.evil.test" within example.com: no → "outside example.com": yes"#),
            "\(outsider.lines)")
        let file = try trace(of: "contract-file-required", in: decision)
        #expect(file.lines == [#"contract file attached: yes → "no contract file": no"#])
        #expect(file.events.map(\.result) == [true, false], "the JSON trace keeps the test and its negation")
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

    // MARK: - Readable forms (issue 24)

    @Test func foreignAmountsShowTheConversionThatDecided() throws {
        let tier = try trace(of: "tier-2-cfo", in: try explain("eur-currency"))
        #expect(
            tier.lines == [
                "contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) ≥ USD 250,000.00: yes",
                "contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) < USD 1,000,000.00: yes",
            ])
    }

    @Test func negationsReadAsTheTestAndItsOpposite() throws {
        let decision = try explain("missing-contract-file")
        let file = try trace(of: "contract-file-required", in: decision)
        #expect(file.lines == [#"contract file attached: no → "no contract file": yes"#])
        #expect(file.events.map(\.path.description) == ["/rules/9/when/!", "/rules/9/when"])
        let approvers = try trace(of: "no-active-approvers", in: decision)
        #expect(
            approvers.lines == [
                #"active approvers: dana.whitfield@example.com → "no active approvers": no"#
            ])
        let vendor = try trace(of: "possible-blocked-vendor", in: decision)
        #expect(
            vendor.lines.first
                == #"vendor name "Lakeside Print AB" on the blocked vendors list: no → "not on the blocked vendors list": yes"#
        )
    }

    @Test func datesReadAsDaysAndLabelsAsWords() throws {
        let stale = try trace(of: "stale-effective-date", in: try explain("effective-date-stale"))
        #expect(
            stale.lines == [
                "days since effective date 2 December 2024: 181",
                "days since effective date 181 > 180: yes",
            ])
    }

    /// No explanation of a shipped example prints an operator symbol of the rule language, a raw
    /// money object or an identifier with underscores.
    @Test func noShippedExplanationReadsLikeCode() throws {
        for name in RuleFixtures.exampleNames() {
            let decision = try explain(name)
            for event in (decision.trace ?? []).flatMap(\.events) {
                #expect(!event.text.hasPrefix("!"), "\(name): \(event.text)")
                #expect(!event.text.contains("{\"amount\""), "\(name): \(event.text)")
                #expect(!event.text.contains(">="), "\(name): \(event.text)")
                #expect(!event.text.contains("contract_value"), "\(name): \(event.text)")
            }
        }
    }

    @Test func jsonTraceKeepsPathTextAndResult() throws {
        let json = try explain("eur-currency").json
        let step = try #require(json["trace"]?.array?.first { $0["rule_id"] == "tier-2-cfo" }?["steps"]?.array?.first)
        #expect(step.object?.keys == ["path", "text", "result"])
        #expect(step["path"] == "/rules/6/when/and/0")
        #expect(step["text"] == "contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) ≥ USD 250,000.00")
        #expect(step["result"] == true)
    }

    @Test(arguments: [
        (["variables", "contract_value"], "contract value"), (["approvers", "active"], "active approvers"),
        (["approvers", "all"], "approvers"), (["owner"], "task owner"), (["now"], "evaluation date"),
        (["files_by_variable", "contract_file"], "files for contract file"),
        (["variables", "contract_value", "currency"], "contract value currency"),
        (["step_run", "step_id"], "step run step id"),
    ])
    func labelsReadAsWords(steps: [String], expected: String) {
        #expect(Readable.label(steps) == expected)
    }
}
