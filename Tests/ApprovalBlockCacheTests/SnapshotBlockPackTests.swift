import ApprovalBatch
import ApprovalBlockCache
import ApprovalJSON
import ApprovalRules
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The block pack on real files in a fresh folder: a second run reads every block and decides
/// exactly what parsing decides; a changed, recent or damaged file is parsed again; a damaged or
/// cut pack is survived; two runs at once lose nothing of each other's; `verify` finds a block
/// that does not match its file.
@Suite(.serialized) struct SnapshotBlockPackTests {
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
    static let options = EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T09:00:00Z"))
    static let logger = Logger(label: "test.block-pack") { _ in SwiftLogNoOpLogHandler() }

    /// A folder with copies of the example snapshots, last modified an hour ago (a file changed
    /// within the last second is not cached), and a cache folder beside it.
    final class Workspace {
        let root: String
        var snapshots: String { root + "/snapshots" }
        var cache: String { root + "/cache" }

        init() throws {
            var template = Array("/tmp/block-pack-test-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw Failure("mkdtemp failed") }
            root = String(cString: made)
            mkdir(root + "/snapshots", 0o700)
            let examples = SnapshotBlockPackTests.repository + "/examples/snapshots"
            var source = try FileSnapshotSource(examples)
            while let item = source.next() {
                let name = String(item.file.dropFirst(examples.count + 1)).replacingSlashes()
                try write(try FileBytes.read(item.file, limit: 1 << 24), to: snapshots + "/" + name)
            }
        }

        deinit { _ = system("rm -rf '\(root)'") }

        /// Writes `bytes` to `path`, then sets its modification time `age` seconds back.
        func write(_ bytes: [UInt8], to path: String, age: Int = 3600) throws {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { throw Failure("cannot write \(path)") }
            _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            setAge(of: path, to: age)
        }

        func setAge(of path: String, to seconds: Int) {
            var times = [
                timespec(tv_sec: time(nil) - seconds, tv_nsec: 0), timespec(tv_sec: time(nil) - seconds, tv_nsec: 0),
            ]
            utimensat(AT_FDCWD, path, &times, 0)
        }

        func pack(_ rules: RuleSet, verify: Bool = false) throws -> SnapshotBlockPack {
            try SnapshotBlockPack(
                directory: cache, source: snapshots, projection: rules.projection, verify: verify,
                logger: SnapshotBlockPackTests.logger)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func rules() throws -> RuleSet { try RuleSet(contentsOf: repository + "/rules/default.rules.json") }

    /// Every decision of a run over `folder` (file name, decision JSON or error code), in order.
    static func decisions(_ folder: String, rules: RuleSet, cache: SnapshotBlockPack?, workers: Int = 2) throws
        -> [String]
    {
        var source = try FileSnapshotSource(folder)
        var results: [String] = []
        let evaluator = BatchEvaluator(rules: rules, options: options, workers: workers, cache: cache)
        evaluator.run(&source, render: { _, _ in () }) { item, outcome, _ in
            switch outcome {
            case .decided(let decision, _):
                results.append(item.file.split(separator: "/").last! + " " + JSONWriter.compact.string(decision.json))
            case .unreadable(let error): results.append(item.file + " " + error.code.description)
            }
        }
        return results
    }

    @Test func aSecondRunReadsEveryBlockAndDecidesWhatParsingDecides() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let parsed = try Self.decisions(workspace.snapshots, rules: rules, cache: nil)
        #expect(parsed.count >= 30)

        let first = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: first) == parsed)
        let filled = first.finish()
        #expect(filled.found == 0)
        #expect(filled.kept == parsed.count)

        let second = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: second, workers: 1) == parsed)
        #expect(second.finish() == SnapshotBlockPack.Statistics(found: parsed.count))
    }

    /// Snapshots held as bytes (NDJSON lines, ledger records) are found by their contents: the
    /// same bytes from another item hit, one changed byte misses, and the decisions are those of
    /// parsing. Contents are kept even when just made (no recency rule: they cannot change).
    @Test func snapshotsHeldAsBytesAreFoundByTheirContents() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        var files = try FileSnapshotSource(workspace.snapshots)
        var contents: [[UInt8]] = []
        while let item = files.next() { contents.append(try FileBytes.read(item.file, limit: 1 << 24)) }
        func decide(_ contents: [[UInt8]], cache: SnapshotBlockPack?) -> [String] {
            var source = MemorySnapshotSource(
                contents.enumerated().map { (name: "line \($0.offset + 1)", bytes: $0.element) })
            var results: [String] = []
            let evaluator = BatchEvaluator(rules: rules, options: Self.options, workers: 2, cache: cache)
            evaluator.run(&source, render: { _, _ in () }) { _, outcome, _ in
                switch outcome {
                case .decided(let decision, _): results.append(JSONWriter.compact.string(decision.json))
                case .unreadable(let error): results.append(error.code.description)
                }
            }
            return results
        }
        let parsed = decide(contents, cache: nil)
        let first = try workspace.pack(rules)
        #expect(decide(contents, cache: first) == parsed)
        #expect(first.finish() == SnapshotBlockPack.Statistics(kept: contents.count))

        // The same contents in another order, one of them with a byte changed.
        var changed = Array(contents.reversed())
        let at = try #require(changed[0].lastIndex(of: UInt8(ascii: "0")))
        changed[0][at] = UInt8(ascii: "7")
        let second = try workspace.pack(rules, verify: true)
        #expect(decide(changed, cache: second) == decide(changed, cache: nil))
        #expect(second.finish() == SnapshotBlockPack.Statistics(found: contents.count - 1, kept: 1))
    }

    @Test func aChangedFileIsParsedAgainEvenWithItsOldSizeAndTime() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let warm = try workspace.pack(rules)
        _ = try Self.decisions(workspace.snapshots, rules: rules, cache: warm)
        warm.finish()

        // Same size, same modification time: only the status-change time tells.
        let path = workspace.snapshots + "/tier2-cfo.json"
        var bytes = try FileBytes.read(path, limit: 1 << 24)
        let before = try #require(FileIdentity(path: path))
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "0")).map { $0 })
        bytes[at] = UInt8(ascii: "9")
        try workspace.write(bytes, to: path)
        var times = [
            timespec(tv_sec: Int(before.modified / 1_000_000_000), tv_nsec: Int(before.modified % 1_000_000_000)),
            timespec(tv_sec: Int(before.modified / 1_000_000_000), tv_nsec: Int(before.modified % 1_000_000_000)),
        ]
        utimensat(AT_FDCWD, path, &times, 0)
        let after = try #require(FileIdentity(path: path))
        #expect(after.size == before.size && after.modified == before.modified)

        let pack = try workspace.pack(rules)
        let cached = try Self.decisions(workspace.snapshots, rules: rules, cache: pack)
        #expect(cached == (try Self.decisions(workspace.snapshots, rules: rules, cache: nil)))
        let statistics = pack.finish()
        #expect(statistics.kept == 1)
        #expect(statistics.found == cached.count - 1)
    }

    @Test func aFileChangedWithinTheLastSecondIsNotKept() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        // Five seconds ahead rather than now: a second boundary between this line and the run
        // must not make the file old enough.
        workspace.setAge(of: workspace.snapshots + "/tier2-cfo.json", to: -5)
        let pack = try workspace.pack(rules)
        let decided = try Self.decisions(workspace.snapshots, rules: rules, cache: pack)
        let statistics = pack.finish()
        #expect(statistics.kept == decided.count - 1)
        let again = try workspace.pack(rules)
        _ = try Self.decisions(workspace.snapshots, rules: rules, cache: again)
        #expect(again.finish().found == decided.count - 1)
    }

    @Test func otherRulesReadingOtherFactsGetAPackOfTheirOwn() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let other = try RuleSet(
            bytes: Array(
                #"{"name": "small", "rules": [{"id": "small", "when": {"<": [{"var": "variables.contract_value"}, 10]}, "recommend": "approve", "reason": "small"}]}"#
                    .utf8))
        #expect(rules.projection.fingerprint != other.projection.fingerprint)
        #expect(try workspace.pack(rules).path != workspace.pack(other).path)
        #expect(try workspace.pack(rules).path == workspace.pack(rules).path)
    }

    @Test func aDamagedRecordIsParsedAgainAndACutPackIsRepaired() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let parsed = try Self.decisions(workspace.snapshots, rules: rules, cache: nil)
        let first = try workspace.pack(rules)
        _ = try Self.decisions(workspace.snapshots, rules: rules, cache: first)
        first.finish()
        let path = first.path

        // One byte changed in the middle: that record's checksum fails, the rest are found.
        var bytes = try FileBytes.read(path, limit: 1 << 26)
        bytes[bytes.count / 2] ^= 0x5A
        try workspace.write(bytes, to: path)
        let damaged = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: damaged) == parsed)
        let statistics = damaged.finish()
        #expect(statistics.damaged <= 1)
        #expect(statistics.found + statistics.kept == parsed.count)

        // Cut in the middle of a record: the pack is read up to it, the tail cut off, and what is
        // appended after is found by the next run.
        bytes = try FileBytes.read(path, limit: 1 << 26)
        try workspace.write(Array(bytes[..<(bytes.count - 100)]), to: path)
        let cut = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: cut) == parsed)
        #expect(cut.finish().kept >= 1)
        let repaired = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: repaired) == parsed)
        #expect(repaired.finish().found == parsed.count)
    }

    @Test func twoRunsAtOnceKeepEachOthersBlocks() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let parsed = try Self.decisions(workspace.snapshots, rules: rules, cache: nil)
        let one = try workspace.pack(rules)
        let two = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: one) == parsed)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: two) == parsed)
        #expect(one.finish().kept == parsed.count)
        #expect(two.finish().kept == parsed.count)
        let third = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: third) == parsed)
        #expect(third.finish().found == parsed.count)
    }

    @Test func verifyFindsABlockThatIsNotItsFiles() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let parsed = try Self.decisions(workspace.snapshots, rules: rules, cache: nil)
        // A record for basic.json holding another snapshot's block, as a cache that lies would.
        let liar = try workspace.pack(rules)
        let path = workspace.snapshots + "/tier2-cfo.json"
        let ticket = try #require(liar.lookup(path, identity: nil).ticket)
        let (_, otherBlock) = try ApprovalSnapshot.parsingKeepingBlock(
            FileBytes.read(workspace.snapshots + "/blocked-vendor-lookalike.json", limit: 1 << 24),
            projection: rules.projection)
        liar.store(otherBlock, for: ticket)
        liar.finish()

        let trusting = try workspace.pack(rules)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: trusting) != parsed)
        trusting.finish()
        let checking = try workspace.pack(rules, verify: true)
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: checking) == parsed)
        let statistics = checking.finish()
        #expect(statistics.stale == 1)
        #expect(statistics.found == parsed.count - 1)
    }

    @Test func aPackOfMostlyStaleRecordsIsCompactedToTheLiveOnes() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        let parsed = try Self.decisions(workspace.snapshots, rules: rules, cache: nil)
        func pack() throws -> SnapshotBlockPack {
            try SnapshotBlockPack(
                directory: workspace.cache, source: workspace.snapshots, projection: rules.projection,
                options: ApprovalSnapshot.parserOptions, verify: false, logger: Self.logger, compactionFloor: 1)
        }
        let first = try pack()
        _ = try Self.decisions(workspace.snapshots, rules: rules, cache: first)
        first.finish()
        let full = try #require(FileIdentity(path: first.path)).size

        // Every file but one gone: the next run uses one record of many, and compacts.
        var source = try FileSnapshotSource(workspace.snapshots)
        while let item = source.next() {
            if !item.file.hasSuffix("/tier2-cfo.json") { unlink(item.file) }
        }
        let second = try pack()
        #expect(try Self.decisions(workspace.snapshots, rules: rules, cache: second).count == 1)
        #expect(second.finish().found == 1)
        let compacted = try #require(FileIdentity(path: first.path)).size
        #expect(compacted < full / Int64(parsed.count) * 2, "\(full) -> \(compacted) bytes")

        // The record kept is still found, and decides as parsing does.
        let third = try pack()
        let after = try Self.decisions(workspace.snapshots, rules: rules, cache: third)
        #expect(third.finish().found == 1)
        #expect(after == parsed.filter { $0.hasPrefix("tier2-cfo.json ") })
    }

    @Test func aFolderOrPackOthersMayWriteIsRefused() throws {
        let workspace = try Workspace()
        let rules = try Self.rules()
        mkdir(workspace.cache, 0o700)
        chmod(workspace.cache, 0o777)
        #expect {
            _ = try workspace.pack(rules)
        } throws: { "\($0)".contains("writable by others") }
        chmod(workspace.cache, 0o700)
        let path = try workspace.pack(rules).path
        chmod(path, 0o666)
        #expect {
            _ = try workspace.pack(rules)
        } throws: { "\($0)".contains("\(path): owned by another user or writable by others") }
    }

    @Test func anUnwritableFolderIsAnErrorNamingIt() {
        #expect {
            _ = try SnapshotBlockPack(
                directory: "/proc/no-such-cache", source: "x", projection: .all, logger: Self.logger)
        } throws: { "\($0)".contains("/proc/no-such-cache") }
    }
}

extension String {
    fileprivate func replacingSlashes() -> String { String(map { $0 == "/" ? "_" : $0 }) }
}
