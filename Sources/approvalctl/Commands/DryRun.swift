import ApprovalCLI
import ApprovalJSON
import ApprovalRules
import ArgumentParser
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `approvalctl dry-run`: evaluate many saved snapshots, optionally against a second rule set.
struct DryRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dry-run",
        abstract: "Evaluate a folder of saved snapshots (or an NDJSON stream) and summarise the decisions.",
        discussion: """
            Snapshots are read recursively in name order (each folder's entries sorted by name); an NDJSON stream (-, *.ndjson, *.jsonl) is read line by line. Snapshots that cannot be read are reported with file, line and column, counted, and the run goes on; the command then exits 65. Output is identical whatever --jobs is. With --compare, both rule sets run over the same snapshots and every changed decision is listed with the rules that started or stopped firing.

            Examples:
              approvalctl dry-run examples/snapshots
              approvalctl dry-run archive/ --rules rules/default.rules.json --compare rules/candidate.rules.json
              approvalctl dry-run decisions.ndjson --format ndjson --jobs 2
            """
    )

    @Argument(help: "A folder of *.json snapshots, one snapshot file, or an NDJSON stream (- for stdin).")
    var source: String

    @OptionGroup var decision: DecisionOptions

    @Option(help: "A second rule file: show which decisions change from --rules to this one.")
    var compare: String?

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int?

    @Flag(help: "Read the source as NDJSON even without a .ndjson name.")
    var ndjson = false

    @Flag(inversion: .prefixedNo, help: "Show a progress bar on stderr (default: when stderr is a terminal).")
    var progress: Bool?


    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be between 1 and 256") }
    }

    func run() throws {
        try exiting {
            let clock = try decision.clock()
            let before = try decision.ruleSet(format: common.format)
            let after = try compare.map { path throws(CommandFailure) in try Inputs.ruleSet(path, format: common.format) }
            let failOn = try decision.failures()
            var source = try SnapshotSource(source, ndjson: ndjson, format: common.format)
            let workers = jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            let engine = DryRunEngine(
                before: before, after: after, options: EvaluationOptions(now: clock),
                projection: after == nil ? before.projection : .all, format: common.format)
            var report = DryRunReport(before: before, after: after, source: self.source, format: common.format)
            let showProgress = progress ?? Console.stderrIsTerminal
            var bar = ProgressBar(enabled: showProgress)
            report.begin()
            var matched = false
            let batchSize = 64 * workers
            // This thread is one of the workers: with others, it first adds the previous batch to the
            // report and lists the files of the next while they start on the current one, so no
            // core waits for the report or the folder walk.
            func fill() -> [SourceItem] {
                var batch: [SourceItem] = []
                batch.reserveCapacity(batchSize)
                while batch.count < batchSize, let item = source.next() { batch.append(item) }
                return batch
            }
            var previous: (batch: [SourceItem], results: ResultBuffer)?
            var batch = fill()
            while true {
                let results = ResultBuffer(count: batch.count)
                let running = batch.isEmpty ? nil : engine.start(batch, into: results, workers: workers)
                if let (done, outcomes) = previous {
                    for (index, item) in done.enumerated() {
                        let (outcome, rendered) = outcomes.take(index)
                        report.add(item, outcome, rendered)
                        if case .decided(let decision, let other) = outcome,
                            failOn.contains(where: { $0.matches(other ?? decision) })
                        {
                            matched = true
                        }
                    }
                    bar.update(report.total)
                }
                guard let running else { break }
                let upcoming = fill()
                running.finish()
                previous = (batch, results)
                batch = upcoming
            }
            bar.finish()
            report.end()
            if report.unreadable > 0 { throw CommandFailure(status: .invalidInput) }
            if matched { throw CommandFailure(status: .decisionMatched) }
        }
    }
}

/// What happened to one snapshot.
enum Outcome: Sendable {
    case decided(Decision, Decision?)
    case unreadable(JSONError)
}

/// Evaluates batches of snapshots on worker threads, and renders each one's part of the report
/// there too; results are stored by input index, so the report reads them in input order.
struct DryRunEngine: Sendable {
    let before: RuleSet
    let after: RuleSet?
    let options: EvaluationOptions
    let projection: JSONProjection
    let format: OutputFormat

    /// Starts evaluating `batch` into `results` on `workers - 1` threads of the global queue; the
    /// caller's thread is the last worker: `Batch.finish()` joins in and returns when all are done.
    func start(_ batch: [SourceItem], into results: ResultBuffer, workers: Int) -> Batch {
        let next = Counter()
        let work: @Sendable () -> Void = {
            while true {
                let index = next.value.add(1, ordering: .relaxed).oldValue
                if index >= batch.count { break }
                let outcome = evaluate(batch[index])
                results.store((outcome, DryRunReport.render(batch[index], outcome, format: format)), at: index)
            }
        }
        let group = DispatchGroup()
        for _ in 1..<max(1, min(workers, batch.count)) { DispatchQueue.global().async(group: group, execute: work) }
        return Batch(work: work, group: group)
    }

    /// A batch being evaluated (see `start`).
    struct Batch {
        let work: @Sendable () -> Void
        let group: DispatchGroup

        /// Evaluates what is left of the batch on this thread, then waits for the other workers.
        func finish() {
            work()
            group.wait()
        }
    }

    func evaluate(_ item: SourceItem) -> Outcome {
        do {
            let bytes: [UInt8]
            if let inline = item.bytes {
                bytes = inline
            } else {
                bytes = try FileBytes.read(item.file, limit: ApprovalSnapshot.parserOptions.maxBytes)
            }
            let snapshot = try ApprovalSnapshot(parsing: bytes, file: item.file, projection: projection)
            return .decided(before.evaluate(snapshot, options: self.options), after?.evaluate(snapshot, options: self.options))
        } catch {
            return .unreadable(item.locate(error))
        }
    }
}

/// The next index to take, shared by the workers.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Slots written by worker threads at distinct indices, read after they all finish.
final class ResultBuffer: @unchecked Sendable {
    // Each index is written by exactly one worker, and read only after the batch's group is done
    // (the group's wait orders the writes before the reads).
    private var slots: [(Outcome, DryRunReport.Rendered)?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: (Outcome, DryRunReport.Rendered), at index: Int) {
        slots.withUnsafeMutableBufferPointer { $0[index] = result }
    }

    /// The result at `index`, moved out of its slot (which the buffer no longer holds on to).
    func take(_ index: Int) -> (Outcome, DryRunReport.Rendered) {
        slots.withUnsafeMutableBufferPointer { $0[index].take() }
            ?? (.unreadable(JSONError(code: .unreadable, message: "not evaluated")), DryRunReport.Rendered())
    }
}

/// A one-line progress bar on stderr, redrawn at most every 0.2 s, shown only after 1 s.
struct ProgressBar {
    let enabled: Bool
    private let start = Console.monotonic()
    private var last = 0.0
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    mutating func update(_ done: Int) {
        guard enabled else { return }
        let now = Console.monotonic()
        guard now - start > 1, now - last > 0.2 else { return }
        last = now
        shown = true
        let rate = Double(done) / (now - start)
        Console.err("\r\u{1B}[K  \(done) snapshots evaluated (\(Int(rate))/s)")
    }

    func finish() {
        if shown { Console.err("\r\u{1B}[K") }
    }
}
