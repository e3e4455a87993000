import ApprovalJSON
import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `approvalctl evaluate --task` and `approvalctl snapshot` against the API simulator
/// (`approval-api-sim`) on a free loopback port, with every fault kind the simulator injects.
///
/// Both executables run as child processes; each test starts its own simulator (so the tests run
/// in parallel and never share faults or request logs) and stops it with SIGTERM at the end. Every
/// child process is killed when it outlives its time limit, so no test can hang. The API key is a
/// distinctive value that is checked for in every output: the CLI's stdout and stderr, the saved
/// snapshot, the simulator's own stdout and stderr, and its request log.
///
/// The slowest case, a hanging API, takes the client's whole 30 s deadline; everything else runs
/// beside it, so the suite takes little more than that.
@Suite("approvalctl against the API simulator", .timeLimit(.minutes(3)))
struct LiveCLITests {
    static let apiKey = "sk_test_LIVE_9f8e7d"
    static let wrongKey = "sk_test_WRONG_3c2b1a"
    static let now = "2025-06-01T00:00:00Z"

    /// `examples/snapshots/tier2-cfo.json`: a 300,000 contract the CFO must see (hold).
    static let cfoSnapshot = "tier2-cfo.json"
    /// `examples/snapshots/missing-contract-file.json`: no contract attached (request_changes).
    static let missingContractSnapshot = "missing-contract-file.json"
    /// `examples/snapshots/clean-small-contract.json`: everything present (approve).
    static let cleanSnapshot = "clean-small-contract.json"

    /// `evaluate --task ID` with the default rules and a pinned clock.
    static func evaluateTask(
        _ taskID: Int64, baseURL: String?, format: String = "json", verbose: Bool = false
    ) -> [String] {
        var arguments = ["evaluate", "--task", "\(taskID)"]
        if let baseURL { arguments += ["--base-url", baseURL] }
        arguments += ["--rules", Paths.rules, "--now", now, "--format", format]
        if verbose { arguments.append("--verbose") }
        return arguments
    }

    /// `evaluate FILE` with the same rules and clock.
    static func evaluateFile(_ path: String) -> [String] {
        ["evaluate", path, "--rules", Paths.rules, "--now", now, "--format", "json"]
    }

    /// The decision for a saved example snapshot, read from the file (no API involved).
    static func savedDecision(_ snapshot: String) async throws -> RunResult {
        let saved = try await Child.approvalctl(evaluateFile(Paths.snapshot(snapshot)))
        try #require(saved.status == 0, "evaluating the saved \(snapshot) failed: \(saved.stderrText)")
        return saved
    }

    // MARK: - evaluate --task

    /// `no-files-listing.json` is left out on purpose: it has no files listing, so the saved
    /// snapshot fails closed (hold), but the simulator makes up a complete, empty `task_files`
    /// for it, so the live decision is request_changes (see the report on the simulator).
    @Test(
        "evaluate --task prints the same decision as evaluating the saved snapshot",
        arguments: [cfoSnapshot, cleanSnapshot, missingContractSnapshot, "files-listing-incomplete.json"])
    func liveDecisionMatchesSavedSnapshot(snapshot: String) async throws {
        let taskID = try Paths.taskID(of: snapshot)
        let expected = try await Self.savedDecision(snapshot)
        try await Simulator.with(keepURLs: true) { simulator in
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty, "stderr: \(live.stderrText)")
            #expect(live.stdoutText == expected.stdoutText)
            let decision = try JSONHelp.parse(live.stdout)
            #expect(decision["task_id"]?.integer == taskID)
            live.expectNoSecrets()

            // One request per part the default rules read, each answered once.
            let log = try await simulator.requests()
            #expect(log.allSatisfy { $0["task_id"]?.integer == taskID && $0["status"]?.integer == 200 })
            #expect(Set(log.compactMap { $0["endpoint"]?.string }) == ["approval-details", "task", "files"])
            #expect(log.count == 3)
        }
    }

    @Test("APPROVAL_BASE_URL is used when --base-url is not given")
    func baseURLFromEnvironment() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let expected = try await Self.savedDecision(Self.cfoSnapshot)
        try await Simulator.with(keepURLs: true) { simulator in
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: nil), apiKey: Self.apiKey,
                environment: ["APPROVAL_BASE_URL": simulator.baseURL])
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty)
            #expect(live.stdoutText == expected.stdoutText)
            #expect(try await simulator.requests().count == 3)
        }
    }

    @Test(
        "without --base-url or APPROVAL_BASE_URL both live commands are a usage error (64) that names both",
        arguments: ["evaluate", "snapshot"], ["text", "json"])
    func missingBaseURLIsUsageError(command: String, format: String) async throws {
        let arguments =
            command == "evaluate"
            ? Self.evaluateTask(48219, baseURL: nil, format: format)
            : ["snapshot", "--task", "48219", "--format", format]
        let result = try await Child.approvalctl(arguments, apiKey: Self.apiKey)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.hasSuffix("\n"))
        let message: String
        if format == "text" {
            #expect(result.stderrText.hasPrefix("error: "))
            message = result.stderrText
        } else {
            let error = try JSONHelp.parse(result.stderr)
            #expect(error["error"]?.string == "usage")
            #expect(error["exit_code"]?.integer == 64)
            message = error["message"]?.string ?? ""
        }
        #expect(message.contains("--base-url"))
        #expect(message.contains("APPROVAL_BASE_URL"))
        result.expectNoSecrets()
    }

    // MARK: - snapshot

    @Test("snapshot -o FILE saves valid JSON without URL signatures, and evaluate accepts the file")
    func snapshotSavesRedactedSnapshot() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.path + "/\(taskID).json"
        // Without --keep-urls the simulator serves fresh presigned links with real-looking
        // signatures, so redaction has something to remove.
        try await Simulator.with(keepURLs: false) { simulator in
            let saved = try await Child.approvalctl(
                ["snapshot", "--task", "\(taskID)", "--base-url", simulator.baseURL, "-o", file], apiKey: Self.apiKey)
            #expect(saved.status == 0, "stderr: \(saved.stderrText)")
            #expect(saved.stdout.isEmpty, "a snapshot written to a file prints nothing on stdout")
            #expect(saved.stderr.isEmpty, "stderr: \(saved.stderrText)")
            saved.expectNoSecrets()

            // Saving fetches every part: approval details (with files), task, files, signed documents.
            let log = try await simulator.requests()
            #expect(
                Set(log.compactMap { $0["endpoint"]?.string })
                    == ["approval-details", "task", "files", "signed-documents"])
            #expect(log.count == 4)
            #expect(
                log.first { $0["endpoint"]?.string == "approval-details" }?["query"]?.string == "include_files=true")

            let bytes = try Scratch.read(file)
            #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.apiKey))
            let snapshot = try JSONHelp.parse(bytes)
            #expect(snapshot["task_id"]?.integer == taskID)
            #expect(snapshot["task"] != nil && snapshot["task_files"] != nil && snapshot["signed_documents"] != nil)
            let urls = JSONHelp.strings(named: "download_url", in: snapshot)
            #expect(!urls.isEmpty)
            for url in urls {
                #expect(JSONHelp.hasNoSignature(url), "signature left in \(url)")
                #expect(url.hasPrefix(simulator.baseURL + "/_sim/download/"), "not a simulated link: \(url)")
            }

            // The saved file is a snapshot evaluate accepts, with the decision of the live task.
            let fromFile = try await Child.approvalctl(Self.evaluateFile(file))
            #expect(fromFile.status == 0, "stderr: \(fromFile.stderrText)")
            #expect(fromFile.stderr.isEmpty)
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0)
            #expect(fromFile.stdoutText == live.stdoutText)
            #expect(try JSONHelp.parse(fromFile.stdout)["task_id"]?.integer == taskID)
        }
    }

    @Test("snapshot --keep-signatures keeps the presigned URL signatures, written to stdout with -o -")
    func snapshotKeepsSignaturesWhenAsked() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        try await Simulator.with(keepURLs: false) { simulator in
            let saved = try await Child.approvalctl(
                ["snapshot", "--task", "\(taskID)", "--base-url", simulator.baseURL, "--keep-signatures", "-o", "-"],
                apiKey: Self.apiKey)
            #expect(saved.status == 0, "stderr: \(saved.stderrText)")
            #expect(saved.stderr.isEmpty)
            #expect(saved.stdout.last == 0x0A)
            saved.expectNoSecrets()
            let snapshot = try JSONHelp.parse(saved.stdout)
            #expect(snapshot["task_id"]?.integer == taskID)
            let urls = JSONHelp.strings(named: "download_url", in: snapshot)
            #expect(!urls.isEmpty)
            for url in urls {
                let signature = try #require(JSONHelp.queryValue("X-Amz-Signature", in: url), "no signature in \(url)")
                #expect(signature.count == 64 && signature.allSatisfy(\.isHexDigit), "signature \(signature)")
                #expect(!url.contains("REDACTED"))
            }
        }
    }

    // MARK: - Exit statuses

    /// One way the API (or the caller) can fail, and what `evaluate --task` must make of it.
    struct FailureCase: Sendable, CustomTestStringConvertible {
        enum Key: Sendable { case missing, valid, wrong }

        let name: String
        var fault: String?
        var key: Key = .valid
        var taskID: Int64 = 48219
        let status: Int32
        /// The `error` member of the JSON on stderr (any of these).
        let codes: Set<String>
        /// Words the message must contain (besides the task id, when a request was made).
        let phrase: String
        /// The most requests the simulator may see for any one path (attempts, retries
        /// included). The parts are fetched concurrently and the first failure cancels the rest,
        /// so only the busiest path has a predictable count.
        let attempts: ClosedRange<Int>
        /// Whether it must fail fast (no waiting for retries).
        var quick = false
        var testDescription: String { name }
    }

    static let failureCases: [FailureCase] = [
        FailureCase(
            name: "no APPROVAL_API_KEY: 77 before any request", key: .missing, status: 77, codes: ["missing_api_key"],
            phrase: "APPROVAL_API_KEY", attempts: 0...0),
        FailureCase(
            name: "wrong API key: 77, not retried", key: .wrong, status: 77, codes: ["unauthorized"],
            phrase: "rejected", attempts: 1...1),
        FailureCase(
            name: "unknown task: 66", taskID: 99_999, status: 66, codes: ["not_found"], phrase: "not found",
            attempts: 1...1),
        FailureCase(
            name: "409 not at an approval step: 66",
            fault: #"{"kind":"status","status":409,"task_id":48219,"endpoint":"approval-details"}"#, status: 66,
            codes: ["not_at_approval_step"], phrase: "not at a pending approval step", attempts: 1...1),
        FailureCase(
            name: "persistent 503: 69 after 4 attempts", fault: #"{"kind":"status","status":503,"task_id":48219}"#,
            status: 69, codes: ["server_error"], phrase: "server error", attempts: 4...4),
        FailureCase(
            name: "truncated body: 69 after retries", fault: #"{"kind":"truncated_body","task_id":48219}"#,
            status: 69, codes: ["connection"], phrase: "4 attempts", attempts: 4...4),
        FailureCase(
            name: "invalid JSON body: 69, not retried", fault: #"{"kind":"invalid_json","task_id":48219}"#,
            status: 69, codes: ["invalid_response"], phrase: "not valid JSON", attempts: 1...1),
        FailureCase(
            name: "403 forbidden: 77", fault: #"{"kind":"status","status":403,"task_id":48219}"#, status: 77,
            codes: ["forbidden"], phrase: "may not read", attempts: 1...1),
        FailureCase(
            name: "422 from the API: 64",
            fault: #"{"kind":"status","status":422,"task_id":48219,"endpoint":"approval-details"}"#, status: 64,
            codes: ["validation"], phrase: "rejected the request parameters", attempts: 1...1),
        FailureCase(
            name: "429 asking to wait past the deadline: 75 at once",
            fault: #"{"kind":"rate_limit","retry_after":60,"task_id":48219}"#, status: 75, codes: ["rate_limited"],
            phrase: "deadline", attempts: 1...1, quick: true),
        FailureCase(
            name: "persistent 429 with Retry-After 1: 75 within the deadline",
            fault: #"{"kind":"rate_limit","retry_after":1,"task_id":48219}"#, status: 75, codes: ["rate_limited"],
            phrase: "rate limit", attempts: 4...4),
        // The one slow case: attempts 1 and 2 hang until the per-attempt timeout (10 s); the
        // third is cut short by the overall deadline (30 s), and no fourth is started.
        FailureCase(
            name: "hanging API: 75 within the 30 s deadline",
            fault: #"{"kind":"hang","hang_ms":60000,"task_id":48219}"#, status: 75,
            codes: ["deadline_exceeded"], phrase: "deadline", attempts: 3...3),
    ]

    @Test(
        "a failing API gives the documented exit status, one JSON error on stderr, nothing on stdout",
        arguments: failureCases)
    func failureExitStatus(_ failure: FailureCase) async throws {
        try await Simulator.with(keepURLs: true) { simulator in
            if let fault = failure.fault { try await simulator.addFault(fault) }
            let key: String? =
                switch failure.key {
                case .missing: nil
                case .valid: Self.apiKey
                case .wrong: Self.wrongKey
                }
            let result = try await Child.approvalctl(
                Self.evaluateTask(failure.taskID, baseURL: simulator.baseURL), apiKey: key, limit: .seconds(45))
            #expect(result.status == failure.status, "stderr: \(result.stderrText)")
            #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText)")
            // Never longer than the client's overall deadline (30 s), with room for a loaded machine.
            #expect(result.elapsed < .seconds(35), "took \(result.elapsed)")
            if failure.quick { #expect(result.elapsed < .seconds(5), "took \(result.elapsed)") }
            result.expectNoSecrets()

            let lines = result.stderrText.split(separator: "\n")
            try #require(lines.count == 1, "stderr: \(result.stderrText)")
            let error = try JSONHelp.parse(Array(lines[0].utf8))
            #expect(failure.codes.contains(error["error"]?.string ?? ""), "stderr: \(result.stderrText)")
            #expect(error["exit_code"]?.integer == Int64(failure.status))
            let message = error["message"]?.string ?? ""
            #expect(message.localizedCaseInsensitiveContains(failure.phrase), "message: \(message)")
            if failure.key != .missing {
                #expect(message.hasPrefix("task \(failure.taskID): GET /tasks/\(failure.taskID)"))
            }

            let log = try await simulator.requests()
            let perPath = Dictionary(grouping: log) { $0["path"]?.string ?? "" }.mapValues(\.count)
            #expect(failure.attempts.contains(perPath.values.max() ?? 0), "requests per path: \(perPath)")
            #expect(log.allSatisfy { $0["method"]?.string == "GET" })
            if failure.key == .wrong { #expect(log.allSatisfy { $0["api_key"]?.string == "invalid" }) }
        }
    }

    /// A fault that clears (or only delays): the client must end up with the real answer.
    struct TransientCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// The fault, without `task_id` (added for the task under test).
        let fault: String
        /// The `fault` the simulator's request log names.
        let kind: String
        /// How many requests the fault hits.
        let hits: Int
        /// Whether each hit is a failure the client must retry (not just a late answer).
        let retried: Bool
        var testDescription: String { name }
    }

    static let transientCases: [TransientCase] = [
        TransientCase(
            name: "503 on the first 2 requests", fault: #"{"kind":"status","status":503,"times":2}"#, kind: "status",
            hits: 2, retried: true),
        TransientCase(
            name: "429 with Retry-After 1 on the first request",
            fault: #"{"kind":"rate_limit","retry_after":1,"times":1}"#,
            kind: "rate_limit", hits: 1, retried: true),
        TransientCase(
            name: "truncated body on the first 2 requests", fault: #"{"kind":"truncated_body","times":2}"#,
            kind: "truncated_body", hits: 2, retried: true),
        // Slow (one per-attempt timeout, 10 s), but it runs beside the 30 s deadline case.
        TransientCase(
            name: "hang on the first request", fault: #"{"kind":"hang","hang_ms":20000,"times":1}"#, kind: "hang",
            hits: 1, retried: true),
        TransientCase(
            name: "300 ms latency on every request", fault: #"{"kind":"latency","latency_ms":300}"#, kind: "latency",
            hits: 3, retried: false),
    ]

    @Test("a fault that clears is retried and the decision is the saved snapshot's", arguments: transientCases)
    func transientFaultIsRetried(_ transient: TransientCase) async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let expected = try await Self.savedDecision(Self.cfoSnapshot)
        try await Simulator.with(keepURLs: true) { simulator in
            try await simulator.addFault(
                transient.fault.replacingOccurrences(of: #"{"kind""#, with: #"{"task_id":\#(taskID),"kind""#))
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty, "retries are not reported without --verbose: \(live.stderrText)")
            #expect(live.stdoutText == expected.stdoutText)
            #expect(live.elapsed < .seconds(30), "took \(live.elapsed)")
            live.expectNoSecrets()

            // The fault hit the first requests; each failed path was asked again and answered 200.
            let log = try await simulator.requests()
            let hit = log.filter { $0["fault"]?.string != nil }
            #expect(hit.count == transient.hits, "log: \(log)")
            #expect(hit.allSatisfy { $0["fault"]?.string == transient.kind })
            for entry in hit where transient.retried {
                let retried = log.filter {
                    $0["path"] == entry["path"] && $0["status"]?.integer == 200
                        && ($0["id"]?.integer ?? 0) > (entry["id"]?.integer ?? 0)
                }
                #expect(retried.count == 1, "no successful retry of \(entry)")
            }
            #expect(log.count == 3 + (transient.retried ? transient.hits : 0), "log: \(log)")
            if transient.retried { #expect(try await simulator.faults().isEmpty, "the fault was used up") }
        }
    }

    @Test("snapshot -o FILE writes no file when the API keeps failing")
    func snapshotWritesNothingOnFailure() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.path + "/\(taskID).json"
        try await Simulator.with(keepURLs: true) { simulator in
            try await simulator.addFault(
                #"{"kind":"status","status":503,"task_id":\#(taskID),"endpoint":"signed-documents"}"#)
            let saved = try await Child.approvalctl(
                ["snapshot", "--task", "\(taskID)", "--base-url", simulator.baseURL, "-o", file, "--format", "text"],
                apiKey: Self.apiKey)
            #expect(saved.status == 69, "stderr: \(saved.stderrText)")
            #expect(saved.stdout.isEmpty)
            #expect(saved.stderrText.hasPrefix("error: task \(taskID): GET /tasks/\(taskID)/signed-documents failed"))
            #expect(saved.stderrText.hasSuffix("[server_error]\n"), "stderr: \(saved.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: file))
            saved.expectNoSecrets()
        }
    }

    // MARK: - Data faults

    @Test("an incomplete files listing (extra_files) makes a missing contract a data problem, never approve")
    func incompleteFilesListingFailsClosed() async throws {
        let taskID = try Paths.taskID(of: Self.missingContractSnapshot)
        try await Simulator.with(keepURLs: true) { simulator in
            let complete = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(complete.status == 0)
            #expect(try JSONHelp.parse(complete.stdout)["recommendation"]?.string == "request_changes")

            try await simulator.addFault(#"{"kind":"extra_files","task_id":\#(taskID),"endpoint":"files"}"#)
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty)
            live.expectNoSecrets()
            let decision = try JSONHelp.parse(live.stdout)
            #expect(decision["task_id"]?.integer == taskID)
            let recommendation = decision["recommendation"]?.string
            #expect(recommendation != "approve")
            #expect(recommendation == "hold", "an incomplete listing cannot prove the contract absent")
            let problems = decision["data_problems"]?.array ?? []
            #expect(
                problems.contains {
                    $0["rule_id"]?.string == "contract-file-required" && $0["code"]?.string == "incomplete_data"
                }, "data problems: \(problems)")

            let listing = try await simulator.requests().filter { $0["endpoint"]?.string == "files" }.last
            #expect(listing?["fault"]?.string == "extra_files")
        }
    }

    /// `has_file` fails closed only when it would have to conclude absence: a file that is
    /// listed is attached however many more the API did not list (rules/default.rules.json,
    /// contract-file-required).
    @Test("an incomplete files listing does not block a decision whose files are all listed")
    func incompleteListingWithEveryFileListedStillDecides() async throws {
        let taskID = try Paths.taskID(of: Self.cleanSnapshot)
        let expected = try await Self.savedDecision(Self.cleanSnapshot)
        try await Simulator.with(keepURLs: true) { simulator in
            try await simulator.addFault(#"{"kind":"extra_files","task_id":\#(taskID),"total_files":40}"#)
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty)
            #expect(live.stdoutText == expected.stdoutText)
            let listing = try await simulator.requests().filter { $0["endpoint"]?.string == "files" }
            #expect(listing.map { $0["fault"]?.string } == ["extra_files"])
        }
    }

    @Test("expired download links (expired_urls) still give the decision of the saved snapshot")
    func expiredURLsStillDecide() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let expected = try await Self.savedDecision(Self.cfoSnapshot)
        try await Simulator.with(keepURLs: false) { simulator in
            try await simulator.addFault(#"{"kind":"expired_urls","task_id":\#(taskID)}"#)
            let live = try await Child.approvalctl(
                Self.evaluateTask(taskID, baseURL: simulator.baseURL), apiKey: Self.apiKey)
            #expect(live.status == 0, "stderr: \(live.stderrText)")
            #expect(live.stderr.isEmpty)
            #expect(live.stdoutText == expected.stdoutText)
            let log = try await simulator.requests()
            #expect(
                log.contains { $0["endpoint"]?.string == "approval-details" && $0["fault"]?.string == "expired_urls" })
        }
    }

    // MARK: - The API key

    @Test("the API key never appears in any output, log or request record, even with --verbose")
    func apiKeyNeverAppears() async throws {
        let taskID = try Paths.taskID(of: Self.cfoSnapshot)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let simulatorOutput = try await Simulator.with(keepURLs: false, verbose: true) { simulator in
            let base = simulator.baseURL
            var runs: [(String, RunResult)] = []
            func run(_ label: String, _ arguments: [String], key: String? = Self.apiKey) async throws {
                runs.append((label, try await Child.approvalctl(arguments, apiKey: key)))
            }
            try await run("evaluate, json", Self.evaluateTask(taskID, baseURL: base, verbose: true))
            try await run("evaluate, text", Self.evaluateTask(taskID, baseURL: base, format: "text", verbose: true))
            try await run(
                "snapshot to stdout", ["snapshot", "--task", "\(taskID)", "--base-url", base, "--verbose", "-o", "-"])
            try await run(
                "snapshot to a file",
                ["snapshot", "--task", "\(taskID)", "--base-url", base, "--verbose", "-o", scratch.path + "/s.json"])
            try await run("wrong key", Self.evaluateTask(taskID, baseURL: base, verbose: true), key: Self.wrongKey)
            try await run(
                "wrong key, text", Self.evaluateTask(taskID, baseURL: base, format: "text", verbose: true),
                key: Self.wrongKey)
            try await run("unknown task", Self.evaluateTask(99_999, baseURL: base, format: "text", verbose: true))
            try await simulator.addFault(#"{"kind":"status","status":503,"task_id":\#(taskID),"times":2}"#)
            try await run("503 then retried", Self.evaluateTask(taskID, baseURL: base, verbose: true))
            try await simulator.addFault(#"{"kind":"invalid_json","task_id":\#(taskID),"times":1}"#)
            try await run("invalid JSON", Self.evaluateTask(taskID, baseURL: base, format: "text", verbose: true))
            try await simulator.addFault(#"{"kind":"truncated_body","task_id":\#(taskID)}"#)
            try await run("truncated body", Self.evaluateTask(taskID, baseURL: base, verbose: true))

            #expect(runs.map { $0.1.status } == [0, 0, 0, 0, 77, 77, 66, 0, 69, 69])
            for (label, output) in runs {
                output.expectNoSecrets(label)
                #expect(output.status == 0 || !output.stderr.isEmpty, "\(label): no error message")
            }
            // --verbose does log each request (so there was something to leak), and the retries.
            #expect(runs[0].1.stderrText.contains("/tasks/\(taskID)/approval-details"))
            #expect(runs[7].1.stderrText.contains("retrying"))
            let saved = String(decoding: try Scratch.read(scratch.path + "/s.json"), as: UTF8.self)
            #expect(!saved.contains(Self.apiKey))

            // The request log records whether the key was valid, never the key.
            let raw = try await simulator.requestsBody()
            #expect(!raw.contains(Self.apiKey))
            #expect(!raw.contains(Self.wrongKey))
            let log = try await simulator.requests()
            #expect(Set(log.compactMap { $0["api_key"]?.string }) == ["valid", "invalid"])
        }
        #expect(!simulatorOutput.stderr.isEmpty, "the simulator logs requests with --verbose")
        #expect(!simulatorOutput.stdout.contains(Self.apiKey) && !simulatorOutput.stderr.contains(Self.apiKey))
        #expect(!simulatorOutput.stdout.contains(Self.wrongKey) && !simulatorOutput.stderr.contains(Self.wrongKey))
    }
}

// MARK: - Support

extension LiveCLITests {
    /// Where the repository, the executables and the examples are.
    enum Paths {
        /// `<repo>`, from this file's path (`<repo>/Tests/approvalctlTests/LiveCLITests.swift`).
        static let repository: String = {
            var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
            parts.removeLast(3)
            return parts.joined(separator: "/")
        }()

        static let rules = repository + "/rules/default.rules.json"
        static let examples = repository + "/examples"

        static func snapshot(_ name: String) -> String { examples + "/snapshots/" + name }

        /// The `task_id` written in an example snapshot.
        static func taskID(of snapshot: String) throws -> Int64 {
            let document = try JSONParser().parse(contentsOf: Self.snapshot(snapshot))
            return try #require(document["task_id"]?.integer, "\(snapshot) has no integer task_id")
        }

        /// A built executable: next to the test bundle (same scratch path and configuration), else
        /// `<repo>/.build/debug/`. Build it first: `swift build --product NAME`.
        static func executable(_ name: String) throws -> String {
            var candidates: [String] = []
            for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
                candidates.append(
                    URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().appendingPathComponent(name)
                        .path)
            }
            candidates.append(repository + "/.build/debug/" + name)
            let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
            return try #require(
                found,
                "\(name) not found; run swift build --product \(name) first (looked at \(candidates.joined(separator: ", ")))"
            )
        }
    }

    /// What a child process did: exit status, stdout and stderr apart, and how long it took.
    struct RunResult: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var elapsed: Duration

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }

        /// Neither API key (the right one or the wrong one) is in stdout or stderr.
        func expectNoSecrets(_ label: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            for key in [LiveCLITests.apiKey, LiveCLITests.wrongKey] {
                #expect(!stdoutText.contains(key), "\(label) stdout shows the key", sourceLocation: sourceLocation)
                #expect(!stderrText.contains(key), "\(label) stderr shows the key", sourceLocation: sourceLocation)
            }
        }
    }

    /// A fresh temporary folder.
    struct Scratch: Sendable {
        let path: String

        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("LiveCLITests-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }

        /// An empty file in the folder, open for writing (a child's stdout or stderr: files, not
        /// pipes, so a large output never blocks the child).
        func output(_ name: String) throws -> (path: String, handle: FileHandle) {
            let file = path + "/" + name
            guard FileManager.default.createFile(atPath: file, contents: nil) else {
                throw SetupFailure("cannot create \(file)")
            }
            return (file, try FileHandle(forWritingTo: URL(fileURLWithPath: file)))
        }

        static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

        static func text(_ path: String) -> String {
            String(decoding: (try? read(path)) ?? [], as: UTF8.self)
        }
    }

    /// A flag shared with termination handlers and watchdogs.
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    /// Child processes with a time limit: past it the child gets SIGTERM, then SIGKILL, and the
    /// test fails.
    enum Child {
        /// The child's whole environment: `PATH` and what is given, so a developer's `APPROVAL_*`
        /// variables never leak in.
        static func environment(_ extra: [String: String]) -> [String: String] {
            var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C"]
            environment.merge(extra) { _, new in new }
            return environment
        }

        /// Runs `approvalctl arguments…` in the repository, with `APPROVAL_API_KEY` set to
        /// `apiKey` when given.
        static func approvalctl(
            _ arguments: [String], apiKey: String? = nil, environment: [String: String] = [:],
            limit: Duration = .seconds(30), sourceLocation: Testing.SourceLocation = #_sourceLocation
        ) async throws -> RunResult {
            var extra = environment
            if let apiKey { extra["APPROVAL_API_KEY"] = apiKey }
            return try await run(
                try Paths.executable("approvalctl"), arguments, environment: extra, limit: limit,
                sourceLocation: sourceLocation)
        }

        static func run(
            _ executable: String, _ arguments: [String], environment: [String: String], limit: Duration,
            sourceLocation: Testing.SourceLocation = #_sourceLocation
        ) async throws -> RunResult {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let (outPath, output) = try scratch.output("stdout")
            let (errPath, errors) = try scratch.output("stderr")
            defer {
                try? output.close()
                try? errors.close()
            }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = Self.environment(environment)
            process.currentDirectoryURL = URL(fileURLWithPath: Paths.repository, isDirectory: true)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = errors
            let (ended, ending) = AsyncStream<Void>.makeStream()
            process.terminationHandler = { _ in ending.finish() }

            let clock = ContinuousClock()
            let start = clock.now
            try process.run()
            let pid = process.processIdentifier
            let timedOut = Flag()
            let watchdog = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                timedOut.set()
                kill(pid, SIGTERM)
                guard (try? await Task.sleep(for: .seconds(2))) != nil else { return }
                kill(pid, SIGKILL)
            }
            for await _ in ended {}
            watchdog.cancel()
            let elapsed = clock.now - start
            if timedOut.isSet {
                let name = URL(fileURLWithPath: executable).lastPathComponent
                Issue.record(
                    "\(name) \(arguments.joined(separator: " ")) outlived its \(limit) limit and was killed",
                    sourceLocation: sourceLocation)
            }
            return RunResult(
                status: process.terminationReason == .exit
                    ? process.terminationStatus : 128 + process.terminationStatus,
                stdout: try Scratch.read(outPath), stderr: try Scratch.read(errPath), elapsed: elapsed)
        }
    }

    /// `approval-api-sim` in a child process on a free loopback port, expecting the test key.
    final class Simulator: Sendable {
        let baseURL: String
        private let pid: Int32
        private let scratch: Scratch
        private let exited: Flag

        /// What the simulator printed, once stopped.
        struct Printed: Sendable {
            var stdout: String
            var stderr: String
        }

        private init(baseURL: String, pid: Int32, scratch: Scratch, exited: Flag) {
            self.baseURL = baseURL
            self.pid = pid
            self.scratch = scratch
            self.exited = exited
        }

        /// Starts a simulator, runs `body` with it, and stops it (SIGTERM) whatever happens;
        /// checks that the simulator's own output never shows either key.
        @discardableResult
        static func with(
            keepURLs: Bool, verbose: Bool = false, sourceLocation: Testing.SourceLocation = #_sourceLocation,
            _ body: (Simulator) async throws -> Void
        ) async throws -> Printed {
            let simulator = try await start(keepURLs: keepURLs, verbose: verbose, sourceLocation: sourceLocation)
            var failure: (any Error)?
            do {
                try await body(simulator)
            } catch {
                failure = error
            }
            let printed = await simulator.stop(sourceLocation: sourceLocation)
            for key in [LiveCLITests.apiKey, LiveCLITests.wrongKey] {
                #expect(
                    !printed.stdout.contains(key), "the simulator's stdout shows the key",
                    sourceLocation: sourceLocation)
                #expect(
                    !printed.stderr.contains(key), "the simulator's stderr shows the key",
                    sourceLocation: sourceLocation)
            }
            if let failure { throw failure }
            return printed
        }

        private static func start(
            keepURLs: Bool, verbose: Bool, sourceLocation: Testing.SourceLocation
        ) async throws -> Simulator {
            let scratch = try Scratch()
            let (outPath, output) = try scratch.output("stdout")
            let (errPath, errors) = try scratch.output("stderr")
            defer {
                try? output.close()
                try? errors.close()
            }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: try Paths.executable("approval-api-sim"))
            var arguments = [
                "--port", "0", "--host", "127.0.0.1", "--data", Paths.examples, "--api-key", LiveCLITests.apiKey,
            ]
            if keepURLs { arguments.append("--keep-urls") }
            if verbose { arguments.append("--verbose") }
            process.arguments = arguments
            process.environment = Child.environment([:])
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = errors
            let exited = Flag()
            process.terminationHandler = { _ in exited.set() }
            try process.run()
            let pid = process.processIdentifier

            // Bounded polling for "listening on http://127.0.0.1:PORT". Generous: once, with every
            // suite starting processes at the same time on 2 cores, 30 s was not enough.
            let prefix = "listening on "
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(90)
            while clock.now < deadline, !exited.isSet {
                let text = Scratch.text(outPath)
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                    let simulator = Simulator(
                        baseURL: String(line.dropFirst(prefix.count)), pid: pid, scratch: scratch, exited: exited)
                    guard simulator.baseURL.hasPrefix("http://127.0.0.1:") else {
                        _ = await simulator.stop(sourceLocation: sourceLocation)
                        throw SetupFailure("the simulator listens on \(simulator.baseURL), not on loopback")
                    }
                    return simulator
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            if !exited.isSet { kill(pid, SIGKILL) }
            let stderr = Scratch.text(errPath)
            scratch.remove()
            throw SetupFailure("approval-api-sim did not start within 90 s; stderr: \(stderr)")
        }

        /// SIGTERM, then up to 5 s for a graceful stop, then SIGKILL; returns what it printed.
        func stop(sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> Printed {
            if !exited.isSet {
                kill(pid, SIGTERM)
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(5)
                while clock.now < deadline, !exited.isSet {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                if !exited.isSet {
                    Issue.record("approval-api-sim ignored SIGTERM for 5 s; killed it", sourceLocation: sourceLocation)
                    kill(pid, SIGKILL)
                }
            }
            let printed = Printed(
                stdout: Scratch.text(scratch.path + "/stdout"), stderr: Scratch.text(scratch.path + "/stderr"))
            scratch.remove()
            return printed
        }

        // MARK: Control endpoints

        /// `POST /_sim/faults` with a fault in its JSON form.
        func addFault(_ json: String) async throws {
            let (status, body) = try await ControlHTTP.send("POST", baseURL + "/_sim/faults", body: json)
            try #require(status == 200, "POST /_sim/faults \(json): HTTP \(status) \(body)")
        }

        /// `GET /_sim/faults`: the faults still in force.
        func faults() async throws -> [JSONValue] {
            let (status, body) = try await ControlHTTP.send("GET", baseURL + "/_sim/faults")
            try #require(status == 200, "GET /_sim/faults: HTTP \(status)")
            return try JSONHelp.parse(Array(body.utf8))["faults"]?.array ?? []
        }

        /// `GET /_sim/requests`, as received.
        func requestsBody() async throws -> String {
            let (status, body) = try await ControlHTTP.send("GET", baseURL + "/_sim/requests")
            try #require(status == 200, "GET /_sim/requests: HTTP \(status)")
            return body
        }

        /// `GET /_sim/requests`: the requests received, oldest first.
        func requests() async throws -> [JSONValue] {
            try JSONHelp.parse(Array(try await requestsBody().utf8))["requests"]?.array ?? []
        }
    }

    struct SetupFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Just enough HTTP for the simulator's control endpoints (loopback only, 10 s per request).
    enum ControlHTTP {
        static func send(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 10)
            request.httpMethod = method
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
    }

    /// JSON helpers over ApprovalJSON.
    enum JSONHelp {
        static func parse(_ bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
            -> JSONValue
        {
            do {
                return try JSONParser().parse(bytes)
            } catch {
                Issue.record(
                    "not JSON (\(error)): \(String(decoding: bytes.prefix(500), as: UTF8.self))",
                    sourceLocation: sourceLocation)
                throw error
            }
        }

        /// Every string member called `name`, anywhere in `value`.
        static func strings(named name: String, in value: JSONValue) -> [String] {
            switch value {
            case .object(let object):
                return object.members.flatMap { key, member in
                    (key == name ? member.string.map { [$0] } ?? [] : []) + strings(named: name, in: member)
                }
            case .array(let elements):
                return elements.flatMap { strings(named: name, in: $0) }
            default:
                return []
            }
        }

        /// The value of query parameter `name` in `url`.
        static func queryValue(_ name: String, in url: String) -> String? {
            guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]) : "" }
            }
            return nil
        }

        /// No signature-bearing parameter keeps a value other than `REDACTED`.
        static func hasNoSignature(_ url: String) -> Bool {
            ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "Signature", "sig", "token"].allSatisfy {
                let value = queryValue($0, in: url)
                return value == nil || value == "REDACTED"
            }
        }
    }
}
