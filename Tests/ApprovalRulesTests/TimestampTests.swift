import ApprovalJSON
import ApprovalRules
import Foundation
import Testing

/// `Timestamp(iso8601:)`: the forms it reads, and the ones it refuses without failing.
@Suite struct TimestampTests {
    static let read: [(String, Int64)] = [
        ("2025-06-01", 1_748_736_000_000),
        ("2025-06-01T00:00:00Z", 1_748_736_000_000),
        ("2025-06-01T00:00:00.5Z", 1_748_736_000_500),
        ("2025-06-01T00:00:00.123Z", 1_748_736_000_123),
        // More than three fractional digits: read, the rest dropped (found by the service's
        // contract tests: this used to trap on an empty range).
        ("2025-06-01T00:00:00.123456Z", 1_748_736_000_123),
        ("2025-06-01T00:00:00.999999999Z", 1_748_736_000_999),
        ("2025-06-01T02:00:00+02:00", 1_748_736_000_000),
    ]

    @Test(arguments: read)
    func readsISO8601(_ text: String, _ milliseconds: Int64) {
        #expect(Timestamp(iso8601: text)?.millisecondsSinceEpoch == milliseconds)
    }

    @Test(arguments: [
        "", "2025-02-30", "2025-06-01T24:00:00Z", "2025-06-01T00:00:00.Z", "2025-06-01T00:00Z0",
        "0662-01-07T07:41:40.216143",
    ])
    func refusesOtherText(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    /// How a timestamp writes itself: milliseconds only when there are some, years padded to four
    /// digits, and the date alone for `dateString`.
    static let written: [(Int64, String, String)] = [
        (1_748_736_000_000, "2025-06-01T00:00:00Z", "2025-06-01"),
        (1_748_736_000_500, "2025-06-01T00:00:00.500Z", "2025-06-01"),
        (1_748_736_000_007, "2025-06-01T00:00:00.007Z", "2025-06-01"),
        (1_748_822_399_999, "2025-06-01T23:59:59.999Z", "2025-06-01"),
        (0, "1970-01-01T00:00:00Z", "1970-01-01"),
        (-86_400_000, "1969-12-31T00:00:00Z", "1969-12-31"),
        (-62_135_596_800_000, "0001-01-01T00:00:00Z", "0001-01-01"),
        (253_402_300_799_000, "9999-12-31T23:59:59Z", "9999-12-31"),
    ]

    @Test(arguments: written)
    func writesISO8601(_ milliseconds: Int64, _ text: String, _ date: String) {
        let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(timestamp.description == text)
        #expect(timestamp.dateString == date)
        #expect(Timestamp(iso8601: text)?.millisecondsSinceEpoch == milliseconds)
    }
}

/// A date-time with microseconds in a snapshot is decided as the same date-time written to the
/// millisecond (it used to stop the process).
@Test func aSnapshotDateWithMicrosecondsIsDecided() throws {
    let rules = try RuleSet(contentsOf: RuleFixtures.defaultRulesPath)
    let path = RuleFixtures.snapshotsDirectory + "/effective-date-boundary.json"
    let text = String(decoding: try FileBytes.read(path, limit: 1 << 24), as: UTF8.self)
    let precise = text.replacingOccurrences(of: "\"2024-12-03\"", with: "\"2024-12-03T00:00:00.000001Z\"")
    #expect(precise != text)
    let options = EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T00:00:00Z"))
    let milliseconds = text.replacingOccurrences(of: "\"2024-12-03\"", with: "\"2024-12-03T00:00:00.000Z\"")
    let original = rules.evaluate(try ApprovalSnapshot(parsing: Array(milliseconds.utf8)), options: options)
    let decided = rules.evaluate(try ApprovalSnapshot(parsing: Array(precise.utf8)), options: options)
    #expect(decided.recommendation == original.recommendation)
    #expect(decided.firedRules.map(\.id) == original.firedRules.map(\.id))
    #expect(decided.dataProblems.map(\.code) == original.dataProblems.map(\.code))
}
