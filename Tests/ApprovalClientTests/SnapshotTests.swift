import ApprovalJSON
import Synchronization
import Testing

@testable import ApprovalClient

@Suite("fetchSnapshot: fetch only what the rules need, as one document")
struct SnapshotTests {
    static func transport() throws -> MockTransport {
        .routes([
            "/tasks/12345/approval-details": (200, try Fixtures.bytes("approval-details.json")),
            "/tasks/12345": (200, try Fixtures.bytes("task.json")),
            "/tasks/12345/files": (200, try Fixtures.bytes("task-files.json")),
            "/tasks/12345/signed-documents": (200, try Fixtures.bytes("signed-documents.json")),
        ])
    }

    struct PartsCase: Sendable, CustomTestStringConvertible {
        var name: String
        var parts: SnapshotParts
        var paths: Set<String>
        var keys: Set<String>
        var testDescription: String { name }
    }

    @Test(arguments: [
        PartsCase(name: "details only", parts: [], paths: ["/tasks/12345/approval-details"], keys: []),
        PartsCase(
            name: "task", parts: .task, paths: ["/tasks/12345/approval-details", "/tasks/12345"], keys: ["task"]),
        PartsCase(
            name: "files", parts: .taskFiles, paths: ["/tasks/12345/approval-details", "/tasks/12345/files"],
            keys: ["task_files"]),
        PartsCase(
            name: "signed", parts: .signedDocuments,
            paths: ["/tasks/12345/approval-details", "/tasks/12345/signed-documents"], keys: ["signed_documents"]),
        PartsCase(
            name: "all", parts: .all,
            paths: [
                "/tasks/12345/approval-details", "/tasks/12345", "/tasks/12345/files", "/tasks/12345/signed-documents",
            ], keys: ["task", "task_files", "signed_documents"]),
    ])
    func fetchesOnlyTheRequestedParts(_ testCase: PartsCase) async throws {
        let transport = try Self.transport()
        let snapshot = try await makeClient(transport).fetchSnapshot(taskID: 12345, parts: testCase.parts)
        #expect(Set(transport.requests.map(\.path)) == testCase.paths)
        #expect(transport.requests.count == testCase.paths.count)
        let details = try #require(
            transport.requests.first { $0.path == "/tasks/12345/approval-details" })
        #expect(details.query == "include_files=true")

        let object = try #require(snapshot.object)
        let extra = Set(object.keys).intersection(["task", "task_files", "signed_documents"])
        #expect(extra == testCase.keys)
        // The approval-details body comes first and as it was (signatures aside).
        #expect(
            Array(object.keys.prefix(7)) == [
                "task_id", "step_run", "eligible_approvers_active", "next_eligible_approvers", "variables_to_approve",
                "files", "future_field",
            ])
        #expect(snapshot["step_run"] == (try Fixtures.json("approval-details.json"))["step_run"])
    }

    @Test func envelopeHoldsTheInnerTaskAndWholeBodies() async throws {
        let snapshot = try await makeClient(try Self.transport()).fetchSnapshot(taskID: 12345, parts: .all)
        #expect(snapshot["task"] == (try Fixtures.json("task.json"))["task"])
        #expect(snapshot["task_files"] == (try Fixtures.json("task-files.json")))
        #expect(snapshot["task_files"]?["total_files"] == 14)
        #expect(snapshot["signed_documents"]?["total"] == 2)
    }

    @Test("presigned signatures are redacted unless asked to keep them, and the path stays")
    func signaturesAreRedacted() async throws {
        let snapshot = try await makeClient(try Self.transport()).fetchSnapshot(taskID: 12345, parts: .all)
        let url = try #require(snapshot["files"]?[0]?["download_url"]?.string)
        #expect(url.hasPrefix("https://storage.example.com/bucket/contract_draft.pdf?"))
        #expect(url.contains("X-Amz-Signature=REDACTED"))
        #expect(url.contains("X-Amz-Credential=REDACTED"))
        #expect(url.contains("X-Amz-Expires=3600"))
        let text = JSONWriter.compact.string(snapshot)
        for secret in ["0123456789abcdef0123", "AKIAEXAMPLE", "feedface", "tok123", "abcDEF", "K2JCJMDEHXQW5F"] {
            #expect(!text.contains(secret), "\(secret) leaked")
        }

        let kept = try await makeClient(try Self.transport()).fetchSnapshot(
            taskID: 12345, parts: .all, keepSignatures: true)
        #expect(
            kept["files"]?[0]?["download_url"]
                == (try Fixtures.json("approval-details.json"))["files"]?[0]?["download_url"])
    }

    @Test("the parts are fetched concurrently")
    func partsRunConcurrently() async throws {
        let counter = ConcurrencyCounter()
        let base = try Self.transport()
        // Each request waits (up to 10 s) until another one is in flight too: concurrent fetches
        // meet at once; sequential ones would each wait alone, and the peak would stay at 1.
        let transport = MockTransport { request, body in
            counter.enter()
            defer { counter.leave() }
            await counter.waitForCompany(atMost: .seconds(10))
            return try await base.handler(request, body)
        }
        _ = try await makeClient(transport).fetchSnapshot(taskID: 12345, parts: .all)
        #expect(counter.peak > 1)
    }

    @Test("the first failure is thrown, naming the endpoint that failed")
    func failureNamesTheEndpoint() async throws {
        let transport = MockTransport.routes([
            "/tasks/12345/approval-details": (200, try Fixtures.bytes("approval-details.json")),
            "/tasks/12345/files": (500, [UInt8](#"{"detail":"Failed to list task files"}"#)),
        ])
        let error = try await #require(throws: APIError.self) {
            _ = try await makeClient(transport).fetchSnapshot(taskID: 12345, parts: .taskFiles)
        }
        #expect(error.operation == "task_files")
        #expect(error.path == "/tasks/12345/files")
        #expect(error.code == .serverError)
        #expect(error.detail == "Failed to list task files")
    }

    @Test func notAtApprovalStepFailsTheSnapshot() async throws {
        let transport = MockTransport.routes([
            "/tasks/12345/approval-details": (409, [UInt8](#"{"detail":"Task is not at a pending approval step"}"#)),
            "/tasks/12345": (200, try Fixtures.bytes("task.json")),
        ])
        let error = try await #require(throws: APIError.self) {
            _ = try await makeClient(transport).fetchSnapshot(taskID: 12345, parts: .task)
        }
        #expect(error.code == .notAtApprovalStep)
    }

    @Test func aTaskBodyWithoutTaskIsInvalid() async throws {
        let transport = MockTransport.routes([
            "/tasks/12345/approval-details": (200, try Fixtures.bytes("approval-details.json")),
            "/tasks/12345": (200, [UInt8](#"{"task_id": 12345}"#)),
        ])
        let error = try await #require(throws: APIError.self) {
            _ = try await makeClient(transport).fetchSnapshot(taskID: 12345, parts: .task)
        }
        #expect(error.code == .invalidResponse)
        #expect(error.operation == "task")
    }
}

/// Counts how many calls are in progress at once, and the most seen.
final class ConcurrencyCounter: Sendable {
    private let state = Mutex<(current: Int, peak: Int)>((0, 0))
    func enter() {
        state.withLock {
            $0.current += 1; $0.peak = max($0.peak, $0.current)
        }
    }
    func leave() { state.withLock { $0.current -= 1 } }
    var peak: Int { state.withLock { $0.peak } }

    /// Returns as soon as two callers have been inside at once, or after `limit`.
    func waitForCompany(atMost limit: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while peak < 2, clock.now < end { await Task.yield() }
    }
}
