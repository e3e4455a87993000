import ApprovalJSON
import Testing

@testable import ApprovalRules

/// A snapshot with a 300,000 contract from Acme, one active approver and the contract attached.
let acmeSnapshot: ApprovalSnapshot = {
    let text = """
        {
          "task_id": 7001,
          "step_run": {"step_run_id": "sr_1", "step_id": "legal_approval", "step_name": "Legal Approval",
                       "step_type": "approval", "status": "pending", "variables": []},
          "eligible_approvers_active": ["dana.whitfield@example.com"],
          "next_eligible_approvers": [],
          "variables_to_approve": [
            {"variable_type": "number", "value": 300000, "step_id": "intake_step", "variable_id": "contract_value"},
            {"variable_type": "text", "value": "Acme Corporation", "step_id": "intake_step", "variable_id": "vendor_name"},
            {"variable_type": "file", "value": "document_1", "step_id": "intake_step", "variable_id": "contract_file"}
          ],
          "files": [{"file_id": "document_1", "file_name": "msa.pdf", "variable_id": "contract_file"}]
        }
        """
    return ApprovalSnapshot(try! JSONParser().parse(Array(text.utf8)))
}()

/// A condition that holds for ``acmeSnapshot`` and reads data (so it is not a constant).
let alwaysFires = #"{"money>=": [{"var": "variables.contract_value"}, 1]}"#
/// A condition that does not hold for ``acmeSnapshot``.
let neverFires = #"{"money<": [{"var": "variables.contract_value"}, 1]}"#

/// A rule document around `rules` (a comma-separated list of rule objects).
func ruleDocument(_ rules: String, head: String = "") -> String {
    #"{"name": "test-rules", "# + head + (head.isEmpty ? "" : ", ") + #""rules": ["# + rules + "]}"
}

/// A rule that fires and recommends `recommendation`.
func firingRule(_ id: String, _ recommendation: String, priority: Int = 0) -> String {
    #"{"id": "\#(id)", "priority": \#(priority), "when": \#(alwaysFires), "recommend": "\#(recommendation)"}"#
}

struct StrategyCase: CustomTestStringConvertible, Sendable {
    let recommendations: [String]
    let expected: Recommendation
    var testDescription: String { "\(recommendations) → \(expected.rawValue)" }
}

@Suite struct RuleActionTests {
    @Test func firingRuleRecommendationBecomesTheDecision() throws {
        let rules = try RuleSet(text: ruleDocument(firingRule("big", "request_changes")))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .requestChanges)
        #expect(decision.firedRules == [FiredRule(id: "big", recommendation: .requestChanges, reason: nil)])
        #expect(decision.dataProblems.isEmpty)
        #expect(decision.warnings.isEmpty)
    }

    static let strategyCases: [StrategyCase] = [
        StrategyCase(recommendations: ["approve"], expected: .approve),
        StrategyCase(recommendations: ["approve", "request_changes"], expected: .requestChanges),
        StrategyCase(recommendations: ["request_changes", "hold", "approve"], expected: .hold),
        StrategyCase(recommendations: ["hold", "reject", "approve"], expected: .reject),
        StrategyCase(recommendations: ["reject", "approve"], expected: .reject),
    ]

    @Test(arguments: strategyCases)
    func mostRestrictiveTakesTheStrictestRecommendationOfAllFiringRules(_ testCase: StrategyCase) throws {
        let rules = testCase.recommendations.enumerated().map { firingRule("r\($0)", $1) }.joined(separator: ",")
        let decision = try RuleSet(text: ruleDocument(rules, head: #""strategy": "most_restrictive""#)).evaluate(
            acmeSnapshot)
        #expect(decision.recommendation == testCase.expected)
        #expect(decision.firedRules.count == testCase.recommendations.count)
    }

    @Test func mostRestrictiveIsTheDefaultStrategy() throws {
        let rules = try RuleSet(text: ruleDocument(firingRule("a", "approve") + "," + firingRule("b", "hold")))
        #expect(rules.strategy == .mostRestrictive)
        #expect(rules.evaluate(acmeSnapshot).recommendation == .hold)
    }

    @Test func firstMatchStopsAtTheFirstRecommendingRuleInPriorityOrder() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                """
                {"id": "low-reject", "priority": 1, "when": {"has_file": "contract_file"}, "recommend": "reject"},
                {"id": "notify", "priority": 9, "when": \(alwaysFires),
                 "escalate": {"to": "legal@example.com", "message": "FYI"}},
                {"id": "not-matching", "priority": 7, "when": \(neverFires), "recommend": "hold"},
                \(firingRule("mid-approve", "approve", priority: 5))
                """, head: #""strategy": "first_match""#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .approve)
        #expect(decision.firedRules.map(\.id) == ["notify", "mid-approve"])
        #expect(decision.escalations.map(\.ruleIDs) == [["notify"]])
    }

    @Test func firstMatchFallsBackToTheDefaultWhenNothingRecommends() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "no", "when": \#(neverFires), "recommend": "approve"}"#,
                head: #""strategy": "first_match", "default_recommendation": "request_changes""#))
        #expect(rules.evaluate(acmeSnapshot).recommendation == .requestChanges)
    }

    @Test func rulesRunByDescendingPriorityWithTiesInDocumentOrder() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                [
                    firingRule("a", "approve", priority: 0), firingRule("b", "approve", priority: 10),
                    firingRule("c", "approve", priority: 10), firingRule("d", "approve", priority: -5),
                    firingRule("e", "approve", priority: 3),
                ].joined(separator: ",")))
        #expect(rules.ruleIDs == ["b", "c", "e", "a", "d"])
        #expect(rules.evaluate(acmeSnapshot).firedRules.map(\.id) == ["b", "c", "e", "a", "d"])
    }

    @Test func disabledRuleIsNeitherCompiledNorEvaluated() throws {
        // Its condition names an operator that does not exist: a disabled rule is not checked.
        let rules = try RuleSet(
            text: ruleDocument(
                """
                {"id": "off", "enabled": false, "when": {"no_such_operator": []}, "recommend": "reject"},
                {"id": "on", "enabled": true, "when": \(alwaysFires), "recommend": "approve"}
                """))
        #expect(rules.ruleIDs == ["on"])
        #expect(rules.warnings.isEmpty)
        #expect(rules.evaluate(acmeSnapshot).recommendation == .approve)
    }

    @Test func enabledMustBeTrueOrFalse() {
        let found = diagnostics(
            compiling: ruleDocument(#"{"id": "r", "enabled": "no", "when": \#(alwaysFires), "recommend": "hold"}"#))
        #expect(found.map(\.code) == [.invalidFieldType])
        #expect(found.first?.path.description == "/rules/0/enabled")
    }

    @Test func defaultRecommendationAppliesWhenNoRuleRecommends() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "notify", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "FYI"}}"#,
                head: #""default_recommendation": "approve""#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .approve)
        #expect(decision.firedRules == [FiredRule(id: "notify", recommendation: nil, reason: nil)])
        #expect(decision.escalations.count == 1)
    }

    @Test func defaultAndSafeRecommendationsAreHoldWhenNotSet() throws {
        let rules = try RuleSet(text: ruleDocument(#"{"id": "no", "when": \#(neverFires), "recommend": "approve"}"#))
        #expect(rules.defaultRecommendation == .hold)
        #expect(rules.safeRecommendation == .hold)
        #expect(rules.evaluate(acmeSnapshot).recommendation == .hold)
    }

    @Test(arguments: [
        ("reject", "approve", Recommendation.reject),
        ("request_changes", "hold", Recommendation.hold),
        ("request_changes", "approve", Recommendation.requestChanges),
        ("hold", "approve", Recommendation.hold),
    ])
    func safeRecommendationIsTheFloorWhenDataIsMissing(safe: String, recommended: String, expected: Recommendation)
        throws
    {
        let rules = try RuleSet(
            text: ruleDocument(
                firingRule("r", recommended),
                head: #""safe_recommendation": "\#(safe)", "required_facts": {"variables.department": "string"}"#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == expected)
        #expect(decision.dataProblems.map(\.code.description) == ["missing_fact"])
        #expect(decision.warnings == ["data problems found: the recommendation is at least \(safe)"])
    }

    @Test func safeRecommendationDoesNotApplyWhenTheDataIsComplete() throws {
        let rules = try RuleSet(
            text: ruleDocument(firingRule("r", "approve"), head: #""safe_recommendation": "reject""#))
        #expect(rules.evaluate(acmeSnapshot).recommendation == .approve)
    }

    @Test func reasonTemplateQuotesFactsAndMarksMissingOnes() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "r", "when": \#(alwaysFires), "recommend": "hold",
                 "reason": "{{variables.vendor_name}}: value {{ variables.contract_value }}, approvers {{approvers.active}}, department {{variables.department}}, task {{task_id}}"}
                """#))
        let reason = rules.evaluate(acmeSnapshot).firedRules.first?.reason
        #expect(
            reason
                == #"Acme Corporation: value 300000, approvers ["dana.whitfield@example.com"], department (missing), task 7001"#
        )
    }

    /// Templates write integers and plain strings straight into a byte buffer; every other value,
    /// and any string that could hold a URL's signature, goes through `TraceText.plain`. Both ways
    /// must read the same as `TraceText.plain` of the value.
    @Test(arguments: [
        JSONValue.integer(0), -5, 300_000, .integer(.max), .integer(.min), 12345.67, -0.5, 1e21, 3.0, true, false,
        "Acme Corporation", "", "é ünïcode ✓", "https://s.example.com/a.pdf?X-Amz-Expires=1&X-Amz-Signature=abc",
        ["a", 1], ["k": "v"], .string(String(repeating: "x", count: 300)),
    ])
    func templatesRenderEveryValueAsItReadsInText(_ value: JSONValue) throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "<{{variables.v}}>"}"#))
        var document = acmeSnapshot.document.object ?? JSONObject()
        var variables = document["variables_to_approve"]?.array ?? []
        variables.append(["variable_type": "text", "value": value, "variable_id": "v"])
        document["variables_to_approve"] = .array(variables)
        let reason = rules.evaluate(ApprovalSnapshot(.object(document))).firedRules.first?.reason
        #expect(reason == "<" + TraceText.plain(value) + ">")
    }

    @Test func longRenderingsAreCutOnACharacterBoundary() throws {
        var limits = Limits()
        limits.templateOutputLength = 20
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "ééééé {{variables.vendor_name}} and more"}"#
            ),
            limits: limits)
        let reason = try #require(rules.evaluate(acmeSnapshot).firedRules.first?.reason)
        #expect(reason.utf8.count <= 20 && reason.hasSuffix("..."))
        #expect(reason == "ééééé Acme C...")
    }

    @Test func reasonFallsBackToTheDescription() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "described", "description": "Large contract", "when": \#(alwaysFires), "recommend": "hold"},
                {"id": "bare", "when": \#(alwaysFires), "recommend": "hold"}
                """#))
        let fired = rules.evaluate(acmeSnapshot).firedRules
        #expect(fired.map(\.reason) == ["Large contract", nil])
    }

    @Test func templatesQuoteTheEvaluationClockAsNow() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "checked at {{now}}"}"#))
        let decision = rules.evaluate(
            acmeSnapshot, options: EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T11:00:00+02:00")))
        #expect(decision.firedRules.first?.reason == "checked at 2025-06-01T09:00:00Z")
        #expect(rules.evaluate(acmeSnapshot).firedRules.first?.reason == "checked at (missing)")
    }

    @Test func templatesQuotingPresignedURLsRedactTheirSignatures() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "see {{files.0.download_url}}"}"#)
        )
        let snapshot = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": [{"variable_type": "number", "value": 5, "variable_id": "contract_value"}],
                 "files": [{"file_id": "document_1", "variable_id": "contract_file",
                            "download_url": "https://storage.example.com/t/1/msa.pdf?X-Amz-Expires=3600&X-Amz-Signature=0123abcd"}]}
                """)
        let reason = try #require(rules.evaluate(snapshot).firedRules.first?.reason)
        #expect(reason == "see https://storage.example.com/t/1/msa.pdf?X-Amz-Expires=3600&X-Amz-Signature=REDACTED")
    }

    @Test func escalationsWithTheSameAddressesAndMessageMergeAtTheHighestSeverity() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "first", "priority": 2, "when": \#(alwaysFires),
                 "escalate": {"to": "legal@example.com", "severity": "low", "message": "Review {{variables.vendor_name}}"}},
                {"id": "second", "priority": 1, "when": \#(alwaysFires),
                 "escalate": [{"to": ["legal@example.com"], "severity": "high", "message": "Review {{variables.vendor_name}}"}]}
                """#))
        let escalations = rules.evaluate(acmeSnapshot).escalations
        #expect(
            escalations == [
                Escalation(
                    to: ["legal@example.com"], severity: .high, message: "Review Acme Corporation",
                    ruleIDs: ["first", "second"])
            ])
    }

    @Test func escalationsWithOtherAddressesOrMessagesStaySeparate() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "a", "when": \#(alwaysFires), "escalate": [
                  {"to": "legal@example.com", "message": "Review"},
                  {"to": "cfo@example.com", "message": "Review"},
                  {"to": "legal@example.com", "message": "Review {{task_id}}"}
                ]}
                """#))
        let escalations = rules.evaluate(acmeSnapshot).escalations
        #expect(escalations.map(\.to) == [["legal@example.com"], ["cfo@example.com"], ["legal@example.com"]])
        #expect(escalations.map(\.message) == ["Review", "Review", "Review 7001"])
    }

    @Test func oneRuleEscalatingTwiceAlikeIsOneEscalation() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "a", "when": \#(alwaysFires), "escalate": [
                  {"to": "legal@example.com", "severity": "medium", "message": "Review"},
                  {"to": "legal@example.com", "severity": "critical", "message": "Review"}
                ]}
                """#))
        let escalations = rules.evaluate(acmeSnapshot).escalations
        #expect(
            escalations == [
                Escalation(to: ["legal@example.com"], severity: .critical, message: "Review", ruleIDs: ["a"])
            ])
    }

    @Test func escalationSeverityDefaultsToMediumAndAcceptsSeveralAddresses() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "a", "when": \#(alwaysFires), "escalate": {"to": ["cfo@example.com", "ceo@example.com"], "message": "Big"}}"#
            ))
        let escalation = try #require(rules.evaluate(acmeSnapshot).escalations.first)
        #expect(escalation.severity == .medium)
        #expect(escalation.to == ["cfo@example.com", "ceo@example.com"])
    }

    @Test func ruleThatDoesNotFireNeitherRecommendsNorEscalates() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "a", "when": \#(neverFires), "recommend": "reject", "escalate": {"to": "cfo@example.com", "message": "x"}}"#
            ))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.firedRules.isEmpty)
        #expect(decision.escalations.isEmpty)
        #expect(decision.recommendation == .hold)
    }

    @Test func renderedMessagesAreCutAtTheTemplateLimit() throws {
        var limits = Limits.default
        limits.templateOutputLength = 24
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "a", "when": \#(alwaysFires), "recommend": "hold",
                 "reason": "Vendor {{variables.vendor_name}} wants {{variables.contract_value}} for the whole year",
                 "escalate": {"to": "cfo@example.com", "message": "Vendor {{variables.vendor_name}} wants more"}}
                """#), limits: limits)
        let decision = rules.evaluate(acmeSnapshot)
        let reason = try #require(decision.firedRules.first?.reason)
        #expect(reason == "Vendor Acme Corporati...")
        #expect(reason.utf8.count <= 24)
        #expect(decision.escalations.first?.message.hasSuffix("...") == true)
    }

    @Test func recommendationsAndSeveritiesAreOrderedByUrgency() {
        #expect(Recommendation.allCases.sorted() == [.approve, .requestChanges, .hold, .reject])
        #expect(Severity.allCases.sorted() == [.low, .medium, .high, .critical])
        #expect(Recommendation(rawValue: "request_changes") == .requestChanges)
    }
}
