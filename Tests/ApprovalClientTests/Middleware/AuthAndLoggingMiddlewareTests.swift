import ApprovalJSON
import Logging
import Testing

@testable import ApprovalClient

@Suite("AuthMiddleware and LoggingMiddleware")
struct AuthAndLoggingMiddlewareTests {
    static let key = "ca_test_TopSecret_9f8e7d6c"

    @Test func authAddsTheKeyAndReplacesAnyOther() async throws {
        let transport = MockTransport(status: 200, body: [UInt8]("{}"))
        var request = HTTPRequest(method: .get, url: "http://h/tasks/1")
        request.headers["x-api-key"] = "stale"
        _ = try await AuthMiddleware(apiKey: Self.key).intercept(request, body: nil) {
            try await transport.send($0, body: $1)
        }
        let sent = try #require(transport.requests.first)
        #expect(sent.headers["X-API-Key"] == Self.key)
        #expect(sent.headers.fields.filter { $0.name.lowercased() == "x-api-key" }.count == 1)
    }

    @Test func authNeverPrintsTheKey() {
        let auth = AuthMiddleware(apiKey: Self.key)
        var dumped = ""
        dump(auth, to: &dumped)
        for text in [String(describing: auth), String(reflecting: auth), "\(auth)", dumped] {
            #expect(!text.contains(Self.key))
            #expect(text.contains("REDACTED"))
        }
    }

    @Test("the client places auth innermost, so logging never sees the key")
    func loggingNeverSeesTheKey() async throws {
        let capture = LogCapture()
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("approval-details.json"))
        let client = makeClient(
            transport, apiKey: Self.key, middlewares: [LoggingMiddleware(logger: capture.logger(), level: .info)])
        _ = try await client.approvalDetails(taskID: 12345, includeFiles: true)
        #expect(transport.requests.first?.headers["X-API-Key"] == Self.key)
        #expect(capture.all.count == 2)
        #expect(!capture.text.contains(Self.key))
        #expect(capture.text.contains("http.status=200"))
        #expect(capture.text.contains("/tasks/12345/approval-details?include_files=true"))
    }

    @Test("logging redacts credential headers and presigned signatures even at trace level")
    func loggingRedacts() async throws {
        let capture = LogCapture()
        let logging = LoggingMiddleware(logger: capture.logger(level: .trace), level: .trace)
        var request = HTTPRequest(
            method: .get,
            url:
                "https://s3.example.com/b/contract.pdf?X-Amz-Credential=AKIA%2F1&X-Amz-Expires=60&X-Amz-Signature=abc123def"
        )
        request.headers["X-API-Key"] = Self.key
        request.headers["Authorization"] = "Bearer tok_abc"
        _ = try await logging.intercept(request, body: nil) { _, _ in (HTTPResponse(status: 200), []) }
        let text = capture.text
        #expect(!text.contains(Self.key))
        #expect(!text.contains("tok_abc"))
        #expect(!text.contains("abc123def"))
        #expect(!text.contains("AKIA"))
        #expect(text.contains("X-Amz-Expires=60"))
        #expect(text.contains("X-API-Key: REDACTED"))
    }

    @Test func loggingRecordsFailuresWithoutSecrets() async throws {
        let capture = LogCapture()
        let logging = LoggingMiddleware(logger: capture.logger())
        let request = HTTPRequest(method: .get, url: "http://h/x?token=sekret")
        await #expect(throws: HTTPTransportError.self) {
            _ = try await logging.intercept(request, body: nil) { _, _ in
                throw HTTPTransportError(code: .connection, message: "refused for http://h/x?token=sekret")
            }
        }
        #expect(capture.text.contains("request failed"))
        #expect(!capture.text.contains("sekret"))
    }

    @Test("retry and logging together: every attempt is logged, and the retry notes say why")
    func retriesAreLogged() async throws {
        let capture = LogCapture()
        let clock = ManualClock()
        let attempts = Recorder<Int>()
        let transport = MockTransport { _, _ in
            attempts.append(0)
            if attempts.count < 3 { return (HTTPResponse(status: 503), [UInt8](#"{"detail":"down"}"#)) }
            return (HTTPResponse(status: 200), [UInt8](#"{"task":{"task_id":1}}"#))
        }
        let logger = capture.logger(level: .debug)
        let client = makeClient(
            transport, apiKey: Self.key,
            middlewares: [
                RetryMiddleware(policy: .default, logger: logger, clock: clock.retryClock, random: { 0.5 }),
                LoggingMiddleware(logger: logger),
            ])
        _ = try await client.task(taskID: 1)
        let lines = capture.all
        #expect(lines.filter { $0.contains(" response ") }.count == 3)
        #expect(lines.filter { $0.contains("retrying") }.count == 2)
        #expect(lines.contains { $0.contains("retry.cause=HTTP 503") })
        #expect(!capture.text.contains(Self.key))
    }
}
