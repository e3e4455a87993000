import ApprovalJSON
import Testing

@testable import ApprovalClient

@Suite("APIClient endpoints (mock transport)")
struct APIClientTests {
    struct EndpointCase: Sendable, CustomTestStringConvertible {
        var name: String
        var fixture: String
        var expectedPath: String
        var expectedQuery: String?
        var call: @Sendable (APIClient) async throws -> JSONValue
        var testDescription: String { name }
    }

    static let endpoints: [EndpointCase] = [
        EndpointCase(
            name: "approval details with files", fixture: "approval-details.json",
            expectedPath: "/tasks/12345/approval-details", expectedQuery: "include_files=true",
            call: { try await $0.approvalDetails(taskID: 12345, includeFiles: true) }),
        EndpointCase(
            name: "approval details without files", fixture: "approval-details.json",
            expectedPath: "/tasks/12345/approval-details", expectedQuery: nil,
            call: { try await $0.approvalDetails(taskID: 12345) }),
        EndpointCase(
            name: "task", fixture: "task.json", expectedPath: "/tasks/12345", expectedQuery: nil,
            call: { try await $0.task(taskID: 12345) }),
        EndpointCase(
            name: "task files", fixture: "task-files.json", expectedPath: "/tasks/12345/files", expectedQuery: nil,
            call: { try await $0.taskFiles(taskID: 12345) }),
        EndpointCase(
            name: "signed documents", fixture: "signed-documents.json", expectedPath: "/tasks/12345/signed-documents",
            expectedQuery: nil, call: { try await $0.signedDocuments(taskID: 12345) }),
        EndpointCase(
            name: "step document", fixture: "step-document.json",
            expectedPath: "/tasks/12345/steps/review_step/document",
            expectedQuery: nil, call: { try await $0.stepDocument(taskID: 12345, stepID: "review_step") }),
    ]

    @Test("each endpoint GETs its documented path and returns the body as received", arguments: endpoints)
    func rawEndpointReturnsBody(_ endpoint: EndpointCase) async throws {
        let body = try Fixtures.bytes(endpoint.fixture)
        let transport = MockTransport(status: 200, body: body)
        let value = try await endpoint.call(makeClient(transport))

        #expect(value == (try JSONParser().parse(body)))
        let request = try #require(transport.requests.first)
        #expect(transport.requests.count == 1)
        #expect(request.method == .get)
        #expect(request.path == endpoint.expectedPath)
        #expect(request.query == endpoint.expectedQuery)
        #expect(request.url.hasPrefix("http://127.0.0.1:9/tasks/"))
        #expect(request.headers["Accept"] == "application/json")
        #expect(request.headers["x-api-key"] == "test-key-123")
    }

    @Test func stepIDsArePercentEncodedInThePath() async throws {
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("step-document.json"))
        _ = try await makeClient(transport).stepDocument(taskID: 7, stepID: "review step/1")
        #expect(transport.requests.first?.path == "/tasks/7/steps/review%20step%2F1/document")
    }

    @Test func noKeyHeaderWithoutAKey() async throws {
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("task.json"))
        _ = try await makeClient(transport, apiKey: nil).task(taskID: 12345)
        #expect(transport.requests.first?.headers["X-API-Key"] == nil)
    }

    // MARK: - Typed models

    @Test func typedApprovalDetailsToleratesUnknownFields() async throws {
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("approval-details.json"))
        let details = try await makeClient(transport).approvalDetails(
            taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
        #expect(details.taskID == 12345)
        #expect(details.stepRun?.stepID == "approval_step")
        #expect(details.stepRun?.status == "pending")
        #expect(details.stepRun?.variables.first?.value == "Acme Corporation")
        #expect(details.eligibleApproversActive == ["manager@example.com"])
        #expect(details.nextEligibleApprovers == ["director@example.com"])
        #expect(details.variablesToApprove.map(\.variableID) == ["contract_value", "contract_file"])
        #expect(details.variablesToApprove.first?.value == .integer(150000))
        #expect(details.files?.first?.fileName == "contract_draft.pdf")
        #expect(details.raw["future_field"]?["added"] == "later")
    }

    @Test func typedApprovalDetailsWithoutFilesHasNilFiles() throws {
        let details = try ApprovalDetails(json: ["task_id": 1, "step_run": ["step_id": "s"]])
        #expect(details.files == nil)
        #expect(details.variablesToApprove.isEmpty)
    }

    @Test func typedTaskReadsTheInnerObject() async throws {
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("task.json"))
        let task = try await makeClient(transport).task(taskID: 12345, as: WorkflowTask.self)
        #expect(task.taskID == 12345)
        #expect(task.workflowVersion == 1)
        #expect(task.currentStepType == "approval")
        #expect(task.completedAt == nil)
        #expect(task.collaboratorEmails == ["contracts@example.com"])
        #expect(task.stepRuns.first?.stepName == "Document Intake")
        #expect(task.variables.count == 3)
        #expect(task.raw["sla_hours"] == 48)
    }

    @Test func typedTaskFilesKnowsTheListingIsCapped() async throws {
        let transport = MockTransport(status: 200, body: try Fixtures.bytes("task-files.json"))
        let listing = try await makeClient(transport).taskFiles(taskID: 12345, as: TaskFileList.self)
        #expect(listing.files.count == 3)
        #expect(listing.totalFiles == 14)
        #expect(listing.isTruncated)
        #expect(listing.files[1].variableID == nil)
        #expect(listing.files[1].stepID == "review_step")
    }

    @Test func typedSignedDocumentsAndStepDocument() async throws {
        let signed = try await makeClient(MockTransport(status: 200, body: try Fixtures.bytes("signed-documents.json")))
            .signedDocuments(taskID: 12345, as: SignedDocumentList.self)
        #expect(signed.total == 2)
        #expect(signed.workflowStatus == "completed")
        #expect(signed.documents.map(\.stepName) == ["Executive Signature", "NDA Signature"])

        let document = try await makeClient(MockTransport(status: 200, body: try Fixtures.bytes("step-document.json")))
            .stepDocument(taskID: 12345, stepID: "review_step", as: StepDocument.self)
        #expect(document.fileName == "reviewed_contract.pdf")
        #expect(document.downloadURL.hasPrefix("https://s3.amazonaws.com/"))
    }

    @Test("a known field of the wrong type is an invalid response naming its path")
    func wrongShapeIsInvalidResponse() async throws {
        let body = [UInt8](#"{"task_id": 12345, "step_run": {"step_id": 42}}"#)
        let client = makeClient(MockTransport(status: 200, body: body))
        let error = try await #require(throws: APIError.self) {
            _ = try await client.approvalDetails(taskID: 12345, includeFiles: false, as: ApprovalDetails.self)
        }
        #expect(error.code == .invalidResponse)
        #expect(error.message.contains("/step_run/step_id"))
        #expect(error.operation == "approval_details")
        #expect(error.taskID == 12345)
    }

    @Test func missingRequiredFieldIsAModelError() {
        #expect(throws: ModelError(path: "/task_id", message: "missing required integer")) {
            _ = try TaskFileList(json: ["files": []])
        }
    }

    // MARK: - Live client

    @Test func liveRequiresTheEnvironmentKey() throws {
        let error = try #require(throws: APIError.self) {
            _ = try APIClient.live(
                baseURL: "http://127.0.0.1:1", environment: [:], logger: LogCapture().logger())
        }
        #expect(error.code == .missingAPIKey)
        #expect(error.isAuthentication)
        #expect(error.description.contains("APPROVAL_API_KEY"))

        #expect(throws: APIError.self) {
            _ = try APIClient.live(
                baseURL: "http://127.0.0.1:1", environment: ["APPROVAL_API_KEY": ""], logger: LogCapture().logger())
        }
    }

    @Test func liveRejectsANonHTTPBaseURL() throws {
        let error = try #require(throws: APIError.self) {
            _ = try APIClient.live(
                baseURL: "ftp://example.com", environment: ["APPROVAL_API_KEY": "k"], logger: LogCapture().logger())
        }
        #expect(error.code == .invalidRequest)
    }

    @Test("the live client creates no HTTP client until a request needs the network")
    func liveTransportIsLazy() throws {
        let client = try APIClient.live(
            baseURL: "http://127.0.0.1:1/", environment: ["APPROVAL_API_KEY": "secret-live-key"],
            logger: LogCapture().logger())
        let transport = try #require(client.transport as? AsyncHTTPClientTransport)
        #expect(!transport.isStarted)
        #expect(client.baseURL == "http://127.0.0.1:1")
        #expect(!String(describing: client).contains("secret-live-key"))
        var dumped = ""
        dump(client, to: &dumped)
        #expect(!dumped.contains("secret-live-key"))
    }
}
