import ApprovalJSON
import Testing

@testable import ApprovalRules

/// `rules/README.md` and `rules/rule-document.schema.json` describe the engine; these tests keep
/// them complete and correct as the engine changes.
@Suite struct DocumentationTests {
    static func reference() throws -> String {
        String(
            decoding: try FileBytes.read(RuleFixtures.packageRoot + "/rules/README.md", limit: 1 << 20), as: UTF8.self)
    }

    static func schema() throws -> JSONValue {
        try RuleFixtures.json(atPath: RuleFixtures.packageRoot + "/rules/rule-document.schema.json")
    }

    /// An operator example of the reference: "`{"op": ...}` → `result`", where nothing qualifies
    /// the result ("→ `true` for ..." examples are skipped).
    struct Example: CustomTestStringConvertible, Sendable {
        let expression: String
        let result: String
        var testDescription: String { "\(expression) → \(result)" }

        static func all() throws -> [Example] {
            var examples: [Example] = []
            for line in try reference().split(separator: "\n") {
                var rest = Substring(line)
                while let start = rest.firstRange(of: "`{\"") {
                    let afterStart = rest[rest.index(after: start.lowerBound)...]
                    guard let end = afterStart.firstIndex(of: "`") else { break }
                    let expression = afterStart[..<end]
                    rest = afterStart[afterStart.index(after: end)...]
                    guard rest.hasPrefix(" → `") else { continue }
                    let resultStart = rest.index(rest.startIndex, offsetBy: 4)
                    guard let resultEnd = rest[resultStart...].firstIndex(of: "`") else { break }
                    let result = rest[resultStart..<resultEnd]
                    rest = rest[rest.index(after: resultEnd)...]
                    let next = rest.drop { $0 == " " }.first
                    guard next == nil || next == ";" || next == "|" else { continue }
                    examples.append(Example(expression: String(expression), result: String(result)))
                }
            }
            return examples
        }
    }

    @Test func referenceShowsAtLeastOneCheckableExamplePerOperatorFamily() throws {
        #expect(try Example.all().count >= 45)
    }

    @Test(arguments: try Example.all())
    func referenceExampleGivesTheResultItShows(_ example: Example) throws {
        // Examples read examples/snapshots/tier2-cfo.json with the default rules' currencies and lists.
        let defaults = try RuleFixtures.json(atPath: RuleFixtures.defaultRulesPath)
        var document = JSONObject()
        document["name"] = "reference-example"
        document["currency"] = defaults["currency"]
        document["lists"] = defaults["lists"]
        document["rules"] = [
            ["id": "example", "when": try JSONParser().parse(Array(example.expression.utf8)), "recommend": "hold"]
        ]
        var compiler = RuleCompiler(limits: .default)
        let output = compiler.compile(.object(document))
        #expect(compiler.diagnostics.filter { $0.severity == .error }.isEmpty, "\(compiler.diagnostics)")
        let condition = try #require(output.rules.first?.condition)
        var context = EvaluationContext(
            root: .snapshot(try RuleFixtures.exampleSnapshot("tier2-cfo")), facts: output.facts,
            declarations: output.declarations, now: RuleFixtures.exampleNow)
        let expected = try JSONParser().parse(Array(example.result.utf8))
        do {
            #expect(try condition.run(&context) == expected)
        } catch {
            Issue.record("raised \(error)")
        }
    }

    @Test func referenceDocumentsEveryOperator() throws {
        let text = try Self.reference()
        for name in Operators.table.keys.sorted() {
            #expect(text.contains("`\(name)`"), "rules/README.md does not mention \(name)")
        }
    }

    @Test func referenceDocumentsEveryDiagnosticCodeWithItsSeverity() throws {
        let text = try Self.reference()
        for code in RuleDiagnostic.Code.all {
            #expect(
                text.contains("| `\(code)` | \(code.severity.rawValue) |"), "rules/README.md lacks a row for \(code)")
        }
    }

    @Test func referenceDocumentsEveryFactTypeAndVariableType() throws {
        let text = try Self.reference()
        for type in FactType.allCases {
            #expect(text.contains("| `\(type.rawValue)` |"), "\(type.rawValue)")
        }
        for type in SnapshotValidator.variableTypes {
            #expect(text.contains("`\(type)`"), "\(type)")
        }
    }

    @Test func schemaNamesExactlyTheEngineOperators() throws {
        let names = try Self.schema()["$defs"]?["expression"]?["anyOf"]?[2]?["propertyNames"]?["enum"]?.array ?? []
        #expect(Set(names.compactMap(\.string)) == Set(Operators.table.keys))
        #expect(names.count == Operators.table.count)
    }

    @Test func schemaEnumerationsMatchTheEngine() throws {
        let schema = try Self.schema()
        let definitions = try #require(schema["$defs"])
        func strings(_ value: JSONValue?) -> [String] { value?.array?.compactMap(\.string) ?? [] }
        #expect(strings(definitions["recommendation"]?["enum"]) == Recommendation.allCases.map(\.rawValue))
        #expect(
            strings(schema["properties"]?["safe_recommendation"]?["enum"])
                == Recommendation.allCases.dropFirst().map(\.rawValue))
        #expect(strings(definitions["factType"]?["enum"]) == FactType.allCases.map(\.rawValue))
        #expect(
            strings(definitions["escalation"]?["properties"]?["severity"]?["enum"]) == Severity.allCases.map(\.rawValue)
        )
        #expect(strings(schema["properties"]?["strategy"]?["enum"]) == CombiningStrategy.allCases.map(\.rawValue))
        #expect(schema["properties"]?["rules"]?["maxItems"] == .integer(Int64(Limits.default.rules)))
    }

    @Test func schemaListsExactlyTheFieldsTheCompilerKnows() throws {
        let schema = try Self.schema()
        let documentFields = Set(schema["properties"]?.object?.keys ?? [])
        let ruleFields = Set(schema["$defs"]?["rule"]?["properties"]?.object?.keys ?? [])
        let escalationFields = Set(schema["$defs"]?["escalation"]?["properties"]?.object?.keys ?? [])
        // A field the compiler does not know is a diagnostic; every field the schema lists must not be.
        var document: JSONObject = ["name": "x", "rules": [["id": "r", "when": true, "recommend": "hold"]]]
        for field in documentFields where document[field] == nil { document[field] = .null }
        let documentCodes = Set(diagnosticsOf(.object(document)).map(\.code))
        #expect(!documentCodes.contains(.unknownField))
        var rule: JSONObject = ["id": "r", "when": true]
        for field in ruleFields where rule[field] == nil { rule[field] = .null }
        let ruleCodes = Set(diagnosticsOf(["name": "x", "rules": [.object(rule)]]).map(\.code))
        #expect(!ruleCodes.contains(.unknownAction))
        var escalation: JSONObject = [:]
        for field in escalationFields { escalation[field] = .null }
        let escalationCodes = Set(
            diagnosticsOf(["name": "x", "rules": [["id": "r", "when": true, "escalate": .object(escalation)]]]).map(
                \.code))
        #expect(!escalationCodes.contains(.unknownField))
        // And a field the schema does not list is one.
        #expect(
            diagnosticsOf(["name": "x", "colour": "red", "rules": [["id": "r", "when": true, "recommend": "hold"]]])
                .map(\.code).contains(.unknownField))
    }

    func diagnosticsOf(_ document: JSONValue) -> [RuleDiagnostic] {
        var compiler = RuleCompiler(limits: .default)
        _ = compiler.compile(document)
        return compiler.diagnostics
    }
}
