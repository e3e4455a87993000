public import ApprovalJSON

/// A deterministic, seeded source of realistic approval snapshots, for benchmarks, tests and
/// fuzzing seeds.
///
/// Each snapshot is the body of `GET /tasks/{id}/approval-details?include_files=true` (task id,
/// pending approval `step_run`, active and next approvers, about nine `variables_to_approve`, up
/// to four `files` with long presigned URLs), sometimes with the task itself under `"task"` and
/// its files listing under `"task_files"`: about 6.4 KB of compact JSON on average.
///
/// Edge cases are mixed in on purpose, a few percent each: contract values exactly on the
/// 50,000 / 250,000 / 1,000,000 thresholds (as integers, reals or strings such as `"50000.00"`)
/// or one cent either side, unusable values (`null`, `"TBD"`), a missing contract file (a `null`
/// variable, or a file id the response does not list), no active approvers, approvers and
/// reviewers at look-alike domains (`example.com.evil.test`, `examp1e.com`, `example.co`, while
/// `emea.example.com` is legitimate), blocklisted vendors in another case or with extra spaces,
/// effective dates on or one day before the 2024-01-01 cut-off (and a few invalid ones), and task
/// owners who are also active approvers.
///
/// Snapshot `i` of a seed depends only on the seed and `i` (each has its own SplitMix64 stream),
/// so the same seed gives byte-identical output on every run and platform, and a smaller corpus
/// is a prefix of a larger one. Task ids are ``firstTaskID`` + `i`.
///
/// ```swift
/// var generator = SnapshotGenerator(seed: 42)
/// let first = generator.next()               // snapshot 0
/// let bytes = JSONWriter.compact.bytes(generator.next())
///
/// let corpus = SnapshotGenerator.corpus(count: 1_000, seed: 42)
/// corpus[0] == first                          // true
/// ```
public struct SnapshotGenerator: Sendable {
    /// The seed every snapshot is derived from.
    public let seed: UInt64
    /// The index of the snapshot ``next()`` returns next.
    public private(set) var index: Int

    /// The task id of snapshot 0.
    public static let firstTaskID = 100_000

    /// The company's domain in generated e-mail addresses (subdomains of it are legitimate too).
    public static let companyDomain = "example.com"

    /// The 50 vendor names the benchmark rule set blocks, as its list spells them. Snapshots use
    /// them in about 3 % of cases, exactly or in another case or spacing.
    public static var blockedVendors: [String] { Vocabulary.blockedVendors }

    /// A generator whose first snapshot is number `index` of the corpus of `seed`.
    ///
    /// - Parameters:
    ///   - seed: any value; equal seeds give equal snapshots.
    ///   - index: the number of the first snapshot (0 for the start of the corpus).
    public init(seed: UInt64, startingAt index: Int = 0) {
        precondition(index >= 0, "snapshot indices start at 0")
        self.seed = seed
        self.index = index
    }

    /// The next snapshot.
    public mutating func next() -> JSONValue {
        defer { index += 1 }
        return Self.snapshot(seed: seed, index: index)
    }

    /// Snapshot number `index` of the corpus of `seed`.
    public static func snapshot(seed: UInt64, index: Int) -> JSONValue {
        precondition(index >= 0, "snapshot indices start at 0")
        var builder = SnapshotBuilder(seed: seed, index: index)
        return builder.build()
    }

    /// The first `count` snapshots of the corpus of `seed`.
    public static func corpus(count: Int, seed: UInt64) -> [JSONValue] {
        precondition(count >= 0, "a corpus cannot have a negative size")
        var snapshots: [JSONValue] = []
        snapshots.reserveCapacity(count)
        for index in 0..<count { snapshots.append(snapshot(seed: seed, index: index)) }
        return snapshots
    }
}
