import ApprovalJSON
import Testing

@testable import ApprovalRules

/// A placeholder with a formatter that does not compile: where it is reported, and what the
/// message must say.
struct FormatterMistake: CustomTestStringConvertible, Sendable {
    let path: String
    let line: Int
    let column: Int
    let says: String
    var testDescription: String { path }
}

/// How amounts, dates and lists read for people (``Readable``), in explanations and through the
/// template formatters `| money`, `| date` and `| list`.
@Suite struct ReadableTextTests {
    static let declarations: Declarations = {
        var declarations = Declarations()
        declarations.baseCurrency = "USD"
        declarations.rates = ["EUR": DecimalNumber(text: "1.08")!, "JPY": DecimalNumber(text: "0.0067")!]
        return declarations
    }()

    static let amounts: [(JSONValue, String)] = [
        (JSONValue.integer(250_000), "USD 250,000.00"), ("49999.99", "USD 49,999.99"), (0, "USD 0.00"),
        (-1200.5, "USD -1,200.50"),
        (["amount": "240000.00", "currency": "EUR"], "EUR 240,000.00 (= USD 259,200.00 at 1.08)"),
        ("JPY 1500000", "JPY 1,500,000.00 (= USD 10,050.00 at 0.0067)"), ("USD 12.345", "USD 12.345"),
        (999, "USD 999.00"), (1000, "USD 1,000.00"),
    ]

    @Test(arguments: amounts)
    func amountsReadWithTheirCurrencyAndConversion(value: JSONValue, expected: String) {
        #expect(Readable.money(value, Self.declarations) == expected)
    }

    @Test func somethingThatIsNoAmountIsNotMoney() {
        #expect(Readable.money("abc", Self.declarations) == nil)
        #expect(Readable.money(["amount": "1", "currency": "12"], baseCurrency: "USD") == nil)
    }

    @Test(arguments: [
        ("2025-03-01", "1 March 2025"), ("2024-12-31T23:30:00Z", "31 December 2024"),
        ("2025-01-21T01:00:00+02:00", "20 January 2025"),
    ])
    func datesReadAsTheirUTCCalendarDay(text: String, expected: String) {
        #expect(Readable.date(.string(text)) == expected)
    }

    @Test func listsReadCommaSeparated() {
        #expect(Readable.list(["a@example.com", "b@example.com"]) == "a@example.com, b@example.com")
        #expect(Readable.list([]) == "none")
        #expect(Readable.value(["a@example.com"]) == "a@example.com")
        #expect(Readable.value(.null) == "(missing)")
    }

    // MARK: - Template formatters

    static let snapshot = try! ApprovalSnapshot(
        text: """
            {"task_id": 7, "eligible_approvers_active": ["dana@example.com"],
             "next_eligible_approvers": ["noah@example.com", "ines@example.com"],
             "variables_to_approve": [
               {"variable_id": "contract_value", "variable_type": "number_with_currency",
                "value": {"amount": "240000.00", "currency": "EUR"}},
               {"variable_id": "plain_value", "variable_type": "number", "value": 50000},
               {"variable_id": "effective_date", "variable_type": "date", "value": "2025-03-01"},
               {"variable_id": "vendor_name", "variable_type": "text", "value": "Acme"}]}
            """)

    func render(_ template: String) throws -> String? {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "\#(template)"}"#,
                head: #""currency": {"base": "USD", "rates": {"EUR": 1.08}}"#))
        return rules.evaluate(Self.snapshot).firedRules.first?.reason
    }

    @Test(arguments: [
        ("worth {{variables.contract_value | money}}", "worth EUR 240,000.00"),
        ("worth {{ variables.plain_value|money }}", "worth USD 50,000.00"),
        ("from {{variables.effective_date | date}}", "from 1 March 2025"),
        ("next: {{approvers.next | list}}", "next: noah@example.com, ines@example.com"),
        ("all: {{approvers.all | list}}", "all: dana@example.com, noah@example.com, ines@example.com"),
        ("{{variables.missing | money}}", "(missing)"),
        // What a formatter cannot read is written as it is.
        ("{{variables.vendor_name | money}} {{variables.vendor_name | date}}", "Acme Acme"),
        ("{{variables.plain_value | list}}", "50000"),
    ])
    func formattersWriteFactsForPeople(template: String, expected: String) throws {
        #expect(try render(template) == expected)
    }

    @Test func listFormatterOfAnEmptyListReadsNone() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"{"id": "r", "when": \#(alwaysFires), "recommend": "hold", "reason": "next: {{approvers.next | list}}"}"#
            ))
        let snapshot = try ApprovalSnapshot(
            text:
                #"{"next_eligible_approvers": [], "variables_to_approve": [{"variable_id": "contract_value", "value": 5}]}"#
        )
        #expect(rules.evaluate(snapshot).firedRules.first?.reason == "next: none")
    }

    @Test(arguments: [
        FormatterMistake(path: "/rules/0/reason", line: 7, column: 16, says: #"did you mean "money"?"#),
        FormatterMistake(path: "/rules/1/reason", line: 9, column: 16, says: "one formatter"),
        FormatterMistake(path: "/rules/2/escalate/message", line: 11, column: 55, says: "expected a formatter"),
        FormatterMistake(path: "/rules/3/reason", line: 13, column: 16, says: "takes no formatter"),
        FormatterMistake(path: "/rules/4/reason", line: 15, column: 16, says: "formatters: money, date, list"),
    ])
    func formatterMistakesAreInvalidTemplates(_ mistake: FormatterMistake) throws {
        let file = RuleFixtures.path("templates/formatters.rules.json")
        let error = try #require(throws: RuleCompilationError.self) { try RuleSet(contentsOf: file) }
        let found = try #require(error.diagnostics.first { $0.path.description == mistake.path })
        #expect(found.code == .invalidTemplate)
        #expect(found.location?.line == mistake.line)
        #expect(found.location?.column == mistake.column)
        #expect(found.message.contains(mistake.says), "\(found.message)")
        #expect(error.diagnostics.count == 5)
    }
}
