import ApprovalJSON
import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import Foundation
import Logging
import Synchronization
import Testing

/// Files, ledgers and clocks the notice tests share.
enum NoticeFixtures {
    /// The repository root, from this file's path (`<repo>/Tests/ApprovalNoticesTests/Support/…`).
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    static let fixtures = root + "/Tests/ApprovalNoticesTests/Fixtures"

    /// Every task waits for the CFO (reminded every 48 h, the CEO told after 72 h); operations is
    /// told once.
    static func timingRules() throws -> RuleSet {
        try RuleSet(contentsOf: fixtures + "/notice-timing.rules.json")
    }

    /// `examples/snapshots/tier2-cfo.json` as task `task` at step run `stepRun`.
    static func snapshot(task: Int, stepRun: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: root + "/examples/snapshots/tier2-cfo.json", encoding: .utf8)
        return Array(
            text.replacingOccurrences(of: "48219", with: "\(task)")
                .replacingOccurrences(of: "sr_bc0d2f0cab32", with: stepRun).utf8)
    }

    /// 2025-06-01T00:00:00Z.
    static let start = Timestamp(iso8601: "2025-06-01T00:00:00Z")!

    static let silent = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Records `task`'s decision at `stepRun` into `ledger` (either backend).
    @discardableResult
    static func record(
        into ledger: any LedgerStore, rules: RuleSet, task: Int, stepRun: String
    ) async throws -> LedgerReceipt {
        let entry = try LedgerEntry.deciding(
            try snapshot(task: task, stepRun: stepRun), rules: rules, options: EvaluationOptions(now: start),
            source: "test")
        return try await ledger.record(entry)
    }

    /// Records `task`'s decision at `stepRun` into `ledger`.
    @discardableResult
    static func record(
        _ ledger: DecisionLedger, rules: RuleSet, task: Int, stepRun: String
    ) throws -> LedgerReceipt {
        let entry = try LedgerEntry.deciding(
            try snapshot(task: task, stepRun: stepRun), rules: rules, options: EvaluationOptions(now: start),
            source: "test")
        return try ledger.record(entry)
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let milliseconds: Mutex<Int64>

    init(_ start: Timestamp = NoticeFixtures.start) { milliseconds = Mutex(start.millisecondsSinceEpoch) }

    var now: Timestamp { Timestamp(millisecondsSinceEpoch: milliseconds.withLock { $0 }) }
    func advance(hours: Int64) { milliseconds.withLock { $0 += hours * 3_600_000 } }
    func set(_ time: Timestamp) { milliseconds.withLock { $0 = time.millisecondsSinceEpoch } }
    var function: @Sendable () -> Timestamp { { self.now } }
}

/// A folder under the system's temporary directory, removed by `remove()`.
struct Scratch: Sendable {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("ApprovalNoticesTests-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let full = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// A log handler keeping every line, to check that no secret is logged.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
        }
    }
}
