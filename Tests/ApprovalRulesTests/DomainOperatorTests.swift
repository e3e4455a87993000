import ApprovalJSON
import Testing

@testable import ApprovalRules

/// One row of `Fixtures/operators/*.json`: an expression, what it reads, and what it must give.
struct OperatorCase: CustomTestStringConvertible, Sendable {
    enum Input: Sendable {
        /// Plain JSON data (`"data"`).
        case data(JSONValue)
        /// An approval snapshot with its views (`"snapshot"`).
        case snapshot(JSONValue)
    }

    enum Expected: Sendable, Equatable {
        case value(JSONValue)
        /// A JSON Logic error of this `type`.
        case error(String)
    }

    let file: String
    let description: String
    let logic: JSONValue
    let input: Input
    let now: Timestamp?
    let expected: Expected
    /// The rule document's `lists` and `currency`, which the operators resolve at compile time.
    let declarations: JSONObject

    var testDescription: String { "\(file): \(description)" }

    static func all() throws -> [OperatorCase] {
        var cases: [OperatorCase] = []
        for file in RuleFixtures.files(in: RuleFixtures.path("operators"), endingWith: ".json") {
            let document = try RuleFixtures.json("operators/" + file)
            let declarations = document["declarations"]?.object ?? JSONObject()
            for (index, row) in (document["cases"]?.array ?? []).enumerated() {
                let description = row["description"]?.string ?? "case \(index)"
                let input: Input
                if let snapshot = row["snapshot"] {
                    input = .snapshot(snapshot)
                } else {
                    input = .data(row["data"] ?? .null)
                }
                let expected: Expected
                if let error = row["error"]?.string {
                    expected = .error(error)
                } else {
                    expected = .value(row["result"] ?? .null)
                }
                cases.append(
                    OperatorCase(
                        file: file, description: description, logic: row["logic"] ?? .null, input: input,
                        now: row["now"]?.string.flatMap(Timestamp.init(iso8601:)), expected: expected,
                        declarations: declarations))
            }
        }
        return cases
    }

    /// Compiles the expression as a rule condition of a document holding the declarations, and
    /// runs it against the input.
    func run() throws -> (Expected, [RuleDiagnostic]) {
        var document = declarations
        document["name"] = "operator-case"
        document["rules"] = [["id": "case", "when": logic, "recommend": "hold"]]
        var compiler = RuleCompiler(limits: .default)
        let output = compiler.compile(.object(document))
        let errors = compiler.diagnostics.filter { $0.severity == .error }
        let condition = try #require(output.rules.first?.condition)
        let root: DataRoot
        switch input {
        case .data(let value): root = .value(value)
        case .snapshot(let value): root = .snapshot(ApprovalSnapshot(value))
        }
        var context = EvaluationContext(
            root: root, facts: output.facts, declarations: output.declarations, now: now)
        do {
            return (.value(try condition.run(&context)), errors)
        } catch {
            return (.error(error.type ?? error.value.description), errors)
        }
    }
}

@Suite struct DomainOperatorTests {
    @Test(arguments: try OperatorCase.all())
    func domainOperatorGivesTheDocumentedResult(_ testCase: OperatorCase) throws {
        let (actual, errors) = try testCase.run()
        #expect(errors.isEmpty, "the expression does not compile: \(errors)")
        #expect(actual == testCase.expected)
    }

    @Test func everyDomainOperatorHasFixtureCases() throws {
        var used: Set<String> = []
        func collect(_ value: JSONValue) {
            switch value {
            case .array(let elements): elements.forEach(collect)
            case .object(let object):
                if object.count == 1 { used.insert(object.keys[0]) }
                object.values.forEach(collect)
            default: break
            }
        }
        for testCase in try OperatorCase.all() { collect(testCase.logic) }
        let domain = Set(Operators.domain.flatMap(\.names))
        #expect(domain.subtracting(used).sorted() == [])
    }

    @Test func operatorFixturesHaveBothTrueAndFalseCasesForEveryPredicate() throws {
        // A table with only one outcome per operator could not catch an operator that always
        // answers the same.
        var outcomes: [String: Set<JSONValue>] = [:]
        for testCase in try OperatorCase.all() {
            guard case .object(let object) = testCase.logic, object.count == 1,
                case .value(let value) = testCase.expected, value.bool != nil
            else { continue }
            outcomes[object.keys[0], default: []].insert(value)
        }
        for (name, seen) in outcomes.sorted(by: { $0.key < $1.key }) {
            #expect(seen == [true, false], "\(name) only ever gives \(seen)")
        }
    }

    @Test func unknownCurrencyInALiteralIsACompileError() {
        let found = diagnostics(
            compiling: """
                {"name": "x", "currency": {"base": "USD", "rates": {"EUR": 1.1}},
                 "rules": [{"id": "r", "when": {"money>=": [{"var": "variables.v"}, "CHF 10"]}, "recommend": "hold"}]}
                """)
        #expect(found.map(\.code) == [.unknownCurrency])
        #expect(found.first?.path.description == "/rules/0/when/money>=/1")
    }

    @Test func moneyComparisonWithoutACurrencyTableStillComparesPlainAmounts() throws {
        let expression = try LogicExpression(["money>=": [["var": "v"], 50000]])
        #expect(try expression.evaluate(["v": "50000.00"]) == true)
        #expect(try expression.evaluate(["v": 49999.99]) == false)
        #expect(throws: LogicError.self) { try expression.evaluate(["v": "EUR 50000"]) }
    }

    @Test func inListNeedsADeclaredListName() {
        let found = diagnostics(
            compiling: """
                {"name": "x", "rules": [{"id": "r", "when": {"in_list": [{"var": "variables.v"}, {"var": "name"}]}, "recommend": "hold"}]}
                """)
        #expect(found.map(\.code) == [.invalidArgument])
        #expect(found.first?.path.description == "/rules/0/when/in_list/1")
    }

    @Test func relativeDateOperatorsAreNeverFoldedAtCompileTime() throws {
        // days_since depends on the clock, so even a literal date must be evaluated per decision.
        let rules = try RuleSet(
            text: """
                {"name": "x", "rules": [{"id": "old", "when": {">": [{"days_since": "2025-01-01"}, 30]}, "recommend": "hold"}]}
                """)
        let snapshot = try ApprovalSnapshot(text: #"{"task_id": 1}"#)
        let early = rules.evaluate(
            snapshot, options: EvaluationOptions(now: Timestamp(iso8601: "2025-01-15T00:00:00Z")))
        let late = rules.evaluate(snapshot, options: EvaluationOptions(now: Timestamp(iso8601: "2025-03-01T00:00:00Z")))
        #expect(early.firedRules.isEmpty)
        #expect(late.firedRules.map(\.id) == ["old"])
    }

    @Test func nowReadsTheEvaluationClock() throws {
        let rules = try RuleSet(
            text: """
                {"name": "x", "rules": [{"id": "r", "when": {"same_day": [{"var": "now"}, "2025-06-01"]}, "recommend": "hold"}]}
                """)
        let snapshot = try ApprovalSnapshot(text: #"{"task_id": 1}"#)
        let decision = rules.evaluate(
            snapshot, options: EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T17:30:00+02:00")))
        #expect(decision.firedRules.map(\.id) == ["r"])
        let noClock = rules.evaluate(snapshot)
        #expect(noClock.dataProblems.map(\.code.description) == ["condition_error"])
    }
}
