// approval-bench: in-process throughput of the rule engine on a generated corpus.
//
//   approval-bench --rules Benchmarks/rules/benchmark.rules.json --count 20000 --passes 5
//
// 1. Loads the rules, generates the corpus (ApprovalWorkload, seeded) and writes each snapshot
//    out as compact JSON bytes.
// 2. Prepares every snapshot once by parsing its bytes as a program holding snapshots would: with
//    the rule set's projection (the fast path `approvalctl` and services use), then laying out the
//    facts the rules read (`RuleSet.prepare`: the headline figure); the same snapshots not laid out
//    (each evaluation then looks its facts up, as a one-off evaluation does); and, separately, with a
//    full parse. For each, runs one untimed warm-up pass, then times
//    `--passes` passes of `rules.evaluate` over all of them on one thread, and reports the median
//    decisions/s, per wall-clock second and per second of the thread's CPU time (robust on a busy
//    machine). Also times the first `--hot-count` projected snapshots over and over: the same
//    work with the snapshots in the CPU's cache, which shows how much of a decision is waiting for
//    memory.
// 3. Verifies, for every snapshot, that the fast path (parse with `rules.projection`) decides
//    exactly as the plain path (full parse), as the in-memory value, as the laid-out snapshot and
//    as the snapshot read from its block: `decision.json` must be equal. Any difference is printed on stderr and the exit status is 1.
// 4. Times whole-document parse + evaluate and projection parse + evaluate (bytes in memory, no
//    file I/O), median of `--parse-passes` passes each.
//
// Results go to stdout as `key=value` lines (for Benchmarks/run.sh); progress goes to stderr.
// Exit codes: 0 ok, 1 fast path and plain path disagree, 64 usage, 65 invalid rules.

import ApprovalJSON
import ApprovalRules
import ApprovalWorkload

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Command line

struct Options {
    var rulesPath = "Benchmarks/rules/benchmark.rules.json"
    var count = 20_000
    var seed: UInt64 = 42
    var passes = 5
    var hotCount = 200
    var parsePasses = 3
    var now = "2025-06-01T00:00:00Z"
    var verify = true
    var full = true
    var unprepared = true
    var layOut = true

    static let usage = """
        usage: approval-bench [--rules FILE] [--count N] [--seed S] [--passes P] [--hot-count N]
                              [--parse-passes P] [--now ISO8601] [--no-verify] [--no-full]
                                [--no-unprepared] [--no-lay-out]

          --rules FILE        rule file (default Benchmarks/rules/benchmark.rules.json)
          --count N           snapshots generated in memory (default 20000)
          --seed S            workload seed (default 42)
          --passes P          timed evaluation passes; the median is reported (default 5)
          --hot-count N       snapshots timed in cache, as a second measure (default 200; 0 skips it)
          --parse-passes P    timed parse + evaluate passes per path; 0 skips them (default 3)
          --now ISO8601       the evaluation clock (default 2025-06-01T00:00:00Z)
          --no-verify         skip the fast-path check (for profiling runs)
          --no-full           skip timing fully parsed snapshots (for profiling runs)
          --no-unprepared     skip timing snapshots not laid out for the rules (for profiling runs)
          --no-lay-out        time the snapshots as parsed, not laid out for the rules, in place of
                              the headline (for profiling runs)

        """

    init(_ arguments: [String]) {
        var rest = arguments[...]
        func value(_ option: String) -> String {
            guard let value = rest.popFirst() else { fail("\(option) needs a value", status: 64) }
            return value
        }
        func number(_ option: String, minimum: Int) -> Int {
            guard let parsed = Int(value(option)), parsed >= minimum else {
                fail("\(option) needs a whole number >= \(minimum)", status: 64)
            }
            return parsed
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--rules": rulesPath = value(argument)
            case "--count": count = number(argument, minimum: 1)
            case "--seed":
                guard let parsed = UInt64(value(argument)) else { fail("--seed needs an unsigned number", status: 64) }
                seed = parsed
            case "--passes": passes = number(argument, minimum: 1)
            case "--hot-count": hotCount = number(argument, minimum: 0)
            case "--parse-passes": parsePasses = number(argument, minimum: 0)
            case "--now": now = value(argument)
            case "--no-verify": verify = false
            case "--no-full": full = false
            case "--no-unprepared": unprepared = false
            case "--no-lay-out": layOut = false
            case "-h", "--help":
                emit(Self.usage, to: 1)
                exit(0)
            default: fail("unknown argument \(argument)", status: 64)
            }
        }
    }
}

// MARK: - Helpers

func emit(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes {
            write(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset)
        }
        if written <= 0 {
            if written < 0 && errno == EINTR { continue }
            return
        }
        offset += written
    }
}

func fail(_ message: String, status: Int32) -> Never {
    emit("approval-bench: \(message)\n" + (status == 64 ? Options.usage : ""), to: 2)
    exit(status)
}

func progress(_ message: String) {
    emit("approval-bench: \(message)\n", to: 2)
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// CPU time of the calling thread: unlike the wall clock, it does not count time spent waiting
/// for a core, so it stays meaningful on a busy machine.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// A rate with no fraction, or seconds with 4 decimals, for the `key=value` output.
func whole(_ value: Double) -> String { String(Int(value.rounded())) }
func seconds(_ value: Double) -> String { String(Double(Int((value * 10_000).rounded())) / 10_000) }

// MARK: - Timed work (kept out of line so profilers can single them out)

/// One evaluation pass over prepared snapshots; returns a checksum so the work cannot be dropped.
/// Profile only this with `valgrind --tool=callgrind --toggle-collect='*runEvaluationPass*'`.
@inline(never)
func runEvaluationPass(_ rules: RuleSet, _ snapshots: [ApprovalSnapshot], _ options: EvaluationOptions) -> Int {
    var checksum = 0
    for snapshot in snapshots {
        switch rules.evaluate(snapshot, options: options).recommendation {
        case .approve: checksum &+= 1
        case .requestChanges: checksum &+= 2
        case .hold: checksum &+= 3
        case .reject: checksum &+= 4
        default: checksum &+= 5
        }
    }
    return checksum
}

/// How snapshots are parsed here: as a batch or a service parses them, in jansson's per-thread
/// arena (`JSONParser.Options.arena`, off by default in the library): the parser's own allocations
/// then do not interleave with the snapshot's, which keeps a prepared snapshot's values close
/// together in memory.
let parseOptions: JSONParser.Options = {
    var options = ApprovalSnapshot.parserOptions
    options.arena = true
    return options
}()

/// How a parse pass makes each snapshot.
enum ParseMode {
    /// `ApprovalSnapshot(parsing:projection:)`: what a dry run without a cache does.
    case parse
    /// `ApprovalSnapshot.parsingKeepingBlock`: a dry run filling its cache.
    case parseKeepingBlock
    /// `ApprovalSnapshot(block:projection:)` from the document's block: a dry run on a warm cache.
    case block
}

/// Parse (whole document or projection) + snapshot + evaluate for every document.
@inline(never)
func runParsePass(
    _ rules: RuleSet, _ documents: [[UInt8]], _ blocks: [JSONBlock], _ projection: JSONProjection, _ mode: ParseMode,
    _ options: EvaluationOptions
) throws -> Int {
    var checksum = 0
    for index in documents.indices {
        let snapshot: ApprovalSnapshot
        switch mode {
        case .parse:
            snapshot = try ApprovalSnapshot(parsing: documents[index], projection: projection, options: parseOptions)
        case .parseKeepingBlock:
            let (parsed, block) = try ApprovalSnapshot.parsingKeepingBlock(
                documents[index], projection: projection, options: parseOptions)
            snapshot = parsed
            checksum &+= block.bytes.count
        case .block:
            guard let read = ApprovalSnapshot(block: blocks[index]) else {
                fail("block \(index) does not read", status: 1)
            }
            snapshot = read
        }
        checksum &+= rules.evaluate(snapshot, options: options).firedRules.count
    }
    return checksum
}

// MARK: - Main

let options = Options(Array(CommandLine.arguments.dropFirst()))
guard let clock = Timestamp(iso8601: options.now) else { fail("--now is not an ISO 8601 date-time", status: 64) }
let evaluation = EvaluationOptions(now: clock)

let rules: RuleSet
do {
    rules = try RuleSet(contentsOf: options.rulesPath)
} catch {
    fail("cannot load \(options.rulesPath):\n\(error)", status: 65)
}
for warning in rules.warnings { progress("warning: \(warning)") }

var started = monotonicSeconds()
let corpus = SnapshotGenerator.corpus(count: options.count, seed: options.seed)
let generateSeconds = monotonicSeconds() - started
let documents = corpus.map { JSONWriter.compact.bytes($0) }
let corpusBytes = documents.reduce(0) { $0 + $1.count }
progress("generated \(options.count) snapshots (seed \(options.seed), \(corpusBytes / options.count) bytes on average)")

/// Snapshots parsed from their bytes, as a program holding many of them would have them.
@MainActor func parseAll(_ projection: JSONProjection) -> [ApprovalSnapshot] {
    return documents.enumerated().map { index, bytes in
        do {
            return try ApprovalSnapshot(parsing: bytes, projection: projection, options: parseOptions)
        } catch {
            fail("snapshot \(index) does not parse: \(error)", status: 1)
        }
    }
}

/// One untimed warm-up pass over `snapshots`, then `passes` timed ones: decisions/s of each, per
/// wall-clock second and per CPU second.
@MainActor func timeEvaluation(_ snapshots: [ApprovalSnapshot], passes: Int) -> (wall: [Double], cpu: [Double]) {
    checksum &+= runEvaluationPass(rules, snapshots, evaluation)
    var wall: [Double] = []
    var cpu: [Double] = []
    for _ in 0..<passes {
        let start = monotonicSeconds()
        let startCPU = threadCPUSeconds()
        checksum &+= runEvaluationPass(rules, snapshots, evaluation)
        cpu.append(Double(snapshots.count) / (threadCPUSeconds() - startCPU))
        wall.append(Double(snapshots.count) / (monotonicSeconds() - start))
    }
    return (wall, cpu)
}

var checksum = 0
// Projected snapshots laid out for the rules: the headline figure.
var parsed = parseAll(rules.projection)
var prepared = options.layOut ? parsed.map { rules.prepare($0, options: evaluation) } : parsed
let (rates, cpuRates) = timeEvaluation(prepared, passes: options.passes)
progress("evaluation passes: \(rates.map(whole).joined(separator: ", ")) decisions/s")
// The first few again and again, in cache.
var hotRates: (wall: [Double], cpu: [Double])?
if options.hotCount > 0 {
    let hot = Array(prepared.prefix(options.hotCount))
    let hotPasses = max(options.passes, 200_000 / hot.count)
    hotRates = timeEvaluation(hot, passes: hotPasses)
}
prepared = []
// The same snapshots, not laid out: every evaluation looks its facts up.
let unpreparedRates = options.unprepared && options.layOut ? timeEvaluation(parsed, passes: options.passes) : nil
parsed = []
// Fully parsed snapshots.
let fullRates = options.full ? timeEvaluation(parseAll(.all), passes: options.passes) : nil

// Fast path == plain path == in-memory value == read from the block, for every snapshot; and
// the decision mix.
var mismatches = 0
var blocks: [JSONBlock] = []
var tally: [Recommendation: Int] = [:]
var fired: [String: Int] = [:]
var escalated = 0
var dataProblems = 0
if options.verify {
    for (index, bytes) in documents.enumerated() {
        do {
            let plain = rules.evaluate(try ApprovalSnapshot(parsing: bytes, options: parseOptions), options: evaluation)
            let fast = rules.evaluate(
                try ApprovalSnapshot(parsing: bytes, projection: rules.projection, options: parseOptions),
                options: evaluation)
            let memory = rules.evaluate(ApprovalSnapshot(corpus[index]), options: evaluation)
            let laidOut = rules.evaluate(
                rules.prepare(
                    try ApprovalSnapshot(parsing: bytes, projection: rules.projection, options: parseOptions),
                    options: evaluation),
                options: evaluation)
            let (_, block) = try ApprovalSnapshot.parsingKeepingBlock(
                bytes, projection: rules.projection, options: parseOptions)
            let stored = JSONBlock(bytes: block.bytes).flatMap { ApprovalSnapshot(block: $0) }
            let fromBlock = stored.map { rules.evaluate($0, options: evaluation).json } ?? .null
            if plain.json != fast.json || plain.json != memory.json || plain.json != laidOut.json
                || plain.json != fromBlock
            {
                mismatches += 1
                if mismatches <= 3 {
                    progress(
                        "MISMATCH on snapshot \(index):\n  plain:      \(plain.json)\n  projection: \(fast.json)\n"
                            + "  in memory:  \(memory.json)\n  laid out:   \(laidOut.json)\n  block:      \(fromBlock)")
                }
            }
            blocks.append(block)
            tally[plain.recommendation, default: 0] += 1
            for rule in plain.firedRules { fired[rule.id, default: 0] += 1 }
            if !plain.escalations.isEmpty { escalated += 1 }
            if !plain.dataProblems.isEmpty { dataProblems += 1 }
        } catch {
            fail("snapshot \(index) does not parse: \(error)", status: 1)
        }
    }
    progress("verified \(options.count) decisions: \(mismatches) differ between the projection and the full parse")
}

// Parse + evaluate, both paths.
/// Median parse + evaluate rates over `--parse-passes` passes: (per wall second, per CPU second).
@MainActor func timeParsePasses(_ projection: JSONProjection, _ mode: ParseMode = .parse) -> (
    wall: Double, cpu: Double
)? {
    guard options.parsePasses > 0, mode != .block || blocks.count == documents.count else { return nil }
    var times: [Double] = []
    var cpuTimes: [Double] = []
    for _ in 0..<options.parsePasses {
        let start = monotonicSeconds()
        let startCPU = threadCPUSeconds()
        do {
            checksum &+= try runParsePass(rules, documents, blocks, projection, mode, evaluation)
        } catch {
            fail("parse failed: \(error)", status: 1)
        }
        cpuTimes.append(threadCPUSeconds() - startCPU)
        times.append(monotonicSeconds() - start)
    }
    return (Double(options.count) / median(times), Double(options.count) / median(cpuTimes))
}
let fullRate = timeParsePasses(.all)
let projectionRate = timeParsePasses(rules.projection)
let keepingBlockRate = timeParsePasses(rules.projection, .parseKeepingBlock)
let blockRate = timeParsePasses(rules.projection, .block)

// MARK: - Report

var lines = [
    "rules=\(options.rulesPath)",
    "rule_count=\(rules.ruleIDs.count)",
    "count=\(options.count)",
    "seed=\(options.seed)",
    "now=\(options.now)",
    "corpus_bytes=\(corpusBytes)",
    "generate_seconds=\(seconds(generateSeconds))",
    "verified=\(options.verify)",
    "mismatches=\(mismatches)",
    "laid_out=\(options.layOut)",
]
if options.verify {
    for recommendation in Recommendation.allCases {
        lines.append("decisions.\(recommendation.rawValue)=\(tally[recommendation] ?? 0)")
    }
    lines.append("decisions.escalated=\(escalated)")
    lines.append("decisions.data_problems=\(dataProblems)")
    for id in rules.ruleIDs { lines.append("fired.\(id)=\(fired[id] ?? 0)") }
}
lines.append("evaluate_passes_per_second=\(rates.map(whole).joined(separator: ","))")
lines.append("evaluate_median_per_second=\(whole(median(rates)))")
lines.append("evaluate_median_ns_per_decision=\(whole(1e9 / median(rates)))")
lines.append("evaluate_cpu_passes_per_second=\(cpuRates.map(whole).joined(separator: ","))")
lines.append("evaluate_cpu_median_per_second=\(whole(median(cpuRates)))")
if let unpreparedRates {
    lines.append("evaluate_unprepared_passes_per_second=\(unpreparedRates.wall.map(whole).joined(separator: ","))")
    lines.append("evaluate_unprepared_median_per_second=\(whole(median(unpreparedRates.wall)))")
    lines.append("evaluate_unprepared_cpu_median_per_second=\(whole(median(unpreparedRates.cpu)))")
}
if let fullRates {
    lines.append("evaluate_full_passes_per_second=\(fullRates.wall.map(whole).joined(separator: ","))")
    lines.append("evaluate_full_median_per_second=\(whole(median(fullRates.wall)))")
    lines.append("evaluate_full_cpu_median_per_second=\(whole(median(fullRates.cpu)))")
}
if let hotRates {
    lines.append("hot_count=\(options.hotCount)")
    lines.append("evaluate_hot_median_per_second=\(whole(median(hotRates.wall)))")
    lines.append("evaluate_hot_cpu_median_per_second=\(whole(median(hotRates.cpu)))")
}
/// Appends a parse + evaluate rate, per wall and per CPU second, when it was measured.
@MainActor func appendRate(_ name: String, _ rate: (wall: Double, cpu: Double)?) {
    guard let rate else { return }
    lines.append("\(name)_per_second=\(whole(rate.wall))")
    lines.append("\(name)_per_cpu_second=\(whole(rate.cpu))")
}
appendRate("full_parse_evaluate", fullRate)
appendRate("projection_parse_evaluate", projectionRate)
appendRate("projection_parse_keeping_block_evaluate", keepingBlockRate)
appendRate("block_read_evaluate", blockRate)
if blockRate != nil { lines.append("block_bytes=\(blocks.reduce(0) { $0 + $1.bytes.count })") }
lines.append("checksum=\(checksum)")
emit(lines.joined(separator: "\n") + "\n", to: 1)
exit(mismatches == 0 ? 0 : 1)
