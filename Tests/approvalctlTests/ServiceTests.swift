import ApprovalJSON
import Foundation
import Testing

/// `approvalctl serve` end to end: the built binary on a free loopback port, real HTTP.
@Suite(.serialized) struct ServiceTests {
    private static let root = ApprovalCtl.repositoryRoot
    private static let defaultRules = root + "/rules/default.rules.json"
    private static let now = "2025-06-01T00:00:00Z"

    private static func examples() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/examples/snapshots").filter {
            $0.hasSuffix(".json")
        }
        .sorted().map { root + "/examples/snapshots/" + $0 }
    }

    @Test func decisionsAreByteIdenticalToEvaluate() async throws {
        let service = try await ServiceProcess(["--rules", Self.defaultRules, "--allow-clock-override"])
        defer { Task { await service.stop() } }
        let examples = try Self.examples()
        #expect(examples.count >= 20)
        for example in examples {
            let cli = try await ApprovalCtl.run(
                ["evaluate", example, "--rules", Self.defaultRules, "--now", Self.now, "--format", "json"])
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: example)))
            let response = try await service.request("POST", "/v1/decisions?now=\(Self.now)", body: bytes)
            #expect(response.status == 200, "\(example): \(response.text)")
            #expect(response.body == cli.stdout, "\(example) differs from approvalctl evaluate")
            #expect(response.headers["x-rule-set-hash"]?.hasPrefix("sha256:") == true)
            #expect(response.headers["content-type"] == "application/json")
        }
        let explained = try await service.request(
            "POST", "/v1/decisions?explain=true&now=\(Self.now)",
            body: Array(try Data(contentsOf: URL(fileURLWithPath: examples[0]))))
        let cli = try await ApprovalCtl.run(
            ["evaluate", examples[0], "--rules", Self.defaultRules, "--now", Self.now, "--format", "json", "--explain"])
        #expect(explained.body == cli.stdout)
        #expect(await service.stop() == 0)
    }

    @Test func badRequestsGetTheirStatusAndAJSONError() async throws {
        let service = try await ServiceProcess(["--rules", Fixtures.rules])
        defer { Task { await service.stop() } }
        func error(_ result: HTTPResult) throws -> JSONValue { try JSONParser().parse(result.body) }

        let malformed = try await service.request(
            "POST", "/v1/decisions", body: Array("{\n  \"task_id\": 1,\n  oops".utf8))
        #expect(malformed.status == 400)
        let body = try error(malformed)
        #expect(body["code"]?.string == "invalid_json")
        #expect(body["line"]?.integer == 3)
        #expect(body["column"] != nil)
        #expect(body["byte_offset"]?.integer != nil)

        let huge = try await service.request("POST", "/v1/decisions", body: Array(repeating: 0x20, count: 17 << 20))
        #expect(huge.status == 413)
        #expect(try error(huge)["code"]?.string == "body_too_large")

        let wrongType = try await service.request(
            "POST", "/v1/decisions", body: Array("{}".utf8), contentType: "text/plain")
        #expect(wrongType.status == 415)
        #expect(try error(wrongType)["code"]?.string == "unsupported_media_type")

        let unknown = try await service.request("GET", "/v2/nothing")
        #expect(unknown.status == 404)
        #expect(try error(unknown)["code"]?.string == "not_found")

        let wrongMethod = try await service.request("GET", "/v1/decisions")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        #expect(try error(wrongMethod)["code"]?.string == "method_not_allowed")

        let snapshot = try Fixtures.bytes(Fixtures.snapshotPaths[0])
        let clock = try await service.request("POST", "/v1/decisions?now=2025-06-01T00:00:00Z", body: snapshot)
        #expect(clock.status == 400)
        #expect(try error(clock)["code"]?.string == "clock_override_not_allowed")
        let explain = try await service.request("POST", "/v1/decisions?explain=maybe", body: snapshot)
        #expect(explain.status == 400)

        let noTaskAPI = try await service.request("POST", "/v1/tasks/41001/decision")
        #expect(noTaskAPI.status == 503)
        #expect(try error(noTaskAPI)["code"]?.string == "api_not_configured")
        let badTask = try await service.request("POST", "/v1/tasks/abc/decision")
        #expect(badTask.status == 400)
        #expect(await service.stop() == 0)
    }

    @Test func batchAnswersOneLinePerLineInOrder() async throws {
        let service = try await ServiceProcess(["--rules", Fixtures.rules, "--allow-clock-override"])
        defer { Task { await service.stop() } }
        var body: [UInt8] = []
        for path in Fixtures.snapshotPaths.prefix(3) {
            body += try JSONWriter.compact.bytes(JSONParser().parse(Fixtures.bytes(path))) + [0x0A]
        }
        body += Array("{not json\n".utf8)
        body += try JSONWriter.compact.bytes(JSONParser().parse(Fixtures.bytes(Fixtures.snapshotPaths[4]))) + [0x0A]
        let result = try await service.request(
            "POST", "/v1/decisions/batch?now=2025-06-01T00:00:00Z", body: body, contentType: "application/x-ndjson")
        #expect(result.status == 200)
        #expect(result.headers["content-type"] == "application/x-ndjson")
        let lines = result.text.split(separator: "\n").map { try? JSONParser().parse(Array($0.utf8)) }
        #expect(lines.count == 5)
        #expect(lines[0]?["task_id"]?.integer == 41001)
        #expect(lines[2]?["task_id"]?.integer == 41003)
        #expect(lines[3]?["line"]?.integer == 4)
        #expect(lines[3]?["error"]?["code"]?.string == "invalid_json")
        #expect(lines[4]?["task_id"]?.integer == 41005)
        let wrongType = try await service.request("POST", "/v1/decisions/batch", body: body)
        #expect(wrongType.status == 415)
        #expect(await service.stop() == 0)
    }

    @Test func aTokenGuardsEveryRouteButTheProbes() async throws {
        let token = "s3cret-service-token"
        let service = try await ServiceProcess(
            ["--rules", Fixtures.rules], environment: ["APPROVAL_SERVICE_TOKEN": token])
        defer { Task { await service.stop() } }
        #expect(try await service.request("GET", "/healthz").status == 200)
        #expect(try await service.request("GET", "/readyz").status == 200)
        let none = try await service.request("GET", "/v1/rule-set")
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Bearer")
        let wrong = try await service.request("GET", "/v1/rule-set", headers: ["Authorization": "Bearer nope"])
        #expect(wrong.status == 401)
        let right = try await service.request("GET", "/v1/rule-set", headers: ["Authorization": "Bearer \(token)"])
        #expect(right.status == 200)
        let metrics = try await service.request("GET", "/metrics", headers: ["Authorization": "Bearer \(token)"])
        #expect(metrics.status == 200)
        #expect(!service.stderrText.contains(token), "the token must never be logged")
        #expect(!metrics.text.contains(token))
        #expect(await service.stop() == 0)
    }

    @Test func aPublicAddressWithoutATokenIsRefused() async throws {
        let result = try await ApprovalCtl.run(["serve", "--rules", Fixtures.rules, "--host", "0.0.0.0", "--port", "0"])
        #expect(result.status == 64)
        #expect(result.stderrText.contains("APPROVAL_SERVICE_TOKEN"))
        #expect(result.stdout.isEmpty)
        let level = try await ApprovalCtl.run([
            "serve", "--rules", Fixtures.rules, "--port", "0", "--log-level", "loud",
        ])
        #expect(level.status == 64)
        #expect(level.stderrText.contains("--log-level"))
    }

    @Test func requestsAreLoggedAtInfoAndNotAboveIt() async throws {
        for (level, logged) in [("info", true), ("warning", false)] {
            let service = try await ServiceProcess(["--rules", Fixtures.rules, "--log-level", level])
            #expect(try await service.request("GET", "/v1/rule-set").status == 200)
            let text = service.stderrText
            #expect(await service.stop() == 0)
            #expect(text.contains("http.route=/v1/rule-set") == logged, "\(level): \(text)")
        }
    }

    @Test func rulesReloadWhenTheFileChangesAndOnSIGHUP() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let original = try Fixtures.bytes(Fixtures.rules)
        let path = try folder.write(original, to: "live.rules.json")
        let service = try await ServiceProcess(["--rules", path, "--reload-interval", "0.2"])
        defer { Task { await service.stop() } }
        func ruleSet() async throws -> JSONValue {
            try JSONParser().parse(try await service.request("GET", "/v1/rule-set").body)
        }
        let first = try await ruleSet()["content_hash"]?.string
        // A valid change: picked up by the file watch.
        let renamed = Array(
            String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"name\": \"", with: "\"name\": \"v2-")
                .utf8)
        try folder.write(renamed, to: "live.rules.json")
        var second: String?
        for _ in 0..<100 {
            second = try await ruleSet()["content_hash"]?.string
            if second != first { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(second != first, "the changed rule file was not reloaded")
        // An invalid change: the last good rule set stays, the diagnostics show.
        try folder.write(Array("{\"name\": \"broken\", \"rules\": [".utf8), to: "live.rules.json")
        var failure: JSONValue?
        for _ in 0..<100 {
            let info = try await ruleSet()
            if info["last_reload_error"] != .null {
                failure = info
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(failure?["content_hash"]?.string == second)
        #expect(failure?["last_reload_error"]?["diagnostics"]?.array?.isEmpty == false)
        let metrics = try await service.request("GET", "/metrics").text
        #expect(metrics.contains("approval_rule_reloads_total{result=\"failure\"} 1"))
        let decision = try await service.request(
            "POST", "/v1/decisions", body: try Fixtures.bytes(Fixtures.snapshotPaths[0]))
        #expect(decision.status == 200)
        #expect(decision.headers["x-rule-set-hash"] == second)
        // SIGHUP reloads even an unchanged file (the original, written back).
        try folder.write(original, to: "live.rules.json")
        service.signal(SIGHUP)
        var third: String?
        for _ in 0..<100 {
            third = try await ruleSet()["content_hash"]?.string
            if third == first { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(third == first)
        #expect(await service.stop() == 0)
    }

    @Test func shadowDisagreementsAreCounted() async throws {
        let service = try await ServiceProcess(
            ["--rules", Fixtures.rules, "--shadow", Fixtures.candidateRules, "--allow-clock-override"])
        defer { Task { await service.stop() } }
        // What dry-run --compare says changes between the two rule sets, on the same snapshots.
        let compare = try await ApprovalCtl.run(
            [
                "dry-run", "snapshots", "--rules", Fixtures.rules, "--compare", Fixtures.candidateRules, "--now",
                Self.now,
                "--format", "json",
            ])
        let changed = try JSONParser().parse(compare.stdout)["changed"]?.array ?? []
        #expect(!changed.isEmpty)
        for path in Fixtures.snapshotPaths {
            let response = try await service.request(
                "POST", "/v1/decisions?now=\(Self.now)", body: try Fixtures.bytes(path))
            #expect(response.status == 200)
            #expect(try JSONParser().parse(response.body)["shadow"] == nil, "the shadow must not change the response")
        }
        let metrics = try await service.request("GET", "/metrics").text
        let counted = metrics.split(separator: "\n").filter { $0.hasPrefix("approval_shadow_disagreements_total{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        let expected = changed.filter { $0["before"] != $0["after"] }.count
        #expect(expected > 0, "the candidate changes no recommendation: the test proves nothing")
        #expect(counted == expected, "\(metrics)")
        #expect(await service.stop() == 0)
    }

    @Test func sigtermFinishesRequestsInFlight() async throws {
        let service = try await ServiceProcess(["--rules", Fixtures.rules, "--allow-clock-override"])
        var body: [UInt8] = []
        let line = try JSONWriter.compact.bytes(JSONParser().parse(Fixtures.bytes(Fixtures.snapshotPaths[1]))) + [0x0A]
        for _ in 0..<3000 { body += line }
        async let inFlight = service.request(
            "POST", "/v1/decisions/batch?now=\(Self.now)", body: body, contentType: "application/x-ndjson")
        try await Task.sleep(for: .milliseconds(150))
        service.signal(SIGTERM)
        let result = try await inFlight
        #expect(result.status == 200)
        #expect(result.text.split(separator: "\n").count == 3000)
        #expect(await service.stop() == 0)
    }

    @Test func validateAnswersAsApprovalctlValidate() async throws {
        let service = try await ServiceProcess(["--rules", Fixtures.rules])
        defer { Task { await service.stop() } }
        for file in ["rules/vendor-contracts.rules.json", "rules/invalid.rules.json"] {
            guard FileManager.default.fileExists(atPath: Fixtures.directory + "/" + file) else { continue }
            let cli = try await ApprovalCtl.run(["validate", file, "--format", "json"])
            let expected = try JSONParser().parse(cli.stdout).array?.first
            let response = try await service.request("POST", "/v1/rule-sets/validate", body: try Fixtures.bytes(file))
            #expect(response.status == 200)
            let report = try JSONParser().parse(response.body)
            #expect(report["valid"] == expected?["valid"])
            #expect(
                report["diagnostics"]?.array?.map { $0["code"] } == expected?["diagnostics"]?.array?.map { $0["code"] })
        }
        #expect(await service.stop() == 0)
    }

    @Test func decisionsAreRecordedWhenALedgerIsGiven() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ledger = folder.path + "/service.ledger"
        let service = try await ServiceProcess([
            "--rules", Fixtures.rules, "--ledger", ledger, "--shadow", Fixtures.candidateRules,
            "--allow-clock-override",
        ])
        for path in Fixtures.snapshotPaths {
            let response = try await service.request(
                "POST", "/v1/decisions?now=\(Self.now)", body: try Fixtures.bytes(path))
            #expect(response.status == 200)
            #expect(try JSONParser().parse(response.body)["record"]?["sequence"] != nil)
        }
        #expect(await service.stop() == 0)
        let verified = try await ApprovalCtl.run(["ledger", "verify", ledger, "--format", "json"])
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(try JSONParser().parse(verified.stdout)["records"]?.integer == Int64(Fixtures.snapshotPaths.count))
        let log = try await ApprovalCtl.run(["ledger", "log", ledger, "--format", "json"])
        let records = try JSONParser().parse(log.stdout).array ?? []
        #expect(records.allSatisfy { $0["source"]?.string == "service" })
        // Recorded with both decisions: the shadow rule set's too.
        #expect(records.count == Fixtures.snapshotPaths.count)
        #expect(records.allSatisfy { $0["shadow_decision"]?["recommendation"]?.string != nil })
        #expect(
            records.contains {
                $0["shadow_decision"]?["recommendation"]?.string != $0["decision"]?["recommendation"]?.string
            })
    }

    @Test func openAPIDocumentIsServedAsCommitted() async throws {
        let service = try await ServiceProcess(["--rules", Fixtures.rules])
        defer { Task { await service.stop() } }
        let served = try await service.request("GET", "/openapi.json")
        #expect(served.status == 200)
        let committed = Array(
            try Data(contentsOf: URL(fileURLWithPath: Self.root + "/Sources/ApprovalService/openapi.json")))
        #expect(served.body == committed)
        let document = try JSONParser().parse(served.body)
        #expect(document["openapi"]?.string?.hasPrefix("3.1") == true)
        // Every route the service answers is described.
        for path in [
            "/v1/decisions", "/v1/decisions/batch", "/v1/tasks/{task_id}/decision", "/v1/rule-set",
            "/v1/rule-sets/validate", "/healthz", "/readyz", "/metrics", "/openapi.json",
        ] {
            #expect(document["paths"]?[path] != nil, "\(path) is not in openapi.json")
        }
        #expect(await service.stop() == 0)
    }
}

/// `POST /v1/tasks/{task_id}/decision` against the approvals-API simulator.
@Suite struct ServiceTaskTests {
    private static let rules = ApprovalCtl.repositoryRoot + "/rules/default.rules.json"

    private func service(_ simulator: LiveCLITests.Simulator, key: String) async throws -> ServiceProcess {
        try await ServiceProcess(
            ["--rules", Self.rules, "--base-url", simulator.baseURL, "--allow-clock-override"],
            environment: ["APPROVAL_API_KEY": key])
    }

    @Test func aLiveTaskIsDecidedAsEvaluateTaskDecidesIt() async throws {
        try await LiveCLITests.Simulator.with(keepURLs: true) { simulator in
            let service = try await service(simulator, key: LiveCLITests.apiKey)
            let response = try await service.request("POST", "/v1/tasks/48219/decision?now=\(LiveCLITests.now)")
            let cli = try await ApprovalCtl.run(
                [
                    "evaluate", "--task", "48219", "--base-url", simulator.baseURL, "--rules", Self.rules, "--now",
                    LiveCLITests.now, "--format", "json",
                ], environment: ["APPROVAL_API_KEY": LiveCLITests.apiKey])
            #expect(response.status == 200, "\(response.text)")
            #expect(cli.status == 0, "\(cli.stderrText)")
            #expect(response.body == cli.stdout)

            let missing = try await service.request("POST", "/v1/tasks/99999999/decision")
            #expect(missing.status == 404)
            #expect(try JSONParser().parse(missing.body)["code"]?.string == "task_not_found")

            try await simulator.addFault(
                #"{"kind":"status","status":409,"task_id":48219,"endpoint":"approval-details","times":1}"#)
            let conflict = try await service.request("POST", "/v1/tasks/48219/decision")
            #expect(conflict.status == 409)
            #expect(try JSONParser().parse(conflict.body)["code"]?.string == "not_at_approval_step")

            try await simulator.addFault(#"{"kind":"status","status":403,"task_id":48219}"#)
            let forbidden = try await service.request("POST", "/v1/tasks/48219/decision")
            #expect(forbidden.status == 502)
            #expect(try JSONParser().parse(forbidden.body)["code"]?.string == "api_forbidden")
            #expect(!service.stderrText.contains(LiveCLITests.apiKey), "the API key must never be logged")
            #expect(await service.stop() == 0)
        }
    }

    @Test func aRefusedKeyIsABadGateway() async throws {
        try await LiveCLITests.Simulator.with(keepURLs: true) { simulator in
            let service = try await service(simulator, key: LiveCLITests.wrongKey)
            let refused = try await service.request("POST", "/v1/tasks/48219/decision")
            #expect(refused.status == 502)
            let body = try JSONParser().parse(refused.body)
            #expect(body["code"]?.string == "api_unauthorized")
            #expect(!refused.text.contains(LiveCLITests.wrongKey))
            #expect(await service.stop() == 0)
        }
    }
}
