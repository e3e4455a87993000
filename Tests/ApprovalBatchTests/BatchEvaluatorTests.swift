import ApprovalBatch
import ApprovalJSON
import ApprovalRules
import ApprovalWorkload
import Testing

/// The batch library driven directly, without the CLI: the sources, the ordered parallel
/// evaluator, the summary and the comparison of two rule sets.
@Suite struct BatchEvaluatorTests {
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
    static let examples = repository + "/examples/snapshots"
    static let options = EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T09:00:00Z"))

    static func defaultRules() throws -> RuleSet { try RuleSet(contentsOf: repository + "/rules/default.rules.json") }

    /// Runs `source` and returns every delivered (name, decision JSON or error code), in order.
    static func results(_ evaluator: BatchEvaluator, _ source: inout some SnapshotSource) -> [(String, String)] {
        var delivered: [(String, String)] = []
        evaluator.run(&source, render: { item, _ in item.name }) { item, outcome, rendered in
            #expect(rendered == item.name, "rendered on a worker for the same item")
            switch outcome {
            case .decided(let decision, let other):
                delivered.append(
                    (
                        item.name,
                        JSONWriter.compact.string(decision.json)
                            + (other.map { JSONWriter.compact.string($0.json) } ?? "")
                    ))
            case .unreadable(let error):
                delivered.append((item.name, error.code.description))
            }
        }
        return delivered
    }

    @Test func folderSourceYieldsTheExamplesInNameOrder() throws {
        var source = try FileSnapshotSource(Self.examples)
        var names: [String] = []
        while let item = source.next() { names.append(item.name) }
        #expect(names.count >= 30)
        #expect(names == names.sorted { $0.precedesInCodePointOrder($1) })
        #expect(names.allSatisfy { $0.hasSuffix(".json") })
    }

    @Test func missingFolderIsAnErrorNamingIt() {
        #expect {
            _ = try FileSnapshotSource("/no/such/folder")
        } throws: { ($0 as? SnapshotSourceError)?.code == "file_not_found" }
    }

    @Test func decisionsEqualOneAtATimeWhateverTheWorkers() throws {
        let rules = try Self.defaultRules()
        var one = try FileSnapshotSource(Self.examples)
        let serial = Self.results(BatchEvaluator(rules: rules, options: Self.options, workers: 1), &one)
        var two = try FileSnapshotSource(Self.examples)
        let parallel = Self.results(BatchEvaluator(rules: rules, options: Self.options, workers: 2), &two)
        #expect(serial.map(\.0) == parallel.map(\.0))
        #expect(serial.map(\.1) == parallel.map(\.1))
        // And each equals the decision made on its own.
        for (name, decision) in serial.prefix(5) {
            let snapshot = try ApprovalSnapshot(parsing: try FileBytes.read(name, limit: 1 << 23), file: name)
            #expect(JSONWriter.compact.string(rules.evaluate(snapshot, options: Self.options).json) == decision)
        }
    }

    @Test func inMemorySourceKeepsOrderAndReportsUnreadableItems() throws {
        let rules = try Self.defaultRules()
        let corpus = SnapshotGenerator.corpus(count: 300, seed: 7)
        var items: [(name: String, bytes: [UInt8])] = corpus.enumerated().map {
            ("snapshot-\($0.offset)", JSONWriter.compact.bytes($0.element))
        }
        items.insert(("broken", Array("{\"task_id\": 1,".utf8)), at: 150)
        var source = MemorySnapshotSource(items)
        let delivered = Self.results(BatchEvaluator(rules: rules, options: Self.options, workers: 2), &source)
        #expect(delivered.map(\.0) == items.map(\.0))
        #expect(delivered[150].1 == "premature_end")
        var summary = BatchSummary(rules: rules)
        var again = MemorySnapshotSource(items)
        BatchEvaluator(rules: rules, options: Self.options, workers: 2).run(&again, render: { _, _ in () }) {
            _, outcome, _ in
            summary.add(outcome)
        }
        #expect(summary.total == 301)
        #expect(summary.unreadable == 1)
        #expect(summary.recommendations.values.reduce(0, +) == 300)
        #expect(summary.rulesFired.keys.allSatisfy(rules.ruleIDs.contains))
    }

    @Test func comparisonNamesTheRulesThatStartedAndStoppedFiring() throws {
        let rules = try Self.defaultRules()
        // The candidate raises the small-contract limit: tier-1 stops firing where small-contract starts.
        var document = try JSONParser(options: .ruleFile).parse(
            contentsOf: Self.repository + "/rules/default.rules.json")
        guard case .object(var object) = document, case .array(var list)? = object["rules"] else {
            Issue.record("the default rules are not an object with rules")
            return
        }
        list.removeAll { $0["id"]?.string == "tier-1-director" }
        object["rules"] = .array(list)
        document = .object(object)
        let candidate = try RuleSet(json: document)
        var source = try FileSnapshotSource(Self.examples + "/tier1-director.json")
        var changes: [DecisionComparison] = []
        var summary = BatchSummary(rules: rules, comparedWith: candidate)
        BatchEvaluator(rules: rules, comparedWith: candidate, options: Self.options, workers: 2).run(
            &source, render: { _, _ in () }
        ) { _, outcome, _ in
            summary.add(outcome)
            if case .decided(let old, let new?) = outcome {
                changes.append(DecisionComparison(before: old, after: new))
            }
        }
        let change = try #require(changes.first)
        #expect(change.changed)
        #expect(change.stoppedFiring == ["tier-1-director"])
        #expect(summary.changed == 1)
        #expect(summary.transitions.values.reduce(0, +) == 1)
    }

    @Test func ndjsonSourceCountsLinesAndSkipsBlankOnes() throws {
        let path = "/tmp/approval-batch-\(UInt32.random(in: 0...UInt32.max)).ndjson"
        let text = "{\"task_id\": 1}\n\n  \n{\"task_id\": 2}\n{\"task_id\": 3}"
        let written = text.utf8CString.withUnsafeBufferPointer { buffer -> Bool in
            guard let file = fopen(path, "w") else { return false }
            defer { fclose(file) }
            return fwrite(buffer.baseAddress, 1, buffer.count - 1, file) == buffer.count - 1
        }
        #expect(written)
        defer { remove(path) }
        let source = try NDJSONSnapshotSource(path: path)
        var lines: [Int?] = []
        while let item = source.next() { lines.append(item.line) }
        #expect(lines == [1, 4, 5])
    }
}

#if canImport(Glibc)
    import Glibc
#endif
