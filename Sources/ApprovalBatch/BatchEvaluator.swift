public import ApprovalJSON
public import ApprovalRules
import Dispatch
import Synchronization

/// Evaluates the snapshots of a source on several threads and hands the results back in the
/// source's order, with bounded memory: the source is read a batch at a time (64 snapshots per
/// worker), and this thread, one of the workers, delivers the previous batch and reads the next
/// while the others start on the current one.
///
/// `render` runs on the worker that decided a snapshot (work the caller would otherwise do on the
/// one thread that delivers in order: rendering a report entry, say); `deliver` runs on the
/// calling thread, once per snapshot, in input order. Results do not depend on `workers`.
///
/// ```swift
/// let evaluator = BatchEvaluator(rules: rules, options: EvaluationOptions(now: clock), workers: 2)
/// var source = try FileSnapshotSource("examples/snapshots")
/// var summary = BatchSummary(rules: rules)
/// evaluator.run(&source, render: { _, _ in () }) { _, outcome, _ in summary.add(outcome) }
/// ```
public struct BatchEvaluator: Sendable {
    /// The rule set every snapshot is decided with.
    public let rules: RuleSet
    /// A second rule set to compare with, deciding the same snapshots.
    public let comparedWith: RuleSet?
    /// The clock and whether to explain.
    public let options: EvaluationOptions
    /// Threads evaluating, the calling one included.
    public let workers: Int
    /// Where the blocks of snapshots are kept between batches (``SnapshotBlockCache``, for this
    /// evaluator's ``projection(rules:comparedWith:)``): files by their identity, snapshots the
    /// source holds as bytes (NDJSON lines, ledger records) by their contents; `nil` parses every
    /// snapshot.
    public let cache: (any SnapshotBlockCache)?
    /// What is parsed of each snapshot: the rules' projection, or everything in a comparison.
    private let projection: JSONProjection

    /// An evaluator.
    ///
    /// - Parameters:
    ///   - rules: the rule set.
    ///   - comparedWith: a second rule set, for a comparison.
    ///   - options: the evaluation options.
    ///   - workers: threads, the calling one included (at least 1).
    ///   - cache: where to keep the blocks of the snapshots parsed, and find them again.
    public init(
        rules: RuleSet, comparedWith: RuleSet? = nil, options: EvaluationOptions, workers: Int,
        cache: (any SnapshotBlockCache)? = nil
    ) {
        self.rules = rules
        self.comparedWith = comparedWith
        self.options = options
        self.workers = max(1, workers)
        self.cache = cache
        self.projection = Self.projection(rules: rules, comparedWith: comparedWith)
    }

    /// What a batch parses of each snapshot: the rules' projection, or everything in a comparison
    /// (what a ``SnapshotBlockCache`` keeps blocks of).
    public static func projection(rules: RuleSet, comparedWith: RuleSet?) -> JSONProjection {
        comparedWith == nil ? rules.projection : .all
    }

    /// Decides one snapshot (reading its file when the item does not hold its bytes), with the
    /// rule set and options it was recorded with when it has them (``BatchItem/recorded``); the
    /// second rule set (the recorded shadow, else the comparison's) decides it with the same options.
    public func evaluate(_ item: BatchItem) -> BatchOutcome {
        do {
            let rules = item.recorded?.rules ?? self.rules
            let options = item.recorded?.options ?? self.options
            let second = item.recorded?.shadow ?? comparedWith
            let projection = item.recorded == nil ? self.projection : (second == nil ? rules.projection : .all)
            let snapshot: ApprovalSnapshot
            // The cache holds blocks of this evaluator's projection; a recorded snapshot decided
            // under another one is parsed.
            if let cache, item.recorded == nil || projection == self.projection {
                snapshot = try Self.snapshot(of: item, projection: projection, cache: cache)
            } else {
                snapshot = try ApprovalSnapshot(
                    parsing: try Self.bytes(of: item), file: item.file, projection: projection,
                    options: Self.parserOptions)
            }
            return .decided(rules.evaluate(snapshot, options: options), second?.evaluate(snapshot, options: options))
        } catch {
            return .unreadable(item.locate(error))
        }
    }

    /// The snapshot of `item` from its cached block when `cache` has one that reads (found by the
    /// file's identity, or by the contents the item holds); otherwise parsed, and its block handed
    /// to the cache.
    private static func snapshot(of item: BatchItem, projection: JSONProjection, cache: any SnapshotBlockCache)
        throws(JSONError) -> ApprovalSnapshot
    {
        let file = item.file
        let found = item.bytes.map { cache.lookup(contents: $0) } ?? cache.lookup(file, identity: item.identity)
        if let block = found.block,
            let snapshot = ApprovalSnapshot(block: block, file: file, options: parserOptions)
        {
            return snapshot
        }
        let (snapshot, block) = try ApprovalSnapshot.parsingKeepingBlock(
            try bytes(of: item), file: file, projection: projection, options: parserOptions)
        if let ticket = found.ticket { cache.store(block, for: ticket) }
        return snapshot
    }

    /// The snapshot's bytes: those the item holds, else its file's.
    private static func bytes(of item: BatchItem) throws(JSONError) -> [UInt8] {
        if let bytes = item.bytes { return bytes }
        return try FileBytes.read(item.file, limit: parserOptions.maxBytes)
    }

    /// How a batch parses: in the per-thread arena (many documents on the same few threads: the
    /// arena's block is reused for each).
    static let parserOptions = ApprovalSnapshot.arenaParserOptions

    /// Evaluates every snapshot of `source`; see the type's description for the threads.
    ///
    /// - Parameters:
    ///   - source: where the snapshots come from.
    ///   - render: what to compute of each result on the worker that decided it.
    ///   - deliver: called on this thread with each snapshot, its outcome and its rendering, in
    ///     the source's order.
    public func run<Source: SnapshotSource, Rendered: Sendable>(
        _ source: inout Source, render: @escaping @Sendable (BatchItem, BatchOutcome) -> Rendered,
        deliver: (BatchItem, BatchOutcome, Rendered) -> Void
    ) {
        let batchSize = 64 * workers
        func fill() -> [BatchItem] {
            var batch: [BatchItem] = []
            batch.reserveCapacity(batchSize)
            while batch.count < batchSize, let item = source.next() { batch.append(item) }
            return batch
        }
        var previous: (batch: [BatchItem], results: ResultBuffer<Rendered>)?
        var batch = fill()
        while true {
            let results = ResultBuffer<Rendered>(count: batch.count)
            let running = batch.isEmpty ? nil : start(batch, into: results, render: render)
            if let (done, outcomes) = previous {
                for (index, item) in done.enumerated() {
                    let (outcome, rendered) = outcomes.take(index)
                    deliver(item, outcome, rendered)
                }
            }
            guard let running else { break }
            let upcoming = fill()
            running.finish()
            previous = (batch, results)
            batch = upcoming
        }
    }

    /// Starts evaluating `batch` into `results` on `workers - 1` threads of the global queue; the
    /// caller's thread is the last worker: `Batch.finish()` joins in and returns when all are done.
    private func start<Rendered: Sendable>(
        _ batch: [BatchItem], into results: ResultBuffer<Rendered>,
        render: @escaping @Sendable (BatchItem, BatchOutcome) -> Rendered
    ) -> Batch {
        let counter = Counter()
        let work: @Sendable () -> Void = {
            while true {
                let index = counter.value.add(1, ordering: .relaxed).oldValue
                if index >= batch.count { break }
                let outcome = evaluate(batch[index])
                results.store((outcome, render(batch[index], outcome)), at: index)
            }
        }
        let group = DispatchGroup()
        for _ in 1..<max(1, min(workers, batch.count)) { DispatchQueue.global().async(group: group, execute: work) }
        return Batch(work: work, group: group)
    }

    /// A batch being evaluated (see `start`).
    private struct Batch {
        let work: @Sendable () -> Void
        let group: DispatchGroup

        /// Evaluates what is left of the batch on this thread, then waits for the other workers.
        func finish() {
            work()
            group.wait()
        }
    }
}

/// The next index to take, shared by the workers of one batch (an atomic: each index is taken
/// once).
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Slots written by worker threads at distinct indices, read after they all finish.
///
/// `@unchecked Sendable`, and race-free because: each index is written by exactly one worker
/// (the one that took it from ``Counter``), no slot is read before the batch's dispatch group has
/// been waited for (`Batch.finish()`), and that wait orders every write before every read.
private final class ResultBuffer<Rendered: Sendable>: @unchecked Sendable {
    private var slots: [(BatchOutcome, Rendered)?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: (BatchOutcome, Rendered), at index: Int) {
        slots.withUnsafeMutableBufferPointer { $0[index] = result }
    }

    /// The result at `index`, moved out of its slot (which the buffer no longer holds on to).
    func take(_ index: Int) -> (BatchOutcome, Rendered) {
        // Every index of a finished batch was stored: a worker stores before it takes the next.
        slots.withUnsafeMutableBufferPointer { $0[index].take() }!
    }
}
