import ApprovalJSON
import Testing

@testable import ApprovalRules

struct FactTypeCase: CustomTestStringConvertible, Sendable {
    let type: FactType
    let value: JSONValue
    let accepted: Bool
    var testDescription: String { "\(type.rawValue) \(accepted ? "accepts" : "rejects") \(value)" }
}

struct VariableShapeCase: CustomTestStringConvertible, Sendable {
    let variableType: String
    let value: JSONValue
    /// The data problem code expected, or `nil` when the value fits its type.
    let problem: String?
    var testDescription: String { "\(variableType) holding \(value) → \(problem ?? "fine")" }
}

/// A snapshot whose only variable is `contract_value` with this type and value.
func snapshotWithContractValue(type: String, value: JSONValue) -> ApprovalSnapshot {
    ApprovalSnapshot([
        "task_id": 1,
        "eligible_approvers_active": ["dana@example.com"],
        "variables_to_approve": [
            ["variable_type": .string(type), "value": value, "step_id": "intake", "variable_id": "contract_value"]
        ],
        "files": [],
    ])
}

/// Reads `variables.contract_value`, and approves when it is at least 1.
let readsContractValue = ruleDocument(
    #"{"id": "read", "when": {"money>=": [{"var": "variables.contract_value"}, 1]}, "recommend": "approve"}"#)

@Suite struct FailClosedTests {
    // MARK: - Required facts

    @Test func missingRequiredFactFailsClosedAndNamesTheFact() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                firingRule("r", "approve"),
                head: #""required_facts": {"variables.vendor_name": "string", "variables.department": "string"}"#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(
            decision.dataProblems == [
                DataProblem(
                    code: .missingFact, message: "required fact variables.department is missing",
                    path: "variables.department",
                    ruleID: nil)
            ])
        #expect(decision.recommendation == .hold)
        #expect(decision.firedRules.map(\.id) == ["r"])
    }

    @Test func nullRequiredFactCountsAsMissing() throws {
        let rules = try RuleSet(
            text: ruleDocument(firingRule("r", "approve"), head: #""required_facts": {"variables.department": "any"}"#))
        let snapshot = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": [
                  {"variable_type": "number", "value": 5, "variable_id": "contract_value"},
                  {"variable_type": "select", "value": null, "variable_id": "department"}]}
                """)
        #expect(rules.evaluate(snapshot).dataProblems.map(\.code.description) == ["missing_fact"])
    }

    @Test func wrongTypedRequiredFactIsReportedWithItsValue() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": true, "recommend": "approve"}"#,
                head: #""required_facts": {"variables.contract_value": "money"}"#))
        let decision = rules.evaluate(snapshotWithContractValue(type: "text", value: "TBD"))
        #expect(
            decision.dataProblems == [
                DataProblem(
                    code: .wrongType,
                    message: #"required fact variables.contract_value should be money, got string "TBD""#,
                    path: "variables.contract_value", ruleID: nil)
            ])
        #expect(decision.recommendation == .hold)
    }

    static let factTypeCases: [FactTypeCase] = [
        FactTypeCase(type: .string, value: "Acme", accepted: true),
        FactTypeCase(type: .string, value: 5, accepted: false),
        FactTypeCase(type: .number, value: 5.5, accepted: true),
        FactTypeCase(type: .number, value: "5.5", accepted: false),
        FactTypeCase(type: .money, value: "50000.00", accepted: true),
        FactTypeCase(type: .money, value: ["amount": "10", "currency": "EUR"], accepted: true),
        FactTypeCase(type: .money, value: "EUR 10", accepted: true),
        FactTypeCase(type: .money, value: "abc", accepted: false),
        FactTypeCase(type: .money, value: "50,000", accepted: false),
        FactTypeCase(type: .integer, value: 12, accepted: true),
        FactTypeCase(type: .integer, value: 12.0, accepted: true),
        FactTypeCase(type: .integer, value: 12.5, accepted: false),
        FactTypeCase(type: .boolean, value: false, accepted: true),
        FactTypeCase(type: .boolean, value: "false", accepted: false),
        FactTypeCase(type: .date, value: "2025-01-20", accepted: true),
        FactTypeCase(type: .date, value: "2025-01-20T10:00:00Z", accepted: false),
        FactTypeCase(type: .date, value: "2025-02-30", accepted: false),
        FactTypeCase(type: .datetime, value: "2025-01-20T10:00:00Z", accepted: true),
        FactTypeCase(type: .datetime, value: "2025-01-20", accepted: true),
        FactTypeCase(type: .datetime, value: "2025-01-20T10:00:00", accepted: false),
        FactTypeCase(type: .email, value: "dana@example.com", accepted: true),
        FactTypeCase(type: .email, value: "dana at example.com", accepted: false),
        FactTypeCase(type: .array, value: [], accepted: true),
        FactTypeCase(type: .array, value: "a", accepted: false),
        FactTypeCase(type: .object, value: [:], accepted: true),
        FactTypeCase(type: .object, value: [], accepted: false),
        FactTypeCase(type: .file, value: "document_1", accepted: true),
        FactTypeCase(type: .file, value: ["document_1"], accepted: true),
        FactTypeCase(type: .file, value: "", accepted: false),
        FactTypeCase(type: .file, value: [], accepted: false),
        FactTypeCase(type: .any, value: false, accepted: true),
    ]

    @Test(arguments: factTypeCases)
    func factTypesAcceptOnlyTheirValues(_ testCase: FactTypeCase) {
        #expect(testCase.type.accepts(testCase.value) == testCase.accepted)
    }

    @Test func everyFactTypeHasAcceptAndRejectCases() {
        for type in FactType.allCases where type != .any {
            let outcomes = Set(Self.factTypeCases.filter { $0.type == type }.map(\.accepted))
            #expect(outcomes == [true, false], "\(type.rawValue)")
        }
    }

    // MARK: - Rule-level requirements

    @Test func ruleRequirementsSkipTheRuleAndFailClosed() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "needs-date", "requires": {"variables.effective_date": "date"}, "when": \#(alwaysFires), "recommend": "approve"}"#,
                head: #""default_recommendation": "approve""#))
        let decision = rules.evaluate(acmeSnapshot, options: EvaluationOptions(explain: true))
        #expect(decision.firedRules.isEmpty)
        #expect(
            decision.dataProblems == [
                DataProblem(
                    code: .missingFact, message: "required fact variables.effective_date is missing",
                    path: "variables.effective_date", ruleID: "needs-date")
            ])
        #expect(decision.recommendation == .hold)
        #expect(decision.trace?.first?.failure == "required facts missing or invalid")
    }

    @Test func ruleRequirementOfTheWrongTypeIsReportedForThatRule() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "needs-number", "requires": {"variables.vendor_name": "number"}, "when": \#(alwaysFires), "recommend": "hold"}"#
            ))
        let problem = try #require(rules.evaluate(acmeSnapshot).dataProblems.first)
        #expect(problem.code.description == "wrong_type")
        #expect(problem.ruleID == "needs-number")
    }

    @Test func ruleRequirementsThatHoldLetTheRuleRun() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "requires": {"variables.vendor_name": "string", "approvers.active": "array"}, "when": \#(alwaysFires), "recommend": "approve"}"#
            ))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .approve)
        #expect(decision.dataProblems.isEmpty)
    }

    // MARK: - Approvals resting on missing facts

    @Test func approveRuleThatReadAMissingFactDoesNotApprove() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "no-department", "when": {"!": {"var": "variables.department"}}, "recommend": "approve"}"#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.firedRules == [FiredRule(id: "no-department", recommendation: nil, reason: nil)])
        #expect(
            decision.dataProblems == [
                DataProblem(
                    code: .missingFact,
                    message: #"rule "no-department" would approve, but variables.department is missing"#,
                    path: "variables.department", ruleID: "no-department")
            ])
        #expect(decision.recommendation == .hold)
    }

    @Test func approvalRestingOnAFileWhoseVariableIsMissingDoesNotApprove() throws {
        // has_file "contract_file" reads variables.contract_file: a file listed for a variable the
        // snapshot does not have is not enough to approve.
        let rules = try RuleSet(
            text: ruleDocument(#"{"id": "attached", "when": {"has_file": "contract_file"}, "recommend": "approve"}"#))
        let snapshot = try ApprovalSnapshot(
            text: #"{"variables_to_approve": [], "files": [{"file_id": "document_1", "variable_id": "contract_file"}]}"#
        )
        let decision = rules.evaluate(snapshot)
        #expect(decision.firedRules == [FiredRule(id: "attached", recommendation: nil, reason: nil)])
        #expect(decision.dataProblems.map(\.path) == ["variables.contract_file"])
        #expect(decision.recommendation == .hold)
        #expect(rules.evaluate(acmeSnapshot).recommendation == .approve)
    }

    @Test func nonApprovingRuleMayReadAMissingFact() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "no-department", "when": {"!": {"var": "variables.department"}}, "recommend": "request_changes"}"#
            ))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .requestChanges)
        #expect(decision.dataProblems.isEmpty)
    }

    @Test func approveRuleReadingOnlyPresentFactsApproves() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "known-vendor", "when": {"in_list": [{"var": "variables.vendor_name"}, "vendors"]}, "recommend": "approve"}"#,
                head: #""lists": {"vendors": ["acme corporation"]}"#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.recommendation == .approve)
        #expect(decision.dataProblems.isEmpty)
    }

    // MARK: - Condition errors

    @Test func conditionErrorFailsClosedWithoutStoppingOtherRules() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                """
                {"id": "read", "when": {"money>=": [{"var": "variables.contract_value"}, 1]}, "recommend": "approve"},
                {"id": "other", "when": true, "recommend": "request_changes"}
                """))
        let decision = rules.evaluate(snapshotWithContractValue(type: "text", value: "TBD"))
        let problem = try #require(decision.dataProblems.first)
        #expect(decision.dataProblems.count == 1)
        #expect(problem.code.description == "condition_error")
        #expect(problem.ruleID == "read")
        #expect(problem.message.contains("NaN"))
        #expect(decision.firedRules.map(\.id) == ["other"])
        #expect(decision.recommendation == .hold)
    }

    @Test func conditionErrorUnderFirstMatchMovesOnAndKeepsTheSafeFloor() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                """
                {"id": "broken", "priority": 2, "when": {"money>=": [{"var": "variables.contract_value"}, 1]}, "recommend": "reject"},
                {"id": "fallback", "priority": 1, "when": true, "recommend": "approve"}
                """, head: #""strategy": "first_match""#))
        let decision = rules.evaluate(snapshotWithContractValue(type: "text", value: "TBD"))
        #expect(decision.firedRules.map(\.id) == ["fallback"])
        #expect(decision.dataProblems.map(\.code.description) == ["condition_error"])
        #expect(decision.recommendation == .hold)
    }

    @Test func relativeDateWithoutAClockFailsClosed() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "stale", "when": {"days_since": "2024-01-01"}, "recommend": "request_changes"}"#,
                head: #""default_recommendation": "approve""#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.dataProblems.map(\.code.description) == ["condition_error"])
        #expect(decision.dataProblems.first?.message.contains("No Clock") == true)
        #expect(decision.recommendation == .hold)
    }

    @Test func exhaustedStepBudgetFailsClosed() throws {
        var limits = Limits.default
        limits.evaluationSteps = 2
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "outsider", "when": {"some": [{"var": "approvers.all"}, {"!": {"domain_ends_with": [{"var": ""}, "example.com"]}}]}, "recommend": "hold"}"#,
                head: #""default_recommendation": "approve""#), limits: limits)
        let snapshot = try ApprovalSnapshot(
            text:
                #"{"eligible_approvers_active": ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"]}"#
        )
        let decision = rules.evaluate(snapshot)
        #expect(decision.dataProblems.map(\.code.description) == ["condition_error"])
        #expect(decision.dataProblems.first?.message.contains("Step Budget Exceeded") == true)
        #expect(decision.recommendation == .hold)
    }

    // MARK: - Snapshot shape

    @Test func variablesToApproveThatIsNotAnArrayIsMalformed() throws {
        let rules = try RuleSet(text: readsContractValue)
        let snapshot = try ApprovalSnapshot(
            text: #"{"variables_to_approve": {"contract_value": {"variable_type": "number", "value": 5}}}"#)
        let problems = rules.evaluate(snapshot).dataProblems
        #expect(problems.map(\.code.description) == ["malformed_snapshot", "malformed_snapshot", "condition_error"])
        #expect(problems.prefix(2).map(\.path) == ["/variables_to_approve", "/variables_to_approve"])
    }

    @Test func variablesInTheStepRunStillCountWhenTheMainListIsBroken() throws {
        let rules = try RuleSet(text: readsContractValue)
        let snapshot = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": "oops",
                 "step_run": {"variables": [{"variable_type": "number", "value": 5, "variable_id": "contract_value"}]}}
                """)
        let decision = rules.evaluate(snapshot)
        #expect(decision.dataProblems.map(\.code.description) == ["malformed_snapshot"])
        #expect(decision.firedRules.map(\.id) == ["read"])
        #expect(decision.recommendation == .hold)
    }

    @Test func variableEntriesMustBeObjectsWithAStringID() throws {
        let rules = try RuleSet(text: readsContractValue)
        let snapshot = try ApprovalSnapshot(
            text:
                #"{"variables_to_approve": [5, {"variable_type": "number", "value": 1}, {"variable_type": "number", "value": 2, "variable_id": "contract_value"}]}"#
        )
        let decision = rules.evaluate(snapshot)
        #expect(decision.dataProblems.map(\.code.description) == ["malformed_snapshot", "malformed_snapshot"])
        #expect(decision.dataProblems.map(\.path) == ["/variables_to_approve/0", "/variables_to_approve/1"])
    }

    @Test func variableWithoutATypeIsMalformed() throws {
        let rules = try RuleSet(text: readsContractValue)
        let snapshot = try ApprovalSnapshot(
            text: #"{"variables_to_approve": [{"value": 2, "variable_id": "contract_value"}]}"#)
        let problems = rules.evaluate(snapshot).dataProblems
        #expect(problems.map(\.code.description) == ["malformed_snapshot"])
        #expect(problems.first?.path == "/variables_to_approve/0")
    }

    @Test func unknownVariableTypeIsReported() throws {
        let rules = try RuleSet(text: readsContractValue)
        let decision = rules.evaluate(snapshotWithContractValue(type: "currency", value: 20000))
        #expect(decision.dataProblems.map(\.code.description) == ["unknown_variable_type"])
        #expect(decision.dataProblems.first?.path == "/variables_to_approve/0")
        #expect(decision.recommendation == .hold)
    }

    static let shapeCases: [VariableShapeCase] = [
        VariableShapeCase(variableType: "number", value: 50000, problem: nil),
        VariableShapeCase(variableType: "number", value: "50000.00", problem: nil),
        VariableShapeCase(variableType: "number", value: "abc", problem: "wrong_type"),
        VariableShapeCase(variableType: "number", value: "50,000", problem: "wrong_type"),
        VariableShapeCase(variableType: "number", value: true, problem: "wrong_type"),
        VariableShapeCase(variableType: "number", value: nil, problem: nil),
        VariableShapeCase(
            variableType: "number_with_currency", value: ["amount": "10", "currency": "EUR"], problem: nil),
        VariableShapeCase(variableType: "number_with_currency", value: "EUR 10", problem: nil),
        VariableShapeCase(variableType: "number_with_currency", value: "lots", problem: "wrong_type"),
        VariableShapeCase(variableType: "boolean", value: false, problem: nil),
        VariableShapeCase(variableType: "boolean", value: "yes", problem: "wrong_type"),
        VariableShapeCase(variableType: "date", value: "2025-01-20", problem: nil),
        VariableShapeCase(variableType: "date", value: "31/12/2024", problem: "wrong_type"),
        VariableShapeCase(variableType: "email", value: "dana@example.com", problem: nil),
        VariableShapeCase(variableType: "email", value: "dana", problem: "wrong_type"),
        VariableShapeCase(variableType: "text", value: "Acme", problem: nil),
        VariableShapeCase(variableType: "text", value: 5, problem: "wrong_type"),
        VariableShapeCase(variableType: "select", value: true, problem: "wrong_type"),
        VariableShapeCase(variableType: "multi_select", value: ["a", "b"], problem: nil),
        VariableShapeCase(variableType: "multi_select", value: "a", problem: "wrong_type"),
        VariableShapeCase(variableType: "file", value: "document_1", problem: nil),
        VariableShapeCase(variableType: "file", value: 12, problem: "wrong_type"),
        VariableShapeCase(variableType: "dynamic_table", value: [["a": 1]], problem: nil),
        VariableShapeCase(variableType: "spreadsheet", value: 1, problem: "unknown_variable_type"),
    ]

    @Test(arguments: shapeCases)
    func variableValuesMustFitTheirDeclaredType(_ testCase: VariableShapeCase) throws {
        // Only an escalation reads the value, so the shape check is the only possible problem.
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": true, "escalate": {"to": "a@example.com", "message": "{{variables.contract_value}}"}}"#
            ))
        let problems = rules.evaluate(snapshotWithContractValue(type: testCase.variableType, value: testCase.value))
            .dataProblems
        #expect(problems.map(\.code.description) == (testCase.problem.map { [$0] } ?? []))
        if testCase.problem == "wrong_type" { #expect(problems.first?.path == "/variables_to_approve/0/value") }
    }

    /// The shape check's switch must know every type the approvals API documents.
    @Test(arguments: SnapshotValidator.variableTypes.sorted())
    func everyDocumentedVariableTypeIsKnown(_ type: String) throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": true, "escalate": {"to": "a@example.com", "message": "{{variables.contract_value}}"}}"#
            ))
        let problems = rules.evaluate(snapshotWithContractValue(type: type, value: nil)).dataProblems
        #expect(problems.isEmpty, "\(type): \(problems)")
    }

    @Test func missingActiveApproverListIsAMissingFact() throws {
        let rules = try RuleSet(
            text: ruleDocument(#"{"id": "r", "when": {"approver_is_owner": []}, "recommend": "hold"}"#))
        let problems = rules.evaluate(try ApprovalSnapshot(text: #"{"task_id": 1}"#)).dataProblems
        #expect(
            problems == [
                DataProblem(
                    code: .missingFact, message: "the snapshot has no eligible_approvers_active",
                    path: "/eligible_approvers_active", ruleID: nil)
            ])
    }

    @Test func approverListsMustBeArraysOfStrings() throws {
        let rules = try RuleSet(
            text: ruleDocument(#"{"id": "r", "when": {"approver_is_owner": []}, "recommend": "hold"}"#))
        let problems = rules.evaluate(
            try ApprovalSnapshot(
                text:
                    #"{"eligible_approvers_active": ["a@example.com", 7], "next_eligible_approvers": "b@example.com"}"#)
        ).dataProblems
        #expect(problems.map(\.code.description) == ["malformed_snapshot", "malformed_snapshot"])
        #expect(problems.map(\.path) == ["/eligible_approvers_active/1", "/next_eligible_approvers"])
    }

    @Test func fileListingsMustHaveTheirDocumentedShape() throws {
        let rules = try RuleSet(
            text: ruleDocument(#"{"id": "r", "when": {"has_file": "contract_file"}, "recommend": "approve"}"#))
        let problems = rules.evaluate(
            try ApprovalSnapshot(
                text: """
                    {"variables_to_approve": [{"variable_type": "file", "value": "document_1", "variable_id": "contract_file"}],
                     "files": {"contract_file": "document_1"}, "task_files": {"files": 3, "total_files": "3"}}
                    """)
        ).dataProblems
        #expect(problems.map(\.path) == ["/files", "/task_files/files", "/task_files/total_files"])
        #expect(problems.map(\.code.description) == ["malformed_snapshot", "malformed_snapshot", "malformed_snapshot"])
    }

    @Test func snapshotThatIsNotAnObjectIsMalformed() throws {
        let rules = try RuleSet(text: readsContractValue)
        let problems = rules.evaluate(ApprovalSnapshot([1, 2, 3])).dataProblems
        #expect(
            problems.first
                == DataProblem(
                    code: .malformedSnapshot, message: "the snapshot is array, not an object", path: "", ruleID: nil))
    }

    @Test func shapeChecksCoverOnlyWhatTheRulesRead() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": {"approver_is_owner": []}, "recommend": "hold"}"#,
                head: #""default_recommendation": "approve""#))
        let snapshot = try ApprovalSnapshot(
            text: #"{"eligible_approvers_active": [], "variables_to_approve": "not read", "files": 5}"#)
        let decision = rules.evaluate(snapshot)
        #expect(decision.dataProblems.isEmpty)
        #expect(decision.recommendation == .approve)
    }

    @Test func incompleteFilesListingFailsClosedOnlyWhenTheFileIsNotListed() throws {
        let rules = try RuleSet(
            text: ruleDocument(#"{"id": "contract", "when": {"has_file": "contract_file"}, "recommend": "approve"}"#))
        let variable = #"{"variable_type": "file", "value": "document_1", "variable_id": "contract_file"}"#
        let listed = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": [\(variable)], "files": [],
                 "task_files": {"files": [{"file_id": "document_1", "variable_id": "contract_file"}], "total_files": 14}}
                """)
        let unlisted = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": [\(variable)], "files": [],
                 "task_files": {"files": [{"file_id": "document_2", "variable_id": null}], "total_files": 14}}
                """)
        #expect(rules.evaluate(listed).recommendation == .approve)
        let decision = rules.evaluate(unlisted)
        #expect(decision.recommendation == .hold)
        #expect(decision.dataProblems.map(\.code.description) == ["incomplete_data"])
        #expect(decision.dataProblems.first?.message.contains("Incomplete Data") == true)
    }

    // MARK: - Where values come from

    @Test func variablesFallBackFromVariablesToApproveToStepRunToTask() throws {
        let snapshot = try ApprovalSnapshot(
            text: """
                {"variables_to_approve": [{"variable_type": "text", "value": "first", "variable_id": "a"}],
                 "step_run": {"variables": [{"variable_type": "text", "value": "second", "variable_id": "a"},
                                            {"variable_type": "text", "value": "second", "variable_id": "b"}]},
                 "task": {"owner_email": "o@example.com",
                          "variables": [{"variable_type": "text", "value": "third", "variable_id": "b"},
                                        {"variable_type": "text", "value": "third", "variable_id": "c"}]}}
                """)
        #expect(snapshot.value(at: "variables.a") == "first")
        #expect(snapshot.value(at: "variables.b") == "second")
        #expect(snapshot.value(at: "variables.c") == "third")
        #expect(snapshot.value(at: "variable_types.c") == "text")
        #expect(snapshot.value(at: "variables.d") == nil)
        #expect(snapshot.value(at: "owner") == "o@example.com")
    }

    @Test func approverViewsJoinActiveAndNextWithoutRepeats() throws {
        let snapshot = try ApprovalSnapshot(
            text:
                #"{"eligible_approvers_active": ["a@example.com", "b@example.com"], "next_eligible_approvers": ["b@example.com", "c@example.com"]}"#
        )
        #expect(snapshot.value(at: "approvers.all") == ["a@example.com", "b@example.com", "c@example.com"])
        #expect(snapshot.value(at: "approvers.next") == ["b@example.com", "c@example.com"])
        #expect(snapshot.value(at: "owner") == .null)
    }

    @Test func filesByVariableJoinsBothListingsWithoutDuplicates() throws {
        let snapshot = try ApprovalSnapshot(
            text: """
                {"files": [{"file_id": "document_1", "variable_id": "contract_file"}],
                 "task_files": {"files": [{"file_id": "document_1", "variable_id": "contract_file"},
                                          {"file_id": "document_2", "variable_id": "contract_file"}], "total_files": 2}}
                """)
        #expect(snapshot.value(at: "files_by_variable.contract_file")?.array?.count == 2)
        #expect(snapshot.value(at: "files_by_variable.insurance_certificate") == [])
    }
}
