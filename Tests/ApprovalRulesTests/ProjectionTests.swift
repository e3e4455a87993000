import ApprovalJSON
import ApprovalWorkload
import Testing

@testable import ApprovalRules

/// The fast path parses only what a rule set reads (`RuleSet.projection`); its decisions must
/// equal those made on the whole document, byte for byte.
@Suite struct ProjectionTests {
    static let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: true)

    func decisions(_ rules: RuleSet, _ bytes: [UInt8]) throws -> (full: String, projected: String) {
        let full = try ApprovalSnapshot(parsing: bytes)
        let projected = try ApprovalSnapshot(parsing: bytes, projection: rules.projection)
        return (
            rules.evaluate(full, options: Self.options).jsonText,
            rules.evaluate(projected, options: Self.options).jsonText
        )
    }

    @Test(arguments: RuleFixtures.exampleNames())
    func projectedExampleGivesTheSameDecision(_ name: String) throws {
        let rules = try RuleFixtures.defaultRules()
        let bytes = try FileBytes.read("\(RuleFixtures.snapshotsDirectory)/\(name).json", limit: 1 << 23)
        let (full, projected) = try decisions(rules, bytes)
        #expect(projected == full)
    }

    @Test func projectedGeneratedCorpusGivesTheSameDecisions() throws {
        let rules = try RuleFixtures.defaultRules()
        var recommendations: Set<Recommendation> = []
        var differences: [String] = []
        for (index, document) in SnapshotGenerator.corpus(count: 400, seed: 20_250_601).enumerated() {
            let bytes = JSONWriter.compact.bytes(document)
            let (full, projected) = try decisions(rules, bytes)
            if projected != full {
                differences.append("snapshot \(index):\n  full      \(full)\n  projected \(projected)")
            }
            recommendations.insert(rules.evaluate(ApprovalSnapshot(document), options: Self.options).recommendation)
        }
        #expect(differences.isEmpty, "\(differences.prefix(3).joined(separator: "\n"))")
        // The corpus is varied enough to exercise every outcome of the default rules.
        #expect(recommendations == Set(Recommendation.allCases))
    }

    @Test func projectionKeepsLessThanTheWholeSnapshot() throws {
        let rules = try RuleFixtures.defaultRules()
        let bytes = try FileBytes.read("\(RuleFixtures.snapshotsDirectory)/tier2-cfo.json", limit: 1 << 23)
        let full = try JSONParser().parse(bytes)
        let projected = try JSONParser().parse(bytes, projection: rules.projection)
        #expect(projected != full)
        // Each variable entry keeps its id and type, not the rest (step_id); the value only of
        // the variables the rules read (the default rules do not read term_months).
        #expect(projected["variables_to_approve"]?[3]?["variable_id"] == "term_months")
        #expect(projected["variables_to_approve"]?[3]?["variable_type"] == "number")
        #expect(full["variables_to_approve"]?[3]?["value"] == 36)
        #expect(projected["variables_to_approve"]?[3]?["value"] == nil)
        #expect(full["variables_to_approve"]?[3]?["step_id"] != nil)
        #expect(projected["variables_to_approve"]?[3]?["step_id"] == nil)
        #expect(projected["variables_to_approve"]?[1]?["value"] == 300000)
        // Of the files, which variable each belongs to, not the long presigned URL.
        #expect(projected["files"]?[0]?["variable_id"] == "contract_file")
        #expect(full["files"]?[0]?["download_url"] != nil)
        #expect(projected["files"]?[0]?["download_url"] == nil)
    }

    @Test func ruleReadingTheWholeDataProjectsEverything() throws {
        let rules = try RuleSet(text: ruleDocument(#"{"id": "r", "when": {"var": ""}, "recommend": "hold"}"#))
        #expect(rules.projection == .all)
    }

    @Test func neededPartsFollowWhatTheRulesRead() throws {
        #expect(try RuleFixtures.defaultRules().neededParts == [.task, .taskFiles])
        let approversOnly = try RuleSet(
            text: ruleDocument(#"{"id": "r", "when": {"!": {"var": "approvers.active"}}, "recommend": "hold"}"#))
        #expect(approversOnly.neededParts == [])
    }
}
