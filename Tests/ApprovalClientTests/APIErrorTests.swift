import ApprovalJSON
import Testing

@testable import ApprovalClient

@Suite("Error statuses map to typed APIError values")
struct APIErrorTests {
    struct StatusCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var code: APIError.Code
        var temporary = false
        var unavailable = false
        var authentication = false
        var detail: String?
        var messageContains: String
        var testDescription: String { "HTTP \(status) -> \(code)" }
    }

    static let statuses: [StatusCase] = [
        StatusCase(
            status: 401, body: #"{"detail":"Invalid API key"}"#, code: .unauthorized, authentication: true,
            detail: "Invalid API key", messageContains: "rejected"),
        StatusCase(
            status: 401, body: #"{"detail":"Missing API key"}"#, code: .unauthorized, authentication: true,
            detail: "Missing API key", messageContains: "APPROVAL_API_KEY"),
        StatusCase(
            status: 403, body: #"{"detail":"Forbidden"}"#, code: .forbidden, authentication: true, detail: "Forbidden",
            messageContains: "may not"),
        StatusCase(
            status: 404, body: #"{"detail":"Task not found"}"#, code: .notFound, detail: "Task not found",
            messageContains: "task 12345 was not found"),
        StatusCase(
            status: 409, body: #"{"detail":"Task is not at a pending approval step"}"#, code: .notAtApprovalStep,
            detail: "Task is not at a pending approval step", messageContains: "not at a pending approval step"),
        StatusCase(
            status: 422,
            body:
                #"{"detail":[{"loc":["path","task_id"],"msg":"value is not a valid integer","type":"type_error.integer"}]}"#,
            code: .validation, detail: "path.task_id: value is not a valid integer",
            messageContains: "path.task_id: value is not a valid integer"),
        StatusCase(
            status: 429, body: #"{"detail":"Rate limit exceeded"}"#, code: .rateLimited, temporary: true,
            detail: "Rate limit exceeded", messageContains: "rate limiting"),
        StatusCase(
            status: 500, body: #"{"detail":"Failed to get approval details"}"#, code: .serverError, unavailable: true,
            detail: "Failed to get approval details", messageContains: "server error"),
        StatusCase(
            status: 503, body: "<html>Service Unavailable</html>", code: .serverError, unavailable: true, detail: nil,
            messageContains: "server error"),
        // 501 means "no document" only for a step's document (tested below); elsewhere it is a
        // server error like any other 5xx.
        StatusCase(
            status: 501, body: #"{"detail":"Not Implemented"}"#, code: .serverError, unavailable: true,
            detail: "Not Implemented", messageContains: "server error"),
        StatusCase(
            status: 302, body: "", code: .unexpectedStatus, detail: nil, messageContains: "unexpected HTTP status 302"),
        StatusCase(
            status: 400, body: #"{"detail":"Bad request"}"#, code: .unexpectedStatus, detail: "Bad request",
            messageContains: "unexpected HTTP status 400"),
    ]

    @Test(arguments: statuses)
    func statusMapsToCode(_ expected: StatusCase) async throws {
        let client = makeClient(MockTransport(status: expected.status, body: [UInt8](expected.body)))
        let error = try await #require(throws: APIError.self) {
            _ = try await client.approvalDetails(taskID: 12345, includeFiles: true)
        }
        #expect(error.code == expected.code)
        #expect(error.status == expected.status)
        #expect(error.isTemporary == expected.temporary)
        #expect(error.isUnavailable == expected.unavailable)
        #expect(error.isAuthentication == expected.authentication)
        #expect(error.detail == expected.detail)
        #expect(error.message.contains(expected.messageContains))
        // Which task and endpoint failed.
        #expect(error.taskID == 12345)
        #expect(error.operation == "approval_details")
        #expect(error.method == .get)
        #expect(error.path == "/tasks/12345/approval-details")
        #expect(error.description.hasPrefix("task 12345: GET /tasks/12345/approval-details failed: "))
        #expect(error.description.contains("HTTP \(expected.status)"))
        #expect(error.description.hasSuffix("[\(expected.code)]"))
    }

    struct ReasonCase: Sendable {
        var detail: String
        var reason: APIError.AuthenticationReason
    }

    @Test(arguments: [
        ReasonCase(detail: "Missing API key", reason: .missingKey),
        ReasonCase(detail: "Invalid API key", reason: .invalidKey),
        ReasonCase(detail: "API key expired", reason: .expiredKey),
        ReasonCase(detail: "API key has been revoked", reason: .revokedKey),
        ReasonCase(detail: "Who are you?", reason: .other),
    ])
    func unauthorizedReasons(_ expected: ReasonCase) async throws {
        let body = JSONWriter.compact.bytes(["detail": .string(expected.detail)])
        let client = makeClient(MockTransport(status: 401, body: body))
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 5) }
        #expect(error.code == .unauthorized)
        #expect(error.authenticationReason == expected.reason)
        #expect(error.operation == "task")
    }

    @Test func validationKeepsEveryIssue() async throws {
        let body = [UInt8](
            #"{"detail":[{"loc":["path","task_id"],"msg":"bad","type":"t1"},{"loc":["query",0],"msg":"worse"}]}"#)
        let client = makeClient(MockTransport(status: 422, body: body))
        let error = try await #require(throws: APIError.self) { _ = try await client.taskFiles(taskID: 5) }
        #expect(
            error.validationIssues == [
                APIError.ValidationIssue(location: ["path", "task_id"], message: "bad", type: "t1"),
                APIError.ValidationIssue(location: ["query", "0"], message: "worse", type: nil),
            ])
    }

    @Test func notFoundAndNoDocumentNameTheStep() async throws {
        for (status, fragment) in [(404, "no document was found for step \"review_step\""), (501, "has no document")] {
            let client = makeClient(MockTransport(status: status, body: [UInt8](#"{"detail":"x"}"#)))
            let error = try await #require(throws: APIError.self) {
                _ = try await client.stepDocument(taskID: 9, stepID: "review_step")
            }
            #expect(error.stepID == "review_step")
            #expect(error.operation == "step_document")
            #expect(error.message.contains(fragment))
        }
    }

    @Test func retryAfterIsReported() async throws {
        let transport = MockTransport(
            status: 429, body: [UInt8](#"{"detail":"slow down"}"#), headers: ["Retry-After": "7"])
        let error = try await #require(throws: APIError.self) { _ = try await makeClient(transport).task(taskID: 1) }
        #expect(error.retryAfter == .seconds(7))
        #expect(error.description.contains("retry after 7.0 s"))
    }

    // MARK: - Bodies that are not what the API documents

    @Test(arguments: ["{\"task_id\": 12345, ", "<html>oops</html>", "[1, 2]", ""])
    func invalidBodiesAreInvalidResponses(_ body: String) async throws {
        let client = makeClient(MockTransport(status: 200, body: [UInt8](body)))
        let error = try await #require(throws: APIError.self) { _ = try await client.signedDocuments(taskID: 3) }
        #expect(error.code == .invalidResponse)
        #expect(error.status == 200)
        #expect(!error.isTemporary && !error.isUnavailable && !error.isAuthentication)
    }

    // MARK: - Excerpts and secrets

    @Test("the body excerpt is cut to 500 bytes and never contains the key or a signature")
    func excerptIsCutAndScrubbed() async throws {
        let key = "ca_live_SuperSecretKey_0123456789"
        let long = String(repeating: "x", count: 2000)
        let body = [UInt8](
            #"{"detail":"echo \#(key)","url":"https://s3/x.pdf?X-Amz-Signature=deadbeef&a=1","pad":"\#(long)"}"#)
        let client = makeClient(MockTransport(status: 500, body: body), apiKey: key)
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        let excerpt = try #require(error.bodyExcerpt)
        #expect(excerpt.utf8.count <= APIError.bodyExcerptLimit + "…".utf8.count)
        #expect(!excerpt.contains(key))
        #expect(!excerpt.contains("deadbeef"))
        #expect(excerpt.contains("X-Amz-Signature=REDACTED"))
        #expect(!error.description.contains(key))
        #expect(!(error.detail ?? "").contains(key))
    }

    @Test("a key straddling the excerpt's cut leaves no fragment behind")
    func keyAtTheCutIsScrubbed() async throws {
        let key = "KEYKEYKEY_abcdefghijklmnopqrstuvwxyz"
        let prefix = String(repeating: "y", count: APIError.bodyExcerptLimit - 10)
        let client = makeClient(MockTransport(status: 500, body: [UInt8](prefix + key)), apiKey: key)
        let error = try await #require(throws: APIError.self) { _ = try await client.task(taskID: 1) }
        #expect(!(error.bodyExcerpt ?? "").contains("KEYKEYKEY"))
    }

    @Test func codesHaveStableNames() {
        let names = [
            APIError.Code.missingAPIKey, .unauthorized, .forbidden, .notFound, .notAtApprovalStep, .validation,
            .rateLimited, .serverError, .notImplemented, .unexpectedStatus, .timeout, .deadlineExceeded, .connection,
            .invalidResponse, .invalidRequest,
        ].map(\.description)
        #expect(
            names == [
                "missing_api_key", "unauthorized", "forbidden", "not_found", "not_at_approval_step", "validation",
                "rate_limited", "server_error", "not_implemented", "unexpected_status", "timeout", "deadline_exceeded",
                "connection", "invalid_response", "invalid_request",
            ])
    }

    @Test func transportFailuresMapToTheirCodes() async throws {
        let cases: [(HTTPTransportError.Code, APIError.Code, Bool, Bool)] = [
            (.timeout, .timeout, true, false),
            (.connection, .connection, false, true),
            (.invalidRequest, .invalidRequest, false, false),
            (.responseTooLarge, .invalidResponse, false, false),
        ]
        for (transportCode, apiCode, temporary, unavailable) in cases {
            let transport = MockTransport { _, _ in throw HTTPTransportError(code: transportCode, message: "boom") }
            let error = try await #require(throws: APIError.self) {
                _ = try await makeClient(transport).taskFiles(taskID: 77)
            }
            #expect(error.code == apiCode)
            #expect(error.isTemporary == temporary)
            #expect(error.isUnavailable == unavailable)
            #expect(error.taskID == 77)
            #expect(error.underlying is HTTPTransportError)
        }
    }
}
