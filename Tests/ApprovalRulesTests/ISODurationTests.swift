import ApprovalJSON
import Testing

@testable import ApprovalRules

/// A duration as written, and its length in milliseconds (`nil`: refused).
struct DurationCase: CustomTestStringConvertible, Sendable {
    let text: String
    let milliseconds: Int64?
    var testDescription: String { "\"\(text)\" → \(milliseconds.map(String.init) ?? "refused")" }

    init(_ text: String, _ milliseconds: Int64?) {
        self.text = text
        self.milliseconds = milliseconds
    }
}

@Suite struct ISODurationTests {
    static let hour: Int64 = 3_600_000

    static let valid: [DurationCase] = [
        DurationCase("PT48H", 48 * hour),
        DurationCase("P2D", 48 * hour),
        DurationCase("P1W", 7 * 24 * hour),
        DurationCase("PT1.5S", 1500),
        DurationCase("PT0.25S", 250),
        DurationCase("PT1,5S", 1500),
        DurationCase("PT0.001S", 1),
        DurationCase("P1DT12H", 36 * hour),
        DurationCase("PT90M", 90 * 60_000),
        DurationCase("P1DT2H3M4.005S", 26 * hour + 3 * 60_000 + 4005),
        DurationCase("PT30S", 30_000),
        DurationCase("P0D", 0),
        DurationCase("PT0S", 0),
        DurationCase("P106751991167D", 106_751_991_167 * 24 * hour),
    ]

    static let invalid: [DurationCase] = [
        DurationCase("", nil),
        DurationCase("P", nil),
        DurationCase("PT", nil),
        DurationCase("P1Y", nil),
        DurationCase("P1M", nil),
        DurationCase("P1Y2D", nil),
        DurationCase("PT-1H", nil),
        DurationCase("-PT1H", nil),
        DurationCase("48H", nil),
        DurationCase("PT1.2345S", nil),
        DurationCase("P1DT", nil),
        DurationCase("PT99999999999999999999H", nil),
        DurationCase("P106751991168D", nil),
        DurationCase("P9223372036854775807W", nil),
        DurationCase("PT1.5H", nil),
        DurationCase("P1.5D", nil),
        DurationCase("PT1.S", nil),
        DurationCase("PT.5S", nil),
        DurationCase("P1W1D", nil),
        DurationCase("P1WT1H", nil),
        DurationCase("P1D1W", nil),
        DurationCase("PT1H1H", nil),
        DurationCase("PT1M1H", nil),
        DurationCase("P1DT1D", nil),
        DurationCase("P1H", nil),
        DurationCase("PTT1H", nil),
        DurationCase("pt48h", nil),
        DurationCase("PT48h", nil),
        DurationCase(" PT48H", nil),
        DurationCase("PT48H ", nil),
        DurationCase("PT48", nil),
        DurationCase("PT48X", nil),
        DurationCase("PTH", nil),
    ]

    @Test(arguments: valid)
    func validDurationParsesToItsLength(_ testCase: DurationCase) throws {
        let duration = try #require(ISODuration(testCase.text))
        #expect(duration.milliseconds == testCase.milliseconds)
        #expect(duration.description == testCase.text)
        #expect(ISODuration.problem(in: testCase.text) == nil)
    }

    @Test(arguments: invalid)
    func invalidDurationIsRefusedWithAReason(_ testCase: DurationCase) {
        #expect(ISODuration(testCase.text) == nil)
        let problem = ISODuration.problem(in: testCase.text)
        #expect(problem?.isEmpty == false)
    }

    @Test(arguments: ["P1Y", "P1M", "P2Y", "P1DT1H1M1Y"])
    func yearsAndMonthsAreRefusedBecauseTheirLengthVaries(_ text: String) {
        #expect(ISODuration.problem(in: text)?.hasPrefix("years and months have no fixed length; use days") == true)
    }

    @Test func minutesAfterTAreNotMonths() {
        #expect(ISODuration("PT1M")?.milliseconds == 60_000)
        #expect(ISODuration("P1M") == nil)
    }

    @Test(arguments: valid + invalid)
    func schemaPatternAcceptsExactlyThePositiveDurations(_ testCase: DurationCase) throws {
        let schema = try DocumentationTests.schema()
        let pattern = try #require(schema["$defs"]?["duration"]?["pattern"]?.string)
        let matches = try testCase.text.wholeMatch(of: Regex(pattern)) != nil
        // The schema cannot see overflow; every other refusal it shares.
        let overflows = ISODuration.problem(in: testCase.text) == "the duration is too long"
        #expect(matches == ((testCase.milliseconds ?? 0) > 0 || overflows))
    }

    @Test func schemaEscalationDeclaresBothTimingKeys() throws {
        let escalation = try #require(try DocumentationTests.schema()["$defs"]?["escalation"])
        #expect(escalation["properties"]?["remind_after"]?["$ref"] == "#/$defs/duration")
        let followUp = try #require(escalation["properties"]?["escalate_after"])
        #expect(followUp["required"] == ["after", "to"])
        #expect(Set(followUp["properties"]?.object?.keys ?? []) == ["after", "to", "severity", "message"])
        #expect(followUp["properties"]?["severity"]?["default"] == "high")
        #expect(
            followUp["properties"]?["severity"]?["enum"]?.array?.compactMap(\.string)
                == Severity.allCases.map(\.rawValue))
    }

    @Test func durationsWrittenDifferentlyAreDifferentValuesOfTheSameLength() throws {
        let hours = try #require(ISODuration("PT48H"))
        let days = try #require(ISODuration("P2D"))
        #expect(hours.milliseconds == days.milliseconds)
        #expect(hours != days)
        #expect(hours == ISODuration("PT48H"))
    }
}
