import ApprovalJSON
import Foundation
import Testing

/// `evaluate --ledger`, `ledger verify|log|export` and `replay`, run as a user runs them: the built
/// binary (which hands these commands to its companion), stdout, stderr and exit status apart.
@Suite struct LedgerCLITests {
    private static let decide = ["--rules", Fixtures.rules, "--now", Fixtures.now]

    /// Records `paths` one process each, in order, and returns the JSON each printed.
    private func record(_ paths: [String], into ledger: String) async throws -> [JSONValue] {
        var outputs: [JSONValue] = []
        for path in paths {
            let result = try await ApprovalCtl.run(
                ["evaluate", path, "--ledger", ledger, "--format", "json"] + Self.decide)
            #expect(result.status == 0, "\(path): \(result.stderrText)")
            #expect(result.stderr.isEmpty)
            outputs.append(try JSONParser().parse(result.stdout))
        }
        return outputs
    }

    @Test func evaluateRecordsAndMarksNewEscalationsOnce() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        let outputs = try await record(Array(repeating: "snapshots/b-tier3-cfo.json", count: 3), into: ledger)
        let plain = try await ApprovalCtl.run(
            ["evaluate", "snapshots/b-tier3-cfo.json", "--format", "json"] + Self.decide)
        for (index, output) in outputs.enumerated() {
            let record = try #require(output["record"])
            #expect(record["sequence"]?.integer == Int64(index + 1))
            guard case .object(var decision) = output else { Issue.record("not an object"); return }
            decision["record"] = nil
            // The decision is exactly `evaluate`'s; the record is added after it.
            #expect(JSONWriter.pretty.string(.object(decision)) + "\n" == plain.stdoutText)
        }
        let escalations = outputs[0]["escalations"]?.array?.count ?? 0
        #expect(escalations > 0)
        #expect(outputs[0]["record"]?["new_escalations"]?.array?.count == escalations)
        #expect(outputs[1]["record"]?["new_escalations"]?.array?.isEmpty == true)
        #expect(outputs[2]["record"]?["previous_hash"] == outputs[1]["record"]?["hash"])

        let text = try await ApprovalCtl.run(
            ["evaluate", "snapshots/b-tier3-cfo.json"] + Self.decide, environment: ["APPROVAL_LEDGER": ledger])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("Recorded as #4 in \(ledger)"))
        #expect(text.stdoutText.contains("new escalations: 0 of \(escalations)"))
    }

    @Test func verifyLogAndExport() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        _ = try await record(Fixtures.snapshotPaths, into: ledger)

        let verified = try await ApprovalCtl.run(["ledger", "verify", ledger])
        #expect(verified.status == 0, "\(verified.stderrText)")
        #expect(verified.stdoutText.hasPrefix("OK: \(Fixtures.snapshotPaths.count) records verified"))
        #expect(verified.stderr.isEmpty)
        let json = try await ApprovalCtl.run(["ledger", "verify", ledger, "--format", "json", "--jobs", "2"])
        let report = try JSONParser().parse(json.stdout)
        #expect(report["verified"] == .bool(true))
        #expect(report["records"]?.integer == Int64(Fixtures.snapshotPaths.count))

        let log = try await ApprovalCtl.run(["ledger", "log", ledger, "--task", "41002"])
        #expect(log.status == 0)
        #expect(log.stdoutLines.first?.hasPrefix("#2 ") == true, "\(log.stdoutText)")
        #expect(log.stdoutLines.filter { $0.hasPrefix("#") }.count == 1)
        let all = try await ApprovalCtl.run(["ledger", "log", ledger, "--format", "json"])
        #expect(try JSONParser().parse(all.stdout).array?.count == Fixtures.snapshotPaths.count)
        let future = try await ApprovalCtl.run(["ledger", "log", ledger, "--since", "2999-01-01T00:00:00Z"])
        #expect(future.status == 0)
        #expect(future.stdout.isEmpty)

        let export = try await ApprovalCtl.run(["ledger", "export", ledger, "--format", "ndjson", "--with-snapshots"])
        #expect(export.status == 0)
        let lines = export.stdoutLines.filter { !$0.isEmpty }
        #expect(lines.count == Fixtures.snapshotPaths.count)
        for (index, line) in lines.enumerated() {
            let record = try JSONParser().parse(Array(line.utf8))
            #expect(record["sequence"]?.integer == Int64(index + 1))
            #expect(record["hash"]?.string?.hasPrefix("sha256:") == true)
            #expect(record["snapshot"]?["task_id"] != nil)
        }
    }

    @Test func verifyReportsTheFirstTamperedRecord() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        _ = try await record(Array(Fixtures.snapshotPaths.prefix(4)), into: ledger)
        try Self.sql(ledger, "UPDATE records SET decision = replace(decision, 'approve', 'reject') WHERE sequence = 1")
        let text = try await ApprovalCtl.run(["ledger", "verify", ledger])
        #expect(text.status == 65)
        #expect(text.stdoutText.hasPrefix("FAILED at record #1 (task 41001): hash_mismatch:"), "\(text.stdoutText)")
        let json = try await ApprovalCtl.run(["ledger", "verify", ledger, "--format", "json"])
        #expect(json.status == 65)
        let failure = try JSONParser().parse(json.stdout)["failure"]
        #expect(failure?["sequence"]?.integer == 1)
        #expect(failure?["code"]?.string == "hash_mismatch")
    }

    @Test func missingForeignAndDamagedLedgersExitWithTheirCodes() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let missing = try await ApprovalCtl.run(["ledger", "verify", folder.path + "/none.ledger"])
        #expect(missing.status == 66)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderrText.contains("none.ledger: no such ledger"))
        let text = try folder.write(Array(String(repeating: "hello\n", count: 500).utf8), to: "notes.txt")
        let foreign = try await ApprovalCtl.run(["ledger", "log", text])
        #expect(foreign.status == 65)
        #expect(foreign.stderrText.contains("notes.txt: not a decision ledger"))
        let json = try await ApprovalCtl.run(["ledger", "log", text, "--format", "json"])
        #expect(try JSONParser().parse(Array(json.stderr.dropLast()))["error"]?.string == "ledger_not_a_ledger")
        let recording = try await ApprovalCtl.run(
            ["evaluate", Fixtures.snapshotPaths[0], "--ledger", text] + Self.decide)
        #expect(recording.status == 65)
        #expect(recording.stdout.isEmpty, "no decision is printed when it cannot be recorded")
    }

    @Test func replayEqualsDryRunCompare() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        _ = try await record(Fixtures.snapshotPaths, into: ledger)
        let replay = try await ApprovalCtl.run(
            ["replay", ledger, "--rules", Fixtures.candidateRules, "--format", "json", "--jobs", "2"])
        let dryRun = try await ApprovalCtl.run(
            ["dry-run", "snapshots", "--compare", Fixtures.candidateRules, "--format", "json", "--jobs", "1"]
                + Self.decide)
        #expect(replay.status == dryRun.status)
        #expect(replay.stderr == dryRun.stderr)
        let replayed = try JSONParser().parse(replay.stdout)
        let expected = try JSONParser().parse(dryRun.stdout)
        #expect(replayed["summary"] == expected["summary"])
        #expect(replayed["rules"] == expected["rules"])
        #expect(replayed["compare"] == expected["compare"])
        func withoutSources(_ report: JSONValue) -> [JSONValue] {
            (report["changed"]?.array ?? []).map {
                guard case .object(var entry) = $0 else { return $0 }
                entry["source"] = nil
                return .object(entry)
            }
        }
        #expect(!withoutSources(expected).isEmpty)
        #expect(withoutSources(replayed) == withoutSources(expected))
    }

    /// A replay keeps the parsed form of each recorded snapshot, found again by its contents: the
    /// second replay parses nothing and reports what the first did, and a snapshot whose stored
    /// bytes change is parsed again (its contents are no longer those cached).
    @Test func replayFindsRecordedSnapshotsInTheCacheByTheirContents() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        let count = Fixtures.snapshotPaths.count
        _ = try await record(Fixtures.snapshotPaths, into: ledger)
        let replay = ["replay", ledger, "--rules", Fixtures.candidateRules, "--format", "json", "--jobs", "2"]
        let uncached = try await ApprovalCtl.run(replay + ["--no-cache"])
        let cache = ["--cache-dir", folder.path + "/cache", "--verify-cache"]
        let first = try await ApprovalCtl.run(replay + cache)
        #expect(first.stdout == uncached.stdout)
        #expect(first.status == uncached.status)
        #expect(
            first.stderrText
                == "approvalctl: cache: 0 snapshot(s) read from the cache and checked, 0 stale (parsed again), \(count) parsed and cached\n"
        )
        let second = try await ApprovalCtl.run(replay + cache)
        #expect(second.stdout == uncached.stdout)
        #expect(
            second.stderrText
                == "approvalctl: cache: \(count) snapshot(s) read from the cache and checked, 0 stale (parsed again), 0 parsed and cached\n"
        )
        // The stored bytes of one snapshot change (still JSON, another task id): it is parsed
        // again, and decided from what the ledger now holds.
        try Self.sql(
            ledger, "UPDATE snapshots SET bytes = CAST(replace(CAST(bytes AS TEXT), '41001', '41999') AS BLOB)")
        let changed = try await ApprovalCtl.run(replay + cache)
        #expect(changed.stderrText.contains("\(count - 1) snapshot(s) read from the cache"), "\(changed.stderrText)")
        #expect(changed.stderrText.contains(", 1 parsed and cached"), "\(changed.stderrText)")
        let changedUncached = try await ApprovalCtl.run(replay + ["--no-cache"])
        #expect(changed.stdout == changedUncached.stdout)
    }

    @Test func twoWritersShareOneChain() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        let executable = try ApprovalCtl.executable()
        let rounds = 12
        // Two shell loops, each recording `rounds` decisions one process at a time, at once.
        let loop =
            "for i in $(seq \(rounds)); do \"$0\" evaluate \"$1\" --ledger \"$2\" --rules \(Fixtures.rules) --now \(Fixtures.now) --format json > /dev/null || exit 1; done"
        async let first = ApprovalCtl.run(
            ["-c", loop, executable, Fixtures.snapshotPaths[1], ledger], executable: "/bin/sh")
        async let second = ApprovalCtl.run(
            ["-c", loop, executable, Fixtures.snapshotPaths[2], ledger], executable: "/bin/sh")
        let (one, two) = try await (first, second)
        #expect(one.status == 0, "\(one.stderrText)")
        #expect(two.status == 0, "\(two.stderrText)")
        let verified = try await ApprovalCtl.run(["ledger", "verify", ledger, "--format", "json"])
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(try JSONParser().parse(verified.stdout)["records"]?.integer == Int64(2 * rounds))
    }

    @Test func aWriterKilledAtAnyPointLosesNoReportedRecord() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/decisions.ledger"
        let executable = try ApprovalCtl.executable()
        var generator = SystemRandomNumberGenerator()
        // How long one recording takes here (this build, this machine, timed by the shell that
        // runs the writers): the kill points spread over it, from the process's start to past its
        // commit.
        let timing = try await ApprovalCtl.run(
            [
                "-c",
                "s=$(date +%s%N); \"$0\" evaluate \"$1\" --ledger \"$2\" --rules \(Fixtures.rules) --now \(Fixtures.now) --format json > \"$3\" || exit 1; echo $(( ($(date +%s%N) - s) / 1000000 ))",
                executable, Fixtures.snapshotPaths[0], ledger, folder.path + "/first.json",
            ], executable: "/bin/sh")
        #expect(timing.status == 0, "\(timing.stderrText)")
        let span = Int(timing.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 50
        let first = try JSONParser().parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/first.json"))))
        var reported = [
            (sequence: first["record"]?["sequence"]?.integer ?? 0, hash: first["record"]?["hash"]?.string ?? "")
        ]
        var killed = 0
        for round in 0..<30 {
            let path = Fixtures.snapshotPaths[round % Fixtures.snapshotPaths.count]
            let delay = Int.random(in: 0...max(1, span * 6 / 5), using: &generator)
            // The writer, killed with SIGKILL after `delay` ms unless it finished first; its stdout
            // (the JSON with its record) counts only when it exited 0.
            let script =
                "\"$0\" evaluate \"$1\" --ledger \"$2\" --rules \(Fixtures.rules) --now \(Fixtures.now) --format json > \"$3\" & pid=$!; sleep \(Double(delay) / 1000); kill -9 $pid 2>/dev/null && echo killed; wait $pid; echo status=$?"
            let out = folder.path + "/out-\(round).json"
            let result = try await ApprovalCtl.run(
                ["-c", script, executable, path, ledger, out], executable: "/bin/sh")
            if result.stdoutText.contains("killed") { killed += 1 }
            guard result.stdoutText.contains("status=0") else { continue }
            let printed = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
            let record = try #require(printed["record"])
            reported.append((try #require(record["sequence"]?.integer), try #require(record["hash"]?.string)))
        }
        #expect(killed > 0, "no writer was killed; the test proved nothing")
        // The ledger opens, verifies, and holds every record a writer reported.
        let verified = try await ApprovalCtl.run(["ledger", "verify", ledger, "--format", "json"])
        #expect(verified.status == 0, "\(verified.stdoutText) \(verified.stderrText)")
        let export = try await ApprovalCtl.run(["ledger", "export", ledger])
        let hashes = Set(
            export.stdoutLines.filter { !$0.isEmpty }.compactMap {
                try? JSONParser().parse(Array($0.utf8))["hash"]?.string
            })
        for (sequence, hash) in reported {
            #expect(hashes.contains(hash), "record #\(sequence) was reported but is not in the ledger")
        }
        // And takes more records afterwards.
        _ = try await record([Fixtures.snapshotPaths[0]], into: ledger)
        let again = try await ApprovalCtl.run(["ledger", "verify", ledger])
        #expect(again.status == 0)
    }

    /// Runs SQL on a ledger file through the sqlite3 shell's library, as a person with the file
    /// could: here through a tiny Python program (python3 is on every machine this builds on).
    static func sql(_ path: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()",
            path, statement,
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
