import ApprovalJSON
import ApprovalWorkload
import Testing

@testable import ApprovalRules

/// The same input gives byte-identical decisions whatever the order of its object keys, the
/// process's locale and time zone, and the number of threads evaluating.
@Suite("Determinism")
struct DeterminismTests {
    static let now = Timestamp(iso8601: Paths.now)

    /// The example snapshots and the start of a generated corpus.
    static func inputs() throws -> [(name: String, value: JSONValue)] {
        var inputs = try Examples.snapshotPaths().map {
            ($0, try JSONParser().parse(contentsOf: Paths.repository + "/" + $0))
        }
        for index in 0..<60 {
            inputs.append(("generated snapshot \(index)", SnapshotGenerator.snapshot(seed: 1_729, index: index)))
        }
        return inputs
    }

    // MARK: - Key order

    @Test(
        "recommendations, fired rules, escalations and data problems do not depend on the order of object keys",
        arguments: [Paths.defaultRules, Paths.benchmarkRules, Paths.leakyRules])
    func decisionsIgnoreKeyOrder(rules path: String) throws {
        let rules = try RuleSet(contentsOf: path)
        let options = EvaluationOptions(now: Self.now, explain: true)
        var generator = SeededGenerator(seed: 42)
        var reordered = 0
        for (name, value) in try Self.inputs() {
            let reference = DecisionShape(rules.evaluate(ApprovalSnapshot(value), options: options))
            for _ in 0..<3 {
                let shuffled = value.shufflingKeys(using: &generator)
                if JSONWriter.compact.bytes(shuffled) != JSONWriter.compact.bytes(value) { reordered += 1 }
                let decision = DecisionShape(rules.evaluate(ApprovalSnapshot(shuffled), options: options))
                #expect(decision == reference, "\(name): a shuffled copy is decided differently under \(path)")
            }
        }
        #expect(reordered > 200, "the shuffles must actually reorder keys (\(reordered) of them did)")
    }

    @Test(
        "the decision JSON, messages and explanations included, is byte-identical whatever the order of object keys",
        arguments: [Paths.defaultRules, Paths.benchmarkRules, Paths.leakyRules])
    func decisionJSONIgnoresKeyOrder(rules path: String) throws {
        let rules = try RuleSet(contentsOf: path)
        let options = EvaluationOptions(now: Self.now, explain: true)
        var generator = SeededGenerator(seed: 42)
        for (name, value) in try Self.inputs() {
            let reference = JSONWriter.pretty.bytes(rules.evaluate(ApprovalSnapshot(value), options: options).json)
            for _ in 0..<3 {
                let shuffled = value.shufflingKeys(using: &generator)
                let decision = JSONWriter.pretty.bytes(
                    rules.evaluate(ApprovalSnapshot(shuffled), options: options).json)
                expectIdentical(decision, reference, "\(name): a shuffled copy gives other decision JSON under \(path)")
            }
        }
    }

    // MARK: - Locale and time zone

    @Test(
        "evaluate prints the same bytes in UTC with the C locale and in UTC+14 with a Turkish locale",
        arguments: try Examples.snapshotPaths())
    func evaluateIgnoresLocaleAndTimeZone(snapshot: String) async throws {
        for format in ["json", "text"] {
            let arguments = Commands.evaluate(snapshot, rules: Paths.defaultRules, format: format, explain: true)
            let baseline = try await ApprovalCtl.run(
                arguments, in: Paths.repository, environment: CommandEnvironment.baseline)
            let hostile = try await ApprovalCtl.run(
                arguments, in: Paths.repository, environment: CommandEnvironment.hostile)
            #expect(baseline.ended(with: 0), "\(snapshot) \(format): \(baseline.summary)")
            #expect(hostile.ended(with: 0), "\(snapshot) \(format): \(hostile.summary)")
            #expect(!baseline.stdout.isEmpty)
            expectIdentical(
                hostile.stdout, baseline.stdout, "\(snapshot) --format \(format): stdout depends on TZ/locale")
            expectIdentical(
                hostile.stderr, baseline.stderr, "\(snapshot) --format \(format): stderr depends on TZ/locale")
        }
    }

    @Test(
        "dry-run prints the same bytes in UTC with the C locale and in UTC+14 with a Turkish locale",
        arguments: ["text", "json", "ndjson"])
    func dryRunIgnoresLocaleAndTimeZone(format: String) async throws {
        let arguments = Commands.dryRun("examples/snapshots", rules: Paths.defaultRules, format: format, jobs: 2)
        let baseline = try await ApprovalCtl.run(
            arguments, in: Paths.repository, environment: CommandEnvironment.baseline)
        let hostile = try await ApprovalCtl.run(
            arguments, in: Paths.repository, environment: CommandEnvironment.hostile)
        #expect(baseline.ended(with: 0), "\(baseline.summary)")
        #expect(hostile.ended(with: 0), "\(hostile.summary)")
        #expect(baseline.stdout.count > 1000)
        expectIdentical(hostile.stdout, baseline.stdout, "dry-run --format \(format): stdout depends on TZ/locale")
    }

    // MARK: - Threads

    @Test("evaluating from 8 concurrent tasks gives the same decisions as evaluating on one", .timeLimit(.minutes(2)))
    func concurrentEvaluationMatchesSequential() async throws {
        let ruleSets = [try RuleSet(contentsOf: Paths.defaultRules), try RuleSet(contentsOf: Paths.benchmarkRules)]
        let snapshots = try Self.inputs().map { ApprovalSnapshot($0.value) }
        let options = EvaluationOptions(now: Self.now, explain: true)
        func decide(_ order: [Int]) -> [[UInt8]] {
            var results = [[UInt8]](repeating: [], count: snapshots.count * ruleSets.count)
            for index in order {
                let rules = ruleSets[index % ruleSets.count]
                results[index] = JSONWriter.compact.bytes(
                    rules.evaluate(snapshots[index / ruleSets.count], options: options).json)
            }
            return results
        }
        let all = Array(0..<(snapshots.count * ruleSets.count))
        let reference = decide(all)
        let concurrent = await withTaskGroup(of: [[UInt8]].self) { group in
            for task in 0..<8 {
                // Each task starts at a different place, so that tasks evaluate different
                // snapshots at the same moment.
                let rotated = Array(all[(task * all.count / 8)...] + all[..<(task * all.count / 8)])
                group.addTask { decide(rotated) }
            }
            var results: [[[UInt8]]] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(concurrent.count == 8)
        for (task, result) in concurrent.enumerated() {
            for index in reference.indices {
                expectIdentical(
                    result[index], reference[index],
                    "task \(task), evaluation \(index): concurrent differs from sequential")
            }
        }
    }

    @Test("dry-run --format json over the examples prints the same bytes with --jobs 1 and --jobs 2")
    func dryRunOverExamplesIgnoresJobs() async throws {
        let one = try await ApprovalCtl.run(
            Commands.dryRun("examples/snapshots", rules: Paths.defaultRules, format: "json", jobs: 1),
            in: Paths.repository)
        let two = try await ApprovalCtl.run(
            Commands.dryRun("examples/snapshots", rules: Paths.defaultRules, format: "json", jobs: 2),
            in: Paths.repository)
        #expect(one.ended(with: 0), "\(one.summary)")
        #expect(two.ended(with: 0), "\(two.summary)")
        #expect(one.stdout.count > 1000)
        expectIdentical(two.stdout, one.stdout, "dry-run --jobs 2 vs --jobs 1")
    }

    @Test("dry-run over 400 generated snapshots prints the same bytes with --jobs 1, 2 and 8", .timeLimit(.minutes(3)))
    func dryRunOverGeneratedCorpusIgnoresJobs() async throws {
        let scratch = try ScratchDirectory("jobs")
        defer { scratch.remove() }
        for index in 0..<400 {
            let name = "batch-\(index / 100)/snapshot-\(String(1000 + index)).json"
            try scratch.write(JSONWriter.pretty.bytes(SnapshotGenerator.snapshot(seed: 99, index: index)), to: name)
        }
        var outputs: [[UInt8]] = []
        for jobs in [1, 2, 8] {
            for format in ["ndjson", "json"] {
                let result = try await ApprovalCtl.run(
                    Commands.dryRun(".", rules: Paths.benchmarkRules, format: format, jobs: jobs), in: scratch.path)
                #expect(result.ended(with: 0), "--jobs \(jobs) --format \(format): \(result.summary)")
                outputs.append(result.stdout)
            }
        }
        #expect(outputs[0].count > 100_000, "every decision is printed with ndjson")
        expectIdentical(outputs[2], outputs[0], "dry-run --format ndjson --jobs 2 vs --jobs 1")
        expectIdentical(outputs[4], outputs[0], "dry-run --format ndjson --jobs 8 vs --jobs 1")
        expectIdentical(outputs[3], outputs[1], "dry-run --format json --jobs 2 vs --jobs 1")
        expectIdentical(outputs[5], outputs[1], "dry-run --format json --jobs 8 vs --jobs 1")
    }
}

/// The command lines the suites share (identical lines share one run, see ``CommandCache``).
enum Commands {
    static func evaluate(_ snapshot: String, rules: String, format: String, explain: Bool) -> [String] {
        ["evaluate", snapshot, "--rules", rules, "--now", Paths.now, "--format", format]
            + (explain ? ["--explain"] : [])
    }

    static func dryRun(_ source: String, rules: String, format: String, jobs: Int) -> [String] {
        [
            "dry-run", source, "--rules", rules, "--now", Paths.now, "--format", format, "--jobs", String(jobs),
            "--no-progress",
        ]
    }
}

/// Everything a decision says except its rendered text (reasons, messages, trace wording): what
/// is decided, by which rules, for whom, and which data problems and trace results led there.
struct DecisionShape: Equatable, CustomStringConvertible {
    var recommendation: String
    var firedRules: [String]
    var escalations: [String]
    var dataProblems: [String]
    var trace: [String]

    init(_ decision: Decision) {
        recommendation = decision.recommendation.rawValue
        firedRules = decision.firedRules.map { "\($0.id):\($0.recommendation?.rawValue ?? "-")" }
        escalations = decision.escalations.map { "\($0.to) \($0.severity) \($0.ruleIDs)" }
        dataProblems = decision.dataProblems.map { "\($0.code) \($0.path ?? "-") \($0.ruleID ?? "-")" }
        trace = (decision.trace ?? []).map { rule in
            "\(rule.ruleID) \(rule.fired) \(rule.failure != nil) "
                + rule.events.map { "\($0.path)=\($0.result)" }.joined(separator: ",")
        }
    }

    var description: String { "\(recommendation) \(firedRules) \(escalations) \(dataProblems)" }
}
