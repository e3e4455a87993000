import ApprovalJSON
import Testing

@testable import ApprovalRules

/// One case of `Fixtures/variables/cases.json`: a document's `variables`, `required_facts` and
/// `rules`, the diagnostics compiling it must give (code, pointer, rule id; the sample files of
/// `Fixtures/diagnostics` assert lines and columns), and, when given, its required facts.
struct VariableCase: CustomTestStringConvertible, Sendable {
    let name: String
    let document: JSONValue
    let diagnostics: [String]
    let required: [String: String]?
    var testDescription: String { name }

    static func all() throws -> [VariableCase] {
        try (RuleFixtures.json("variables/cases.json").array ?? []).map { row in
            var document: JSONObject = ["name": "variables-case"]
            for key in ["variables", "required_facts", "rules"] where row[key] != nil { document[key] = row[key] }
            return VariableCase(
                name: row["name"]?.string ?? "?", document: .object(document),
                diagnostics: (row["diagnostics"]?.array ?? []).map {
                    Self.row($0["code"]?.string, $0["path"]?.string, $0["rule_id"]?.string)
                },
                required: row["required"]?.object.map { object in
                    Dictionary(uniqueKeysWithValues: object.members.map { ($0, $1.string ?? "") })
                })
        }
    }

    static func row(_ code: String?, _ path: String?, _ rule: String?) -> String {
        "\(code ?? "?") at \(path ?? "?") in \(rule ?? "-")"
    }
}

@Suite struct VariableDeclarationTests {
    @Test(arguments: try VariableCase.all())
    func declaredVariablesAreChecked(_ testCase: VariableCase) {
        var compiler = RuleCompiler(limits: .default)
        let output = compiler.compile(testCase.document)
        let found = compiler.diagnostics.map {
            VariableCase.row($0.code.description, $0.path.description, $0.ruleID)
        }
        #expect(found.sorted() == testCase.diagnostics.sorted())
        if let required = testCase.required {
            let facts = Dictionary(uniqueKeysWithValues: output.requiredFacts.map { ($0.dotted, $0.type.rawValue) })
            #expect(facts == required)
        }
    }

    @Test func unknownVariableSuggestsTheClosestDeclaredID() throws {
        let (_, found) = DiagnosticCase(file: "unknown_variable.rules.json", expected: []).compile()
        let diagnostic = try #require(found.first)
        #expect(
            diagnostic.message
                == #"variable "contract_valu" is not declared in "variables"; did you mean "contract_value"?"#)
        #expect(diagnostic.ruleID == "cfo")
        #expect(diagnostic.severity == .error)
    }

    @Test func typeMismatchNamesTheOperatorTheVariableAndItsType() throws {
        let (_, found) = DiagnosticCase(file: "type_mismatch.rules.json", expected: []).compile()
        let diagnostic = try #require(found.first)
        #expect(diagnostic.message.hasPrefix(#""money>" cannot use variable "approved_by_legal" of type boolean"#))
        #expect(diagnostic.ruleID == "legal")
        #expect(diagnostic.severity == .error)
    }

    @Test func theShippedRulesHaveNoSectionAndCompileClean() throws {
        let rules = try RuleFixtures.defaultRules()
        #expect(rules.warnings.isEmpty)
        #expect(try RuleFixtures.json(atPath: RuleFixtures.defaultRulesPath)["variables"] == nil)
    }

    @Test func aRequiredVariableThatIsMissingFailsClosed() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": {"var": "task_id"}, "recommend": "approve"}"#,
                head: #""variables": {"payment_terms": {"type": "text", "required": true}}"#))
        let decision = rules.evaluate(acmeSnapshot)
        #expect(decision.dataProblems.map(\.code) == [.missingFact])
        #expect(decision.dataProblems.first?.path == "variables.payment_terms")
        #expect(decision.recommendation == .hold)
    }

    @Test func everyAPIVariableTypeCanBeDeclared() {
        // The variable types the approvals API documents (../shared/api), written out here.
        #expect(
            SnapshotValidator.variableTypes == [
                "text", "number", "boolean", "date", "email", "file", "select", "multi_select", "user_entity",
                "business", "dynamic_list", "dynamic_table", "number_with_currency", "conversation",
            ])
        for name in VariableType.names { #expect(VariableType.named(name) != nil, "\(name)") }
        #expect(VariableType.named("text")?.factType == .string)
        #expect(VariableType.named("number_with_currency")?.factType == .money)
        #expect(VariableType.named("decimal") == nil)
    }

    @Test func theSchemaNamesEveryVariableType() throws {
        let schema = try DocumentationTests.schema()
        let apiOnly = schema["$defs"]?["variableType"]?["anyOf"]?[1]?["enum"]?.array?.compactMap(\.string) ?? []
        #expect(FactType.allCases.map(\.rawValue) + apiOnly == VariableType.names)
        #expect(schema["properties"]?["variables"] != nil)
    }

    /// The operator table is defined once (``OperandTypes``) and shown in rules/README.md: every
    /// row of the one must be a row of the other.
    @Test func theReferenceShowsTheOperatorTypeTable() throws {
        let text = try DocumentationTests.reference()
        for row in OperandTypes.rows {
            let operators = row.operators.map { "`\($0)`" }.joined(separator: ", ")
            let types = FactType.allCases.filter(row.accepts.contains).map { "`\($0.rawValue)`" }
            #expect(text.contains("| \(operators) | "), "rules/README.md lacks the row for \(operators)")
            #expect(text.contains(" | \(types.joined(separator: ", ")), `any` |"), "types of \(operators)")
        }
    }

    @Test func inferenceTakesTheTypeEveryValueFits() throws {
        func snapshot(_ value: String, type: String = "number") throws -> ApprovalSnapshot {
            try ApprovalSnapshot(
                text:
                    #"{"task_id": 1, "variables_to_approve": [{"variable_id": "v", "variable_type": "\#(type)", "value": \#(value)}]}"#
            )
        }
        var inference = VariableInference()
        #expect(inference.add(try snapshot("12")) == .added)
        #expect(inference.section["v"]?["type"] == "number")
        #expect(inference.add(try snapshot(#""50000.00""#)) == .added)
        #expect(inference.section["v"]?["type"] == "money")
        #expect(inference.add(try ApprovalSnapshot(text: #"{"task_id": 2, "variables_to_approve": []}"#)) == .added)
        #expect(inference.section["v"]?["required"] == false)
        #expect(inference.section["v"]?["description"] == "seen in 2 of 3 snapshots; variable_type number")
        if case .skipped = inference.add(try ApprovalSnapshot(text: #"{"variables_to_approve": {}}"#)) {
        } else {
            Issue.record("a snapshot whose listing is not an array is skipped")
        }
        if case .refused = inference.add(try ApprovalSnapshot(text: "[1]")) {
        } else {
            Issue.record("an array is no snapshot")
        }
        #expect(inference.snapshots == 3)
    }
}
