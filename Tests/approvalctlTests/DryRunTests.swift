import ApprovalJSON
import Testing

/// `approvalctl dry-run` over the fixture snapshots, with and without `--compare`.
@Suite("approvalctl dry-run")
struct DryRunTests {
    static func dryRun(_ source: String = "snapshots", format: String, compare: Bool = false, _ extra: [String] = [])
        -> [String]
    {
        ["dry-run", source, "--rules", Fixtures.rules, "--now", Fixtures.now, "--format", format]
            + (compare ? ["--compare", Fixtures.candidateRules] : []) + extra
    }

    struct Variant: Sendable, CustomTestStringConvertible {
        let format: String
        let compare: Bool
        var golden: String { "dry-run/\(compare ? "compare" : "plain").\(format == "text" ? "txt" : format)" }
        var testDescription: String { "--format \(format)\(compare ? " --compare" : "")" }
    }

    static let variants = ["text", "json", "ndjson"].flatMap { format in
        [false, true].map { Variant(format: format, compare: $0) }
    }

    @Test("the report goes to stdout, stderr stays empty, and it matches its golden file", arguments: variants)
    func reportMatchesGoldenFile(_ variant: Variant) async throws {
        let result = try await ApprovalCtl.run(
            Self.dryRun(format: variant.format, compare: variant.compare, ["--jobs", "1"]))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        switch variant.format {
        case "json": _ = try Output.document(result.stdout)
        case "ndjson": #expect(try Output.lines(result.stdout).count == Fixtures.snapshotPaths.count + 1)
        default: #expect(result.stdoutText.hasPrefix("Dry run of \"fixture-vendor-contracts\""))
        }
        try Golden.check(result.stdout, matches: variant.golden)
    }

    @Test("--jobs 1 and --jobs 2 print byte-identical output", arguments: variants)
    func jobsDoNotChangeOutput(_ variant: Variant) async throws {
        let one = try await ApprovalCtl.run(
            Self.dryRun(format: variant.format, compare: variant.compare, ["--jobs", "1"]))
        let two = try await ApprovalCtl.run(
            Self.dryRun(format: variant.format, compare: variant.compare, ["--jobs", "2"]))
        let many = try await ApprovalCtl.run(
            Self.dryRun(format: variant.format, compare: variant.compare, ["--jobs", "7"]))
        #expect(one.status == 0)
        #expect(two.status == one.status)
        #expect(two.stdout == one.stdout)
        #expect(many.stdout == one.stdout)
        #expect(two.stderr == one.stderr)
    }

    @Test("NDJSON output has one decision per snapshot, in name order through sub-folders, then the summary")
    func ndjsonWalksFolderInNameOrder() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun(format: "ndjson"))
        #expect(result.status == 0)
        let lines = try Output.lines(result.stdout)
        let decisions = lines.dropLast()
        #expect(decisions.allSatisfy { $0["type"]?.string == "decision" })
        // Hidden files (.draft.json) and files without the .json suffix (notes.txt) are skipped.
        #expect(decisions.compactMap { $0["source"]?.string } == Fixtures.snapshotPaths)
        #expect(decisions.compactMap { $0.at("decision.task_id")?.integer } == Array(41001...41008))
        let summary = try #require(lines.last)
        #expect(summary["type"]?.string == "summary")
        #expect(summary.at("summary.snapshots") == .integer(8))
    }

    @Test("the JSON summary counts every snapshot, recommendation and rule")
    func jsonSummaryCounts() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun(format: "json"))
        #expect(result.status == 0)
        let report = try Output.document(result.stdout)
        #expect(report.at("rules.name")?.string == "fixture-vendor-contracts")
        #expect(report["source"]?.string == "snapshots")
        #expect(report.at("summary.snapshots") == .integer(8))
        #expect(report.at("summary.evaluated") == .integer(8))
        #expect(report.at("summary.unreadable") == .integer(0))
        let recommendations = try #require(report.at("summary.recommendations")?.object)
        #expect(recommendations.keys == ["approve", "request_changes", "hold", "reject"])
        #expect(report.at("summary.recommendations.approve") == .integer(1))
        #expect(report.at("summary.recommendations.request_changes") == .integer(1))
        #expect(report.at("summary.recommendations.hold") == .integer(4))
        #expect(report.at("summary.recommendations.reject") == .integer(2))
        #expect(report.at("summary.rules_fired.tier-1-auto-approve") == .integer(3))
        #expect(report.at("summary.escalating_tasks") == .integer(3))
        #expect(report.at("summary.tasks_with_data_problems") == .integer(2))
        // Flagged: the tasks that escalate or have data problems, in walk order.
        #expect(
            (report["flagged"]?.array ?? []).compactMap { $0["source"]?.string } == [
                "snapshots/b-tier3-cfo.json", "snapshots/c-blocked-vendor.json", "snapshots/e-external-approver.json",
                "snapshots/nested/f-missing-value.json", "snapshots/nested/h-invalid-date.json",
            ])
    }

    @Test("--compare lists the decisions that change and the rules that started or stopped firing")
    func compareListsChanges() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun(format: "json", compare: true))
        #expect(result.status == 0)
        let report = try Output.document(result.stdout)
        #expect(report.at("compare.name")?.string == "fixture-vendor-contracts-candidate")
        let changed = try #require(report["changed"]?.array)
        let bySource = Dictionary(
            uniqueKeysWithValues: changed.compactMap { entry in entry["source"]?.string.map { ($0, entry) } })
        // 75,000.50: the candidate's manager tier starts firing; the vendor is still rejected.
        let blocked = try #require(bySource["snapshots/c-blocked-vendor.json"])
        #expect(blocked["before"]?.string == "reject")
        #expect(blocked["after"]?.string == "reject")
        #expect(blocked["started_firing"]?.strings == ["tier-2-manager"])
        // 300,000: the two-week notice rule no longer exists in the candidate.
        let cfo = try #require(bySource["snapshots/b-tier3-cfo.json"])
        #expect(cfo["stopped_firing"]?.strings == ["starts-within-two-weeks"])
        // 12,000: nothing changes, so it is not listed.
        #expect(bySource["snapshots/a-tier1-approve.json"] == nil)
        #expect(report.at("summary.changed") == .integer(Int64(changed.count)))
        #expect(report.at("summary.unchanged") == .integer(Int64(8 - changed.count)))
    }

    @Test("--compare keeps the summary counts of the --rules side as they are without --compare")
    func compareKeepsSummaryOfCurrentRules() async throws {
        let plain = try Output.document(try await ApprovalCtl.run(Self.dryRun(format: "json")).stdout)
        let compared = try Output.document(try await ApprovalCtl.run(Self.dryRun(format: "json", compare: true)).stdout)
        for key in ["snapshots", "evaluated", "unreadable", "recommendations", "rules_fired"] {
            #expect(compared.at("summary." + key) == plain.at("summary." + key), "summary.\(key)")
        }
        #expect(plain.at("summary.escalating_tasks") == .integer(3))
        #expect(compared.at("summary.escalating_tasks") == plain.at("summary.escalating_tasks"))
        #expect(compared.at("summary.tasks_with_data_problems") == plain.at("summary.tasks_with_data_problems"))
        #expect(compared.at("summary.escalating_tasks_after") != nil)
        #expect(compared.at("summary.tasks_with_data_problems_after") != nil)
    }

    @Test("a broken snapshot mid-folder is located (file:line:column) and counted, the rest completes, exit 65")
    func brokenSnapshotInFolderText() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("broken-folder", format: "text"))
        #expect(result.status == 65)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderrText)")
        #expect(
            result.stderrText.hasPrefix("broken-folder/02-broken.json:4:24: error["), "stderr: \(result.stderrText)")
        #expect(result.stdoutText.contains("Snapshots: 3 (2 evaluated, 1 unreadable)"), "stdout: \(result.stdoutText)")
        #expect(!result.stdoutText.contains("error["), "diagnostics belong on stderr")
        // The snapshot after the broken one was still evaluated: its escalation is listed.
        #expect(result.stdoutText.contains("(broken-folder/03-blocked.json)"))
    }

    @Test("with --format json a broken snapshot is counted in one JSON document on stdout and a JSON line on stderr")
    func brokenSnapshotInFolderJSON() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("broken-folder", format: "json"))
        #expect(result.status == 65)
        let report = try Output.document(result.stdout)
        #expect(report.at("summary.snapshots") == .integer(3))
        #expect(report.at("summary.evaluated") == .integer(2))
        #expect(report.at("summary.unreadable") == .integer(1))
        #expect(report.at("summary.recommendations.approve") == .integer(1))
        #expect(report.at("summary.recommendations.reject") == .integer(1))
        // The unreadable snapshot is listed apart from the flagged decisions, with its location.
        let flagged = report["flagged"]?.array ?? []
        #expect(flagged.compactMap { $0["source"]?.string } == ["broken-folder/03-blocked.json"])
        let unreadable = report["unreadable"]?.array ?? []
        #expect(unreadable.compactMap { $0["source"]?.string } == ["broken-folder/02-broken.json"])
        #expect(unreadable.first?.at("error.line") == .integer(4))
        let errors = try Output.lines(result.stderr)
        #expect(errors.count == 1)
        #expect(errors.first?["file"]?.string == "broken-folder/02-broken.json")
        #expect(errors.first?["line"] == .integer(4))
        #expect(errors.first?["column"] == .integer(24))
    }

    @Test("with --format ndjson a broken snapshot becomes an error line between the decisions")
    func brokenSnapshotInFolderNDJSON() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("broken-folder", format: "ndjson"))
        #expect(result.status == 65)
        let lines = try Output.lines(result.stdout)
        #expect(lines.compactMap { $0["type"]?.string } == ["decision", "error", "decision", "summary"])
        #expect(lines[1]["source"]?.string == "broken-folder/02-broken.json")
        #expect(lines[1].at("error.line") == .integer(4))
        #expect(lines.last?.at("summary.unreadable") == .integer(1))
        #expect(try Output.lines(result.stderr).count == 1)
    }

    @Test("an unreadable snapshot wins over --fail-on: the run exits 65, not 3")
    func unreadableWinsOverFailOn() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("broken-folder", format: "json", ["--fail-on", "reject"]))
        #expect(result.status == 65)
    }

    @Test("--fail-on exits 3 when any decision matches, after printing the whole report")
    func failOnMatchesAnyDecision() async throws {
        let plain = try await ApprovalCtl.run(Self.dryRun(format: "json"))
        let escalate = try await ApprovalCtl.run(Self.dryRun(format: "json", ["--fail-on", "escalate"]))
        #expect(escalate.status == 3)
        #expect(escalate.stderr.isEmpty)
        #expect(escalate.stdout == plain.stdout)
        // d-missing-file is sent back for changes without escalating: nothing matches, exit 0.
        let none = try await ApprovalCtl.run(
            Self.dryRun("snapshots/d-missing-file.json", format: "json", ["--fail-on", "approve,reject,escalate"]))
        #expect(none.status == 0)
        // With --compare, --fail-on looks at the candidate's decisions.
        let candidate = try await ApprovalCtl.run(
            Self.dryRun(
                "snapshots/nested/g-self-approval.json", format: "json", compare: true, ["--fail-on", "escalate"]))
        #expect(
            candidate.status == 3, "the candidate's manager tier escalates g-self-approval; the current rules do not")
        let current = try await ApprovalCtl.run(
            Self.dryRun("snapshots/nested/g-self-approval.json", format: "json", ["--fail-on", "escalate"]))
        #expect(current.status == 0)
    }

    @Test("an NDJSON stream on stdin (-) is read line by line and named <stdin>:LINE")
    func readsNDJSONFromStdin() async throws {
        let result = try await ApprovalCtl.run(
            Self.dryRun("-", format: "ndjson"), stdin: try Fixtures.bytes("streams/decisions.ndjson"))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = try Output.lines(result.stdout)
        #expect(lines.dropLast().compactMap { $0["source"]?.string } == ["<stdin>:1", "<stdin>:2", "<stdin>:3"])
        #expect(
            lines.dropLast().compactMap { $0.at("decision.recommendation")?.string } == [
                "approve", "reject", "request_changes",
            ])

        let fromFile = try await ApprovalCtl.run(Self.dryRun("streams/decisions.ndjson", format: "ndjson"))
        #expect(fromFile.status == 0)
        #expect(
            try Output.lines(fromFile.stdout).dropLast().compactMap { $0["source"]?.string } == [
                "streams/decisions.ndjson:1", "streams/decisions.ndjson:2", "streams/decisions.ndjson:3",
            ])
    }

    @Test("a broken line in an NDJSON stream is reported with its line, the other lines are evaluated, exit 65")
    func brokenLineInNDJSONStream() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("streams/broken.ndjson", format: "text"))
        #expect(result.status == 65)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderrText.hasPrefix("streams/broken.ndjson:2:"), "stderr: \(result.stderrText)")
        #expect(result.stdoutText.contains("Snapshots: 3 (2 evaluated, 1 unreadable)"))

        let json = try await ApprovalCtl.run(Self.dryRun("streams/broken.ndjson", format: "ndjson"))
        #expect(json.status == 65)
        let lines = try Output.lines(json.stdout)
        #expect(lines.compactMap { $0["type"]?.string } == ["decision", "error", "decision", "summary"])
        #expect(lines[1]["source"]?.string == "streams/broken.ndjson:2")
        // The bad byte is column 45 of line 2 of the stream.
        #expect(result.stderrText.hasPrefix("streams/broken.ndjson:2:45: error["), "stderr: \(result.stderrText)")
        #expect(lines[1].at("error.file")?.string == "streams/broken.ndjson")
        #expect(lines[1].at("error.line") == .integer(2))
        #expect(lines[1].at("error.column") == .integer(45))
    }

    @Test("a single snapshot file is a one-snapshot dry run")
    func singleFileSource() async throws {
        let result = try await ApprovalCtl.run(Self.dryRun("snapshots/c-blocked-vendor.json", format: "json"))
        #expect(result.status == 0)
        let report = try Output.document(result.stdout)
        #expect(report.at("summary.snapshots") == .integer(1))
        #expect(report.at("summary.recommendations.reject") == .integer(1))
    }

    @Test("an empty folder is a dry run of nothing, not an error")
    func emptyFolder() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await ApprovalCtl.run(
            ["dry-run", folder.path, "--rules", Fixtures.rules, "--now", Fixtures.now, "--format", "json"])
        #expect(result.status == 0)
        let report = try Output.document(result.stdout)
        #expect(report.at("summary.snapshots") == .integer(0))
        #expect(report["flagged"] == .array([]))
    }

    @Test("--now pins the clock: two runs print the same bytes")
    func nowPinsTheClock() async throws {
        let first = try await ApprovalCtl.run(Self.dryRun(format: "ndjson"))
        let second = try await ApprovalCtl.run(Self.dryRun(format: "ndjson"))
        #expect(first.stdout == second.stdout)
        let later = try await ApprovalCtl.run(
            ["dry-run", "snapshots", "--rules", Fixtures.rules, "--now", "2025-06-25T00:00:00Z", "--format", "ndjson"])
        #expect(later.stdout != first.stdout, "the two-week notice depends on the clock")
    }

    @Test("invalid rules or candidate rules exit 65 before any snapshot is read; missing ones exit 66")
    func ruleFileProblems() async throws {
        let invalid = try await ApprovalCtl.run(["dry-run", "snapshots", "--rules", "rules/invalid.rules.json"])
        #expect(invalid.status == 65)
        #expect(invalid.stdout.isEmpty)
        #expect(invalid.stderrText.hasPrefix("rules/invalid.rules.json:6:15: error[unknown_operator]"))

        let invalidCandidate = try await ApprovalCtl.run(
            Self.dryRun(format: "text", ["--compare", "rules/syntax-error.rules.json"]))
        #expect(invalidCandidate.status == 65)
        #expect(invalidCandidate.stdout.isEmpty)
        #expect(invalidCandidate.stderrText.hasPrefix("rules/syntax-error.rules.json:5:5: error[json_syntax]"))

        let missingCandidate = try await ApprovalCtl.run(
            Self.dryRun(format: "text", ["--compare", "rules/none.rules.json"]))
        #expect(missingCandidate.status == 66)
        #expect(missingCandidate.stdout.isEmpty)
    }

    @Test("a missing source folder or stream exits 66")
    func missingSource() async throws {
        for source in ["no-such-folder", "no-such-stream.ndjson"] {
            let result = try await ApprovalCtl.run(Self.dryRun(source, format: "text"))
            #expect(result.status == 66, "\(source)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderrText.contains(source))
        }
    }
}
