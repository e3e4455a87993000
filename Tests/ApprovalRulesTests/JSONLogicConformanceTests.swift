import ApprovalJSON
import Testing

@testable import ApprovalRules

// The public JSON Logic suites, run case by case, plus focused tests of what they leave open.
//
// The suites live in Fixtures/Conformance (see its README.md for sources and licences): the classic
// jsonlogic.com `tests.json` (277 cases) and the json-logic/compat-tables suites (48 files, 1138
// cases). Where they disagree, compat-tables wins; at these snapshots no classic case conflicts
// with compat-tables, so nothing is skipped.

/// One case of a conformance suite.
struct JSONLogicConformanceCase: Sendable, CustomTestStringConvertible {
    enum Expectation: Sendable {
        /// The value evaluation must give (numbers compared numerically).
        case result(JSONValue)
        /// The error evaluation must raise: every member must match the raised error's value.
        case error(JSONValue)
    }

    let suite: String
    let index: Int
    let summary: String
    let rule: JSONValue
    let data: JSONValue
    let expectation: Expectation

    var testDescription: String { "\(suite) #\(index): \(summary)" }
}

/// Loads the suites from the fixtures folder (found through `#filePath`, so no bundle is needed).
private enum ConformanceSuites {
    static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/Fixtures/Conformance"
    }()

    static let classicCount = 277
    static let compatTablesCount = 1138
    static let compatTablesFileCount = 48

    static func json(_ relativePath: String) throws -> JSONValue {
        try JSONParser().parse(contentsOf: directory + "/" + relativePath)
    }

    /// `classic/tests.json`: `[rule, data, expected]` triples between comment strings.
    static func classic() throws -> [JSONLogicConformanceCase] {
        let file = "classic/tests.json"
        let entries = try #require(try json(file).array, "\(file) is not an array")
        var cases: [JSONLogicConformanceCase] = []
        var section = ""
        for entry in entries {
            switch entry {
            case .string(let comment):
                section = comment
            case .array(let triple):
                try #require(triple.count == 3, "\(file): a case that is not [rule, data, expected]: \(entry)")
                cases.append(
                    JSONLogicConformanceCase(
                        suite: file, index: cases.count, summary: "\(section) \(triple[0])", rule: triple[0],
                        data: triple[1], expectation: .result(triple[2])))
            default:
                Issue.record("\(file): unexpected entry \(entry)")
            }
        }
        return cases
    }

    /// The files `compat-tables/suites/index.json` lists, in its order.
    static func compatTablesFiles() throws -> [String] {
        let index = try #require(try json("compat-tables/suites/index.json").array, "index.json is not an array")
        return try index.map { entry in try #require(entry.string, "index.json lists \(entry)") }
    }

    /// Every case of every compat-tables suite file (objects between comment strings).
    static func compatTables() throws -> [JSONLogicConformanceCase] {
        var cases: [JSONLogicConformanceCase] = []
        for file in try compatTablesFiles() {
            let path = "compat-tables/suites/" + file
            let entries = try #require(try json(path).array, "\(path) is not an array")
            var index = 0
            for entry in entries {
                if case .string = entry { continue }
                let object = try #require(entry.object, "\(path): a case that is not an object: \(entry)")
                let rule = try #require(object["rule"], "\(path) #\(index) has no rule")
                let expectation: JSONLogicConformanceCase.Expectation
                if let result = object["result"] {
                    expectation = .result(result)
                } else {
                    expectation = .error(
                        try #require(object["error"], "\(path) #\(index) has neither result nor error"))
                }
                cases.append(
                    JSONLogicConformanceCase(
                        suite: file, index: index, summary: object["description"]?.string ?? "\(rule)", rule: rule,
                        // A missing `data` is null (the suites' own runners use null or {}; all cases pass with null).
                        data: object["data"] ?? .null, expectation: expectation))
                index += 1
            }
        }
        return cases
    }

    // Loaded once for `@Test(arguments:)`; a loading failure leaves them empty, which
    // `suitesHaveTheExpectedNumberOfCases` reports.
    static let classicCases: [JSONLogicConformanceCase] = (try? classic()) ?? []
    static let compatTablesCases: [JSONLogicConformanceCase] = (try? compatTables()) ?? []
}

// MARK: - Comparing results

/// Deep equality as the suites' runners use it: numbers compare numerically (`1` equals `1.0`,
/// `-0` equals `0`); everything else must match exactly, including types.
private func conformanceEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.integer, .integer), (.integer, .double), (.double, .integer), (.double, .double):
        return Coercion.order(Coercion.number(a)!, Coercion.number(b)!) == .equal
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy(conformanceEqual)
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        return x.members.allSatisfy { key, value in y[key].map { conformanceEqual(value, $0) } ?? false }
    default:
        return a == b
    }
}

/// Whether `error` has every member of the expected error object.
private func matches(_ error: LogicError, _ expected: JSONValue) -> Bool {
    guard case .object(let members) = expected else { return conformanceEqual(error.value, expected) }
    return members.members.allSatisfy { key, value in error.value[key].map { conformanceEqual($0, value) } ?? false }
}

private func check(_ testCase: JSONLogicConformanceCase) {
    // Lenient compilation: problems become nodes raising the JSON Logic error the suites expect.
    let expression = LogicExpression(lenient: testCase.rule)
    var context = EvaluationContext(root: .value(testCase.data), facts: expression.facts)
    let outcome: Result<JSONValue, LogicError>
    do {
        outcome = .success(try expression.node.run(&context))
    } catch {
        outcome = .failure(error)
    }
    switch (testCase.expectation, outcome) {
    case (.result(let expected), .success(let actual)):
        #expect(
            conformanceEqual(actual, expected),
            "rule \(testCase.rule) data \(testCase.data): got \(actual), expected \(expected)")
    case (.result(let expected), .failure(let error)):
        Issue.record("rule \(testCase.rule) data \(testCase.data): raised \(error), expected \(expected)")
    case (.error(let expected), .success(let actual)):
        Issue.record("rule \(testCase.rule) data \(testCase.data): gave \(actual), expected error \(expected)")
    case (.error(let expected), .failure(let error)):
        #expect(
            matches(error, expected),
            "rule \(testCase.rule) data \(testCase.data): raised \(error), expected \(expected)")
    }
    #expect(context.scopes.isEmpty, "scopes left pushed after \(testCase.rule)")
    checkTruthEntryPoint(expression, data: testCase.data, against: outcome)
}

/// The Boolean entry point (`Node.test`, what conditions use) must agree with the value entry point
/// on every case: the value's truthiness, or the same error; and with tracing on, the same events.
private func checkTruthEntryPoint(
    _ expression: LogicExpression, data: JSONValue, against outcome: Result<JSONValue, LogicError>
) {
    var context = EvaluationContext(root: .value(data), facts: expression.facts)
    let truth: Result<Bool, LogicError>
    do {
        truth = .success(try expression.node.test(&context))
    } catch {
        truth = .failure(error)
    }
    switch (outcome, truth) {
    case (.success(let value), .success(let tested)):
        #expect(tested == Coercion.truthy(value), "test() of \(value) gave \(tested)")
    case (.failure(let error), .failure(let raised)):
        #expect(error == raised, "test() raised \(raised), run() raised \(error)")
    case (.success(let value), .failure(let raised)):
        Issue.record("test() raised \(raised), run() gave \(value)")
    case (.failure(let error), .success(let tested)):
        Issue.record("test() gave \(tested), run() raised \(error)")
    }
    #expect(context.scopes.isEmpty, "scopes left pushed by test()")

    var runTraced = EvaluationContext(root: .value(data), facts: expression.facts, trace: true)
    var testTraced = EvaluationContext(root: .value(data), facts: expression.facts, trace: true)
    _ = try? expression.node.run(&runTraced)
    _ = try? expression.node.test(&testTraced)
    #expect(runTraced.trace?.events == testTraced.trace?.events, "run() and test() traced differently")
}

// MARK: - The suites

@Suite("JSON Logic conformance")
struct JSONLogicConformanceTests {
    @Test("classic jsonlogic.com tests.json", arguments: ConformanceSuites.classicCases)
    func classicSuite(_ testCase: JSONLogicConformanceCase) {
        check(testCase)
    }

    @Test("json-logic/compat-tables suites", arguments: ConformanceSuites.compatTablesCases)
    func compatTablesSuite(_ testCase: JSONLogicConformanceCase) {
        check(testCase)
    }

    /// A loader that silently finds nothing (or too much) must not pass.
    @Test func suitesHaveTheExpectedNumberOfCases() throws {
        #expect(try ConformanceSuites.classic().count == ConformanceSuites.classicCount)
        #expect(try ConformanceSuites.compatTablesFiles().count == ConformanceSuites.compatTablesFileCount)
        #expect(try ConformanceSuites.compatTables().count == ConformanceSuites.compatTablesCount)
        #expect(ConformanceSuites.classicCases.count == ConformanceSuites.classicCount)
        #expect(ConformanceSuites.compatTablesCases.count == ConformanceSuites.compatTablesCount)
    }
}

// MARK: - Focused tests (behaviour the suites leave open)

private func evaluate(_ rule: JSONValue, _ data: JSONValue = .null) throws(LogicError) -> JSONValue {
    let expression = LogicExpression(lenient: rule)
    var context = EvaluationContext(root: .value(data), facts: expression.facts)
    return try expression.node.run(&context)
}

private func traced(_ rule: JSONValue, _ data: JSONValue) throws -> (JSONValue, [TraceEvent]) {
    let expression = try LogicExpression(rule)
    var context = EvaluationContext(root: .value(data), facts: expression.facts, trace: true)
    let value = try expression.node.run(&context)
    return (value, context.trace?.events ?? [])
}

private let exactArithmeticCases: [(JSONValue, JSONValue)] = [
    (["+": [1, 2]], .integer(3)),
    (["*": ["2", "3"]], .integer(6)),
    (["-": [10, "4", true]], .integer(5)),
    (["/": [6, 3]], .integer(2)),
    (["/": [1, 2]], .double(0.5)),
    (["%": [7, 4]], .integer(3)),
    (["+": "1.5"], .double(1.5)),
    (["+": [9_223_372_036_854_775_807, 1]], .double(9_223_372_036_854_775_808.0)),
    (["*": [4_294_967_296, 4_294_967_296]], .double(18_446_744_073_709_551_616.0)),
    (["-": [-9_223_372_036_854_775_807, 2]], .double(-9_223_372_036_854_775_809.0)),
    (["max": [1, 2.5, 2]], .double(2.5)),
    (["min": [3, 1, 2.5]], .integer(1)),
]

private let nanCases: [JSONValue] = [
    ["*": [1e308, 10]], ["/": [1, 0]], ["%": [1, 0]], ["-": ["Infinity", "Infinity"]], ["<": [1, [1]]],
    ["==": [true, "yes"]],
]

private let invalidArgumentCases: [JSONValue] = [
    ["max": ["1", 2]], ["min": [nil]], ["max": []], ["%": [1]], ["map": [nil, ["var": ""]]],
    ["all": [["var": "missing"], true]], ["missing_some": [1, "a"]],
]

private let numericStringCases: [(String, Coercion.Number)] = [
    ("12", .integer(12)), (" \n12\t", .integer(12)), ("+7", .integer(7)), ("-0", .integer(0)), ("", .integer(0)),
    ("  ", .integer(0)), ("0x1F", .integer(31)), ("0b101", .integer(5)), ("0o17", .integer(15)), ("1e2", .double(100)),
    (".5", .double(0.5)), ("5.", .double(5)), ("-1.25e-1", .double(-0.125)), ("Infinity", .double(.infinity)),
    ("-Infinity", .double(-.infinity)), ("\u{A0}3\u{2028}", .integer(3)), ("99999999999999999999", .double(1e20)),
    ("1250.50", .double(1250.5)), ("0.1", .double(0.1)), ("1e400", .double(.infinity)), ("1e-400", .double(0)),
    ("9007199254740993", .integer(9_007_199_254_740_993)), ("9007199254740993.0", .double(9_007_199_254_740_992)),
    ("-9223372036854775808", .integer(.min)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
]

private let numberTextCases: [(Double, String)] = [
    (1.0, "1"), (1.5, "1.5"), (-0.5, "-0.5"), (100.0, "100"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (1e-7, "1e-7"),
    (0.000001, "0.000001"), (0.1 + 0.2, "0.30000000000000004"),
    (123_456_789_012_345_680_000.0, "123456789012345680000"),
    (2.5e-10, "2.5e-10"),
]

@Suite("JSON Logic operator semantics")
struct JSONLogicSemanticsTests {
    @Test(arguments: exactArithmeticCases)
    func integersStayExactAndOverflowToReals(rule: JSONValue, expected: JSONValue) throws {
        #expect(try evaluate(rule) == expected)
    }

    @Test(arguments: nanCases)
    func impossibleNumbersRaiseNaN(rule: JSONValue) {
        #expect(throws: LogicError.nan) { try evaluate(rule) }
    }

    @Test(arguments: invalidArgumentCases)
    func unusableArgumentsRaiseInvalidArguments(rule: JSONValue) {
        #expect(throws: LogicError.invalidArguments) { try evaluate(rule) }
    }

    @Test(arguments: numericStringCases)
    func numericStringsConvertLikeJavaScriptNumber(text: String, expected: Coercion.Number) {
        #expect(Coercion.number(parsing: text) == expected)
    }

    /// The allocation-free decimal reader must agree with `strtod` to the last bit.
    @Test func decimalStringsConvertExactly() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        for _ in 0..<20_000 {
            var text = next(2) == 0 ? "" : "-"
            for _ in 0...next(12) { text += String(next(10)) }
            text += "."
            for _ in 0...next(12) { text += String(next(10)) }
            if next(3) == 0 { text += "e\(Int(next(60)) - 30)" }
            #expect(Coercion.number(parsing: text)?.doubleValue == Double(text), "\(text)")
        }
    }

    @Test(arguments: ["abc", "12px", "1_000", "-0x1", "0x", "1e", "e5", ".", "+", "--1", "1.2.3", "infinity", "NaN"])
    func nonNumericStringsAreNaN(text: String) {
        #expect(Coercion.number(parsing: text) == nil)
    }

    @Test(arguments: numberTextCases)
    func numbersPrintLikeJavaScript(number: Double, expected: String) throws {
        #expect(Coercion.numberText(number) == expected)
        #expect(try evaluate(["cat": [.double(number)]]) == .string(expected))
    }

    @Test func stringsCompareByCodePointAndNumbersAcrossTypes() throws {
        #expect(try evaluate(["<": ["2024-01-31", "2024-02-01"]]) == true)
        #expect(try evaluate(["<": ["Z", "a"]]) == true)
        #expect(try evaluate(["==": [1, 1.0]]) == true)
        #expect(try evaluate(["===": [1, 1.0]]) == true)
        #expect(try evaluate(["<": [9_007_199_254_740_993, 9_007_199_254_740_992.0]]) == false)
        #expect(try evaluate([">": [9_007_199_254_740_993, 9_007_199_254_740_992.0]]) == true)
        #expect(try evaluate(["<": [nil, "5"]]) == true)
        #expect(try evaluate(["<=": [nil, "abc"]]) == false)
        #expect(try evaluate(["!=": [nil, "abc"]]) == true)
        #expect(try evaluate(["==": ["é", "e\u{301}"]]) == false)  // no canonical equivalence, as in JSON
        #expect(try evaluate(["<=": [0, ["var": "x"], 10]], ["x": "10"]) == true)
    }

    @Test func strictEqualityComparesArraysAndObjectsByValue() throws {
        let data: JSONValue = [
            "x": [1, ["a": 2]], "y": [1.0, ["a": 2]], "p": ["a": 1, "b": 2], "q": ["b": 2, "a": 1],
        ]
        #expect(try evaluate(["===": [["var": "x"], ["var": "y"]]], data) == true)
        #expect(try evaluate(["===": [["var": "p"], ["var": "q"]]], data) == true)
        #expect(try evaluate(["!==": [[1], ["1"]]]) == true)
    }

    @Test func inUsesStrictEqualityForLiteralListsOfAnySize() throws {
        let small: JSONValue = .array((1...3).map { .integer($0) })
        let large: JSONValue = .array((1...20).map { .integer($0) } + ["x", nil, true])
        for list in [small, large] {
            #expect(try evaluate(["in": [["var": "v"], list]], ["v": 2.0]) == true)
            #expect(try evaluate(["in": [["var": "v"], list]], ["v": "2"]) == false)
            #expect(try evaluate(["in": [["var": "v"], list]], ["v": 99]) == false)
        }
        #expect(try evaluate(["in": [["var": "v"], large]], ["v": nil]) == true)
        #expect(try evaluate(["in": [["var": "v"], large]], ["v": "x"]) == true)
        #expect(try evaluate(["in": [["var": "v"], [[1], 2]]], ["v": [1]]) == true)
        #expect(try evaluate(["in": [1, "a1b"]]) == true)
        #expect(try evaluate(["in": ["x", ["var": "missing"]]]) == false)
    }

    @Test func varReadsPathsDefaultsAndComputedKeys() throws {
        let data: JSONValue = ["a": ["b": [10, 20]], "n": nil, "k": "a.b"]
        #expect(try evaluate(["var": "a.b.1"], data) == 20)
        #expect(try evaluate(["var": ["n", 5]], data) == nil)  // present null: not the default
        #expect(try evaluate(["var": ["n.x", 5]], data) == 5)  // through null: the default
        #expect(try evaluate(["var": [["var": "k"]]], data) == [10, 20])
        #expect(try evaluate(["var": ["zz", ["var": "k"]]], data) == "a.b")  // default evaluated lazily
        #expect(try evaluate(["val": "a.b"], ["a.b": 1]) == 1)  // val does not split at dots
    }

    @Test func varNodesAreLabelledForTraces() {
        #expect(LogicExpression(lenient: ["var": "variables.contract_value"]).node.label == "contract value")
        #expect(LogicExpression(lenient: ["var": "approvers.active"]).node.label == "active approvers")
        #expect(LogicExpression(lenient: ["var": ["amount", 0]]).node.label == "amount")
        #expect(LogicExpression(lenient: ["val": ["variables", "owner"]]).node.label == "owner")
        #expect(LogicExpression(lenient: ["var": ""]).node.label == nil)
    }

    @Test func missingCountsNullAndEmptyWhileExistsDoesNot() throws {
        let data: JSONValue = ["a": nil, "b": "", "c": 0, "d": false]
        #expect(try evaluate(["missing": ["a", "b", "c", "d", "e"]], data) == ["a", "b", "e"])
        #expect(try evaluate(["missing_some": [2, ["a", "c", "d"]]], data) == [])
        #expect(try evaluate(["missing_some": [3, ["a", "c", "d"]]], data) == ["a"])
        #expect(try evaluate(["exists": "a"], data) == true)
        #expect(try evaluate(["exists": "e"], data) == false)
    }

    @Test func iteratorsExposeIndexAndOuterScopes() throws {
        let data: JSONValue = ["xs": ["a", "b"], "suffix": "!"]
        let rule: JSONValue = [
            "map": [["var": "xs"], ["cat": [["val": [[1], "index"]], ["val": []], ["val": [[2], "suffix"]]]]]
        ]
        #expect(try evaluate(rule, data) == ["0a!", "1b!"])
        #expect(try evaluate(["reduce": [[1, 2, 3], ["+": [["var": "current"], ["var": "accumulator"]]]]]) == 6)
        #expect(try evaluate(["reduce": [[], ["+": [["var": "current"], ["var": "accumulator"]]]]]) == nil)
        #expect(try evaluate(["reduce": [[1, 2], ["val": [[1], 0]], 0]]) == 1)  // one scope up: the source
    }

    @Test func scopesArePoppedWhenABodyThrows() throws {
        for rule: JSONValue in [
            ["map": [[1, 2], ["throw": "boom"]]],
            ["filter": [[1, 2], ["val": [[1], ["throw": "boom"]]]]],
            ["reduce": [[1, 2], ["throw": "boom"], 0]],
            ["some": [[1], ["try": [["throw": "a"], ["throw": "boom"]]]]],
        ] {
            let expression = LogicExpression(lenient: rule)
            var context = EvaluationContext(root: .value(nil), facts: expression.facts)
            #expect(throws: LogicError(type: "boom")) { try expression.node.run(&context) }
            #expect(context.scopes.isEmpty)
        }
    }

    @Test func tryGivesFallbacksTheErrorAndRaisesTheLastOne() throws {
        #expect(try evaluate(["try": [["throw": ["var": "e"]], ["val": "code"]]], ["e": ["code": 7]]) == 7)
        #expect(try evaluate(["try": [["/": [1, 0]], ["cat": ["failed: ", ["val": "type"]]]]]) == "failed: NaN")
        #expect(throws: LogicError(value: ["type": 5])) { try evaluate(["throw": 5]) }
    }

    @Test func theStepBudgetStopsLongIterationsAndTryCannotCatchIt() throws {
        let rule: JSONValue = ["try": [["map": [["var": "xs"], ["var": ""]]], "caught"]]
        let data: JSONValue = ["xs": .array((0..<100).map { .integer($0) })]
        let expression = try LogicExpression(rule)
        var context = EvaluationContext(root: .value(data), facts: expression.facts, budget: 50)
        #expect(throws: LogicError.budgetExceeded) { try expression.node.run(&context) }
        #expect(context.scopes.isEmpty)
        var roomy = EvaluationContext(root: .value(data), facts: expression.facts, budget: 100)
        #expect(try expression.node.run(&roomy).array?.count == 100)
    }

    @Test func constantConditionsAndLiteralNullIteratorsAreSettledAtCompileTime() throws {
        #expect(
            LogicExpression(lenient: ["if": [false, ["var": "a"], true, "yes", ["var": "b"]]]).node.constant == "yes")
        #expect(LogicExpression(lenient: ["and": [true, false, ["var": "a"]]]).node.constant == false)
        #expect(LogicExpression(lenient: ["+": ["preserve": [1, 2, 3]]]).node.constant == 6)
        let error = try #require(throws: RuleCompilationError.self) {
            try LogicExpression(["map": [nil, ["var": ""]]])
        }
        #expect(error.errors.map(\.code) == [.invalidArgument])
        #expect(error.errors.first?.path == JSONPointer(tokens: ["map", "0"]))
    }

    @Test func comparisonsAndTestsRecordReadableTraceEvents() throws {
        let data: JSONValue = ["variables": ["contract_value": 300_000, "region": "EU"], "tags": ["x"]]
        let (value, events) = try traced(
            [
                "and": [
                    [">": [["var": "variables.contract_value"], 250_000]],
                    ["<=": [0, ["var": "variables.contract_value"], 500_000]],
                    ["in": [["var": "variables.region"], ["EU", "UK"]]],
                    ["!": [["var": "variables.missing"]]],
                    ["!!": [["var": "tags"]]],
                    ["exists": ["variables", "region"]],
                    ["!": [["missing": ["variables.region", "owner"]]]],
                ]
            ], data)
        #expect(value == false)
        #expect(
            events.map(\.text) == [
                "contract value 300000 > 250000",
                "0 ≤ contract value 300000 ≤ 500000",
                "region \"EU\" in EU, UK",
                "missing: (missing) → \"no missing\"",
                "tags: x → \"tags given\"",
                "exists region",
                "missing variables.region, owner",
                "missing variables.region, owner: owner → \"nothing missing\"",
            ])
        #expect(events.map(\.result) == [true, true, true, true, true, true, ["owner"], false])
        // The negation restates the test it negates, at its own path; people see it once.
        #expect(events.last?.path == JSONPointer(tokens: ["and", "6"]))
        #expect(events.map(\.restatedByNext) == [false, false, false, false, false, false, true, false])
        #expect(events.first?.path == JSONPointer(tokens: ["and", "0"]))
    }

    @Test func nothingIsRecordedWhenTracingIsOff() throws {
        let expression = try LogicExpression([">": [["var": "a"], 0]])
        var context = EvaluationContext(root: .value(["a": 1]), facts: expression.facts)
        _ = try expression.node.run(&context)
        #expect(context.trace == nil)
    }
}
