import ApprovalJSON
import Testing

@testable import ApprovalRules

@Suite struct ConcurrencyTests {
    @Test func oneCompiledRuleSetEvaluatesConcurrentlyWithIdenticalResults() async throws {
        let rules = try RuleFixtures.defaultRules()
        let snapshots = try RuleFixtures.exampleNames().map(RuleFixtures.exampleSnapshot)
        try #require(!snapshots.isEmpty)
        let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: true)
        let expected = snapshots.map { rules.evaluate($0, options: options) }

        let tasks = 8
        let evaluationsPerTask = 500
        let mismatches = await withTaskGroup(of: Int.self, returning: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mismatches = 0
                    for step in 0..<evaluationsPerTask {
                        // Each task walks the snapshots from its own offset, so different tasks
                        // evaluate different snapshots at the same moment.
                        let index = (task * 7 + step) % snapshots.count
                        if rules.evaluate(snapshots[index], options: options) != expected[index] { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test func ruleSetsCompiledConcurrentlyAreIdentical() async throws {
        let bytes = try FileBytes.read(RuleFixtures.defaultRulesPath, limit: 1 << 22)
        let snapshot = try RuleFixtures.exampleSnapshot("tier2-cfo")
        let options = EvaluationOptions(now: RuleFixtures.exampleNow)
        let results = await withTaskGroup(of: String?.self, returning: Set<String?>.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    guard let rules = try? RuleSet(bytes: bytes) else { return nil }
                    return rules.evaluate(snapshot, options: options).jsonText
                }
            }
            return await group.reduce(into: []) { $0.insert($1) }
        }
        #expect(results.count == 1)
        #expect(results.first.flatMap { $0 } != nil)
    }
}
