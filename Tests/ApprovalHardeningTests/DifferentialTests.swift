import ApprovalJSON
import ApprovalWorkload
import Foundation
import Testing

@testable import ApprovalRules

/// The engine (the benchmark rule file, compiled) and ``BenchmarkOracle`` (the same rules written
/// by hand as `if` statements) must agree on every snapshot of a large generated corpus: same
/// recommendation, same fired rules in the same order.
@Suite("Differential check against an independent evaluator")
struct DifferentialTests {
    static let seed: UInt64 = 20_250_601
    static let corpusSize = 100_000

    @Test(
        "the engine and the hand-written evaluator agree on 100,000 generated snapshots", .tags(.corpus),
        .timeLimit(.minutes(5)))
    func engineAgreesWithHandWrittenEvaluatorOn100kSnapshots() async throws {
        let rules = try RuleSet(contentsOf: Paths.benchmarkRules)
        let oracle = BenchmarkOracle(
            ruleDocument: try JSONParser(options: .ruleFile).parse(contentsOf: Paths.benchmarkRules))
        // Slices of the index range run as concurrent tasks (one per core); each generates and
        // compares one snapshot at a time, so the corpus is never held in memory.
        let slices = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let tally = await withTaskGroup(of: Tally.self) { group in
            for slice in 0..<slices {
                let range = (slice * Self.corpusSize / slices)..<((slice + 1) * Self.corpusSize / slices)
                group.addTask { Self.compare(range, rules: rules, oracle: oracle) }
            }
            var total = Tally()
            for await part in group { total.merge(part) }
            return total
        }
        #expect(tally.compared == Self.corpusSize)
        #expect(
            tally.disagreements == 0,
            """
            \(tally.disagreements) of \(Self.corpusSize) snapshots (seed \(Self.seed)) decided differently:
            \(tally.examples.sorted().prefix(10).joined(separator: "\n"))
            """)
        // Not vacuous: the corpus fires every rule and reaches every recommendation.
        for id in rules.ruleIDs {
            #expect(tally.fired[id, default: 0] > 0, "rule \(id) never fired in the corpus")
        }
        for recommendation in Recommendation.allCases {
            #expect(
                tally.recommendations[recommendation.rawValue, default: 0] > 0, "no \(recommendation) in the corpus")
        }
    }

    /// Counts for part of the corpus.
    struct Tally: Sendable {
        var compared = 0
        var disagreements = 0
        var examples: [String] = []
        var fired: [String: Int] = [:]
        var recommendations: [String: Int] = [:]

        mutating func merge(_ other: Tally) {
            compared += other.compared
            disagreements += other.disagreements
            examples += other.examples
            fired.merge(other.fired, uniquingKeysWith: +)
            recommendations.merge(other.recommendations, uniquingKeysWith: +)
        }
    }

    static func compare(_ indices: Range<Int>, rules: RuleSet, oracle: BenchmarkOracle) -> Tally {
        let options = EvaluationOptions(now: Timestamp(iso8601: Paths.now))
        var tally = Tally()
        for index in indices {
            let snapshot = SnapshotGenerator.snapshot(seed: seed, index: index)
            let decision = rules.evaluate(ApprovalSnapshot(snapshot), options: options)
            let engine = BenchmarkOracle.Outcome(
                recommendation: decision.recommendation.rawValue, fired: decision.firedRules.map(\.id))
            let expected = oracle.decide(snapshot)
            tally.compared += 1
            tally.recommendations[engine.recommendation, default: 0] += 1
            for id in engine.fired { tally.fired[id, default: 0] += 1 }
            guard engine != expected else { continue }
            tally.disagreements += 1
            if tally.examples.count < 10 {
                tally.examples.append(
                    "snapshot \(index) (task \(snapshot["task_id"]?.description ?? "?")): engine \(engine), "
                        + "hand-written \(expected); data problems \(decision.dataProblems.map(\.message))")
            }
        }
        return tally
    }

    @Test("the hand-written evaluator decides the benchmark's edge cases as the rule file says")
    func handWrittenEvaluatorReadsTheRulesRight() throws {
        let oracle = BenchmarkOracle(
            ruleDocument: try JSONParser(options: .ruleFile).parse(contentsOf: Paths.benchmarkRules))
        func snapshot(
            value: JSONValue, vendor: String = "Acme Consulting Inc.", approvers: [JSONValue] = ["a.b@example.com"]
        )
            -> JSONValue
        {
            [
                "task_id": 1, "eligible_approvers_active": .array(approvers), "next_eligible_approvers": [],
                "variables_to_approve": [
                    ["variable_type": "text", "value": .string(vendor), "variable_id": "vendor_name"],
                    ["variable_type": "number", "value": value, "variable_id": "contract_value"],
                    ["variable_type": "number", "value": 12, "variable_id": "term_months"],
                    ["variable_type": "boolean", "value": false, "variable_id": "auto_renew"],
                    ["variable_type": "date", "value": "2025-03-01", "variable_id": "effective_date"],
                    ["variable_type": "file", "value": "f1", "variable_id": "contract_file"],
                ],
                "files": [["file_id": "f1", "variable_id": "contract_file"]],
            ]
        }
        #expect(
            oracle.decide(snapshot(value: 49_999))
                == .init(recommendation: "approve", fired: ["small-contract-approve"]))
        #expect(oracle.decide(snapshot(value: "49999.99")).recommendation == "approve")
        #expect(oracle.decide(snapshot(value: 50_000)) == .init(recommendation: "hold", fired: ["value-tier-director"]))
        #expect(
            oracle.decide(snapshot(value: 250_000.0))
                == .init(
                    recommendation: "hold",
                    fired: ["value-tier-director", "value-tier-cfo", "insurance-missing-over-100k"]))
        #expect(oracle.decide(snapshot(value: "TBD")) == .init(recommendation: "hold", fired: []))
        #expect(oracle.decide(snapshot(value: 100, vendor: "  BLACKRIDGE   offshore ltd ")).recommendation == "reject")
        #expect(
            oracle.decide(snapshot(value: 100, approvers: ["a.b@example.com.evil.test"]))
                == .init(recommendation: "approve", fired: ["approver-outside-company", "small-contract-approve"]))
        #expect(oracle.decide(snapshot(value: 100, approvers: [])).recommendation == "hold")
    }
}

extension Tag {
    /// Tests that run over a large generated corpus (tens of seconds in a debug build).
    @Tag static var corpus: Self
}
