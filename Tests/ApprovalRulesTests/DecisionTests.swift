import ApprovalJSON
import ApprovalWorkload
import Testing

@testable import ApprovalRules

@Suite struct DecisionTests {
    // MARK: - Stable JSON

    @Test func decisionJSONMatchesTheGoldenFile() throws {
        let rules = try RuleFixtures.defaultRules()
        let decision = rules.evaluate(
            try RuleFixtures.exampleSnapshot("owner-is-active-approver"),
            options: EvaluationOptions(now: RuleFixtures.exampleNow))
        let golden = try FileBytes.read(
            RuleFixtures.path("golden/owner-is-active-approver.decision.json"), limit: 1 << 20)
        let actual = JSONWriter.pretty.string(decision.json) + "\n"
        #expect(actual == String(decoding: golden, as: UTF8.self), "actual decision:\n\(actual)")
    }

    @Test func decisionJSONKeysComeInAFixedOrder() throws {
        let rules = try RuleFixtures.defaultRules()
        let snapshot = try RuleFixtures.exampleSnapshot("files-listing-incomplete")
        let decision = rules.evaluate(snapshot, options: EvaluationOptions(now: RuleFixtures.exampleNow, explain: true))
        let json = decision.json
        #expect(
            json.object?.keys == [
                "task_id", "rule_set", "recommendation", "fired_rules", "escalations", "data_problems", "warnings",
                "trace",
            ])
        #expect(json["data_problems"]?[0]?.object?.keys == ["code", "message", "path", "rule_id"])
        #expect(json["trace"]?[0]?.object?.keys.first == "rule_id")
        #expect(rules.evaluate(snapshot, options: EvaluationOptions(now: RuleFixtures.exampleNow)).json["trace"] == nil)
    }

    @Test func evaluatingTwiceGivesByteIdenticalJSON() throws {
        let rules = try RuleFixtures.defaultRules()
        for name in RuleFixtures.exampleNames() {
            let snapshot = try RuleFixtures.exampleSnapshot(name)
            let options = EvaluationOptions(now: RuleFixtures.exampleNow, explain: true)
            #expect(
                rules.evaluate(snapshot, options: options).jsonText
                    == rules.evaluate(snapshot, options: options).jsonText, "\(name)")
        }
    }

    /// `writeJSON(into:)` writes a decision without building its `JSONValue`: byte for byte what
    /// writing `json` gives, on every example and a generated corpus, with both shipped rule sets
    /// and the benchmark's, and on hand-made decisions with every optional member and escape.
    @Test func directWriterMatchesTheJSONValue() throws {
        var ruleSets = [try RuleFixtures.defaultRules()]
        for name in ["rules/doa-matrix.rules.json", "Benchmarks/rules/benchmark.rules.json"] {
            ruleSets.append(try RuleSet(contentsOf: RuleFixtures.packageRoot + "/" + name))
        }
        var snapshots = try RuleFixtures.exampleNames().map(RuleFixtures.exampleSnapshot)
        snapshots += SnapshotGenerator.corpus(count: 500, seed: 7).map { ApprovalSnapshot($0) }
        var differences: [String] = []
        var checked = 0
        for rules in ruleSets {
            for snapshot in snapshots {
                for explain in [false, true] {
                    let decision = rules.evaluate(
                        snapshot, options: EvaluationOptions(now: RuleFixtures.exampleNow, explain: explain))
                    let expected = JSONWriter.compact.bytes(decision.json)
                    if decision.compactJSON != expected {
                        differences.append(String(decoding: expected, as: UTF8.self))
                    }
                    checked += 1
                    for escalation in decision.escalations {
                        var direct: [UInt8] = []
                        escalation.writeJSON(into: &direct)
                        if direct != JSONWriter.compact.bytes(escalation.json) {
                            differences.append(JSONWriter.compact.string(escalation.json))
                        }
                    }
                }
            }
        }
        #expect(differences.isEmpty, "\(differences.count) differ, e.g. \(differences.first ?? "")")
        #expect(checked == ruleSets.count * snapshots.count * 2)

        let awkward = "quote \" back\\slash\nline\ttab \u{1} \u{7F} é 名 😀"
        let followUp = Escalation.FollowUp(
            after: try #require(ISODuration("PT72H")), to: ["a@example.com", awkward], severity: .critical,
            message: awkward)
        let made = Decision(
            taskID: .double(12.5), ruleSetName: awkward, ruleSetHash: "sha256:00", recommendation: .reject,
            firedRules: [
                FiredRule(id: "a", recommendation: nil, reason: nil),
                FiredRule(id: awkward, recommendation: .hold, reason: awkward),
            ],
            escalations: [
                Escalation(
                    to: [], severity: .low, message: "", ruleIDs: ["a"], remindAfter: ISODuration("P1D"),
                    escalateAfter: followUp),
                Escalation(to: [awkward], severity: .high, message: awkward, ruleIDs: []),
            ],
            dataProblems: [
                DataProblem(code: .missingFact, message: awkward, path: nil, ruleID: nil),
                DataProblem(code: .ambiguousData, message: "m", path: "/variables/0", ruleID: "a"),
            ],
            warnings: [awkward, ""], trace: nil)
        for taskID: JSONValue in [.double(12.5), .null, .string(awkward), .integer(-3), ["nested": [1, true]]] {
            var decision = made
            decision.taskID = taskID
            #expect(
                String(decoding: decision.compactJSON, as: UTF8.self) == JSONWriter.compact.string(decision.json))
        }
    }

    @Test func escalationJSONListsTheRulesThatAskedForIt() throws {
        let rules = try RuleFixtures.defaultRules()
        let decision = rules.evaluate(
            try RuleFixtures.exampleSnapshot("threshold-1000000-exact"),
            options: EvaluationOptions(now: RuleFixtures.exampleNow))
        let escalation = try #require(decision.json["escalations"]?[0])
        #expect(escalation.object?.keys == ["to", "severity", "message", "rules"])
        #expect(escalation["to"] == ["ceo@example.com"])
        #expect(escalation["severity"] == "critical")
        #expect(escalation["rules"] == ["tier-3-ceo"])
        #expect(
            escalation["message"]
                == "CEO approval needed: contract with Redwood Logistics S.A. worth USD 1,000,000.00 (task 48221)")
    }

    // MARK: - Content hash

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func sha256MatchesTheStandardTestVectors(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    @Test func sha256OfAMillionAsMatchesTheStandardVector() {
        #expect(
            SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [55, 56, 63, 64, 65])
    func sha256HandlesPaddingBoundaries(length: Int) {
        // Lengths around one block's padding limit; known digests of "a" repeated.
        let known: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
        ]
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: length)) == known[length])
    }

    @Test func ruleSetHashIsTheSHA256OfTheFileBytes() throws {
        let bytes = try FileBytes.read(RuleFixtures.defaultRulesPath, limit: 1 << 22)
        let rules = try RuleFixtures.defaultRules()
        #expect(rules.contentHash == "sha256:" + SHA256.hex(bytes))
        let decision = rules.evaluate(
            try RuleFixtures.exampleSnapshot("clean-small-contract"),
            options: EvaluationOptions(now: RuleFixtures.exampleNow))
        #expect(decision.ruleSetHash == rules.contentHash)
        #expect(
            decision.json["rule_set"] == ["name": "default-contract-approvals", "hash": .string(rules.contentHash)])
    }

    @Test func anyChangeToTheRuleTextChangesTheHash() throws {
        let text = ruleDocument(firingRule("a", "hold"))
        let spaced = text.replacingOccurrences(of: #""a""#, with: #" "a" "#)
        #expect(try RuleSet(text: text).contentHash != RuleSet(text: spaced).contentHash)
        #expect(try RuleSet(text: text).contentHash == RuleSet(text: text).contentHash)
    }

    @Test func inMemoryDocumentsHashTheirCompactJSON() throws {
        let document: JSONValue = ["name": "x", "rules": [["id": "r", "when": true, "recommend": "hold"]]]
        #expect(try RuleSet(json: document).contentHash == "sha256:" + SHA256.hex(JSONWriter.compact.bytes(document)))
    }
}

extension String {
    /// Every occurrence of `target` replaced (a small stand-in for Foundation's method).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
