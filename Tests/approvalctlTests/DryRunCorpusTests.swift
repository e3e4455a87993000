import ApprovalJSON
import ApprovalWorkload
import Testing

/// `dry-run` over a generated corpus of 1,200 realistic snapshots (ApprovalWorkload), written to a
/// temporary folder: the output must not depend on how many worker threads evaluate it.
@Suite("approvalctl dry-run over a generated corpus")
struct DryRunCorpusTests {
    static let count = 1_200
    static let seed: UInt64 = 20_250_601
    /// Where the broken snapshot goes: the middle of a batch, and not on a batch boundary.
    static let brokenIndex = 617

    /// Writes the corpus as `batch-NN/task-ID.json` (12 folders of 100, so the walk recurses), with
    /// one truncated file in the middle.
    static func writeCorpus(into folder: TemporaryDirectory) throws {
        var generator = SnapshotGenerator(seed: seed)
        for index in 0..<count {
            let snapshot = generator.next()
            var bytes = JSONWriter.compact.bytes(snapshot)
            if index == brokenIndex { bytes = Array(bytes.prefix(bytes.count / 2)) }
            try folder.write(bytes, to: "corpus/" + relativePath(index))
        }
    }

    /// `batch-06/task-100617.json`.
    static func relativePath(_ index: Int) -> String {
        let batch = index / 100
        return "batch-\(batch < 10 ? "0" : "")\(batch)/task-\(SnapshotGenerator.firstTaskID + index).json"
    }

    @Test("--jobs 1 and 2 print byte-identical output over 1,200 generated snapshots, one of them broken")
    func jobsDoNotChangeOutputOverCorpus() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try Self.writeCorpus(into: folder)
        let rules = Fixtures.directory + "/" + Fixtures.rules
        let candidate = Fixtures.directory + "/" + Fixtures.candidateRules
        func dryRun(_ format: String, jobs: Int, compare: Bool) async throws -> CommandResult {
            var arguments = ["dry-run", "corpus", "--rules", rules, "--now", Fixtures.now, "--format", format]
            arguments += ["--jobs", String(jobs)] + (compare ? ["--compare", candidate] : [])
            return try await ApprovalCtl.run(arguments, in: folder.path)
        }

        // NDJSON: every decision, in walk order.
        let one = try await dryRun("ndjson", jobs: 1, compare: false)
        let two = try await dryRun("ndjson", jobs: 2, compare: false)
        #expect(one.status == 65, "one broken snapshot: stderr \(one.stderrText.prefix(500))")
        #expect(two.status == one.status)
        #expect(two.stdout == one.stdout, "--jobs 2 changed the NDJSON output")
        #expect(two.stderr == one.stderr)
        let lines = try Output.lines(one.stdout)
        #expect(lines.count == Self.count + 1)
        #expect(lines.dropLast().compactMap { $0.at("decision.task_id")?.integer }.count == Self.count - 1)
        let error = lines[Self.brokenIndex]
        #expect(error["type"]?.string == "error")
        #expect(error["source"]?.string == "corpus/" + Self.relativePath(Self.brokenIndex))
        #expect(error.at("error.line") == .integer(1), "compact JSON is one line")
        let summary = try #require(lines.last)
        #expect(summary.at("summary.snapshots") == .integer(Int64(Self.count)))
        #expect(summary.at("summary.evaluated") == .integer(Int64(Self.count - 1)))
        #expect(summary.at("summary.unreadable") == .integer(1))
        // The generator mixes in every kind of case; a corpus this size reaches every recommendation.
        for recommendation in ["approve", "request_changes", "hold", "reject"] {
            let counted = summary.at("summary.recommendations.\(recommendation)")?.integer ?? 0
            #expect(counted > 0, "no \(recommendation) in the corpus")
        }
        // With a JSON format, the diagnostic on stderr is a JSON line too.
        let diagnostics = try Output.lines(one.stderr)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["file"]?.string == "corpus/" + Self.relativePath(Self.brokenIndex))
        #expect(diagnostics.first?["line"] == .integer(1))

        // JSON with --compare: the changed decisions, listed in walk order, and the summary.
        let compareOne = try await dryRun("json", jobs: 1, compare: true)
        let compareTwo = try await dryRun("json", jobs: 2, compare: true)
        #expect(compareOne.status == 65)
        #expect(compareTwo.stdout == compareOne.stdout, "--jobs 2 changed the --compare output")
        let report = try Output.document(compareOne.stdout)
        #expect(report.at("summary.unreadable") == .integer(1))
        let changed = report.at("summary.changed")?.integer ?? 0
        #expect(changed > 0)
        // "changed" lists exactly the changed decisions; the unreadable snapshot is listed apart.
        let entries = report["changed"]?.array ?? []
        #expect(entries.count == Int(changed))
        #expect(
            report["unreadable"]?.array?.compactMap { $0["source"]?.string } == [
                "corpus/" + Self.relativePath(Self.brokenIndex)
            ])
    }
}
