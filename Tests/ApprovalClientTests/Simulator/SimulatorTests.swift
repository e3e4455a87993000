import ApprovalJSON
import Logging
import Testing

@testable import ApprovalAPISimulator

@Suite("Simulator: data folder, fault settings, timestamps")
struct SimulatorTests {
    static let silent = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("every *.json with an integer task_id is a task; others are skipped; details win over look-alikes")
    func loadsTheDataFolder() throws {
        let store = try TaskStore(directory: Fixtures.simData, documents: [], logger: Self.silent)
        #expect(store.tasks.keys.sorted() == [12345, 20001, 20002])
        // decisions/20001.decision.json also says task_id 20001 but does not look like approval details.
        #expect(store.tasks[20001]?.source.hasSuffix("/20001.json") == true)
        #expect(store.tasks[20002]?.atApprovalStep == false)
        let full = try #require(store.tasks[12345])
        #expect(full.details["task"] == nil)
        #expect(full.details["task_files"] == nil)
        #expect(full.task["workflow_id"] == "vendor_contract_review")
        #expect(full.taskFiles["total_files"] == 14)
        #expect(full.knownSteps.isSuperset(of: ["approval_step", "review_step", "intake_step", "sign_step_1"]))
    }

    @Test func inMemoryTasksWinAndAreRequiredToHaveAnID() throws {
        let store = try TaskStore(
            directory: Fixtures.simData,
            documents: [["task_id": 20001, "step_run": ["step_id": "other"], "variables_to_approve": []]],
            logger: Self.silent)
        #expect(store.tasks[20001]?.source == "<memory>")
        #expect(throws: SimulatorError.self) {
            _ = try TaskStore(directory: nil, documents: [["no_id": true]], logger: Self.silent)
        }
        #expect(throws: SimulatorError.self) {
            _ = try TaskStore(directory: "/nonexistent/folder", documents: [], logger: Self.silent)
        }
    }

    @Test func synthesizesMissingParts() throws {
        let task = TaskStore.makeTask(
            [
                "task_id": 7,
                "step_run": ["step_id": "s1", "step_name": "Approve", "step_type": "approval", "variables": []],
                "variables_to_approve": [
                    ["variable_id": "f", "step_id": "intake", "variable_type": "file", "value": "a1"]
                ],
                "files": [["file_id": "a1", "file_name": "a.pdf", "variable_id": "f"]],
            ], source: "x")
        #expect(task.task["current_step_id"] == "s1")
        #expect(task.task["variables"]?.array?.count == 1)
        #expect(task.taskFiles["files"]?[0]?["step_id"] == "intake")
        #expect(task.taskFiles["total_files"] == 1)
        #expect(task.signedDocuments["total"] == 0)
    }

    struct FaultJSONCase: Sendable, CustomTestStringConvertible {
        var json: String
        var fault: SimulatedFault
        var testDescription: String { json }
    }

    @Test(arguments: [
        FaultJSONCase(
            json: #"{"kind":"status","status":503,"task_id":12345,"endpoint":"approval-details","times":2}"#,
            fault: SimulatedFault(.status(503), taskID: 12345, endpoint: .approvalDetails, times: 2)),
        FaultJSONCase(json: #"{"status":404}"#, fault: SimulatedFault(.status(404))),
        FaultJSONCase(
            json: #"{"kind":"rate_limit","retry_after":2}"#, fault: SimulatedFault(.rateLimited(retryAfterSeconds: 2))),
        FaultJSONCase(
            json: #"{"kind":"latency","latency_ms":250}"#, fault: SimulatedFault(.latency, latency: .milliseconds(250))),
        FaultJSONCase(
            json: #"{"kind":"hang","hang_ms":1000,"endpoint":"files"}"#,
            fault: SimulatedFault(.hang, endpoint: .taskFiles, hangLimit: .seconds(1))),
        FaultJSONCase(json: #"{"kind":"truncated_body","times":1}"#, fault: SimulatedFault(.truncatedBody, times: 1)),
        FaultJSONCase(json: #"{"kind":"invalid_json"}"#, fault: SimulatedFault(.invalidJSON)),
        FaultJSONCase(
            json: #"{"kind":"extra_files","total_files":25}"#, fault: SimulatedFault(.extraFiles(totalFiles: 25))),
        FaultJSONCase(json: #"{"kind":"expired_urls","detail":"x"}"#, fault: SimulatedFault(.expiredURLs, detail: "x")),
    ])
    func faultJSONRoundTrips(_ testCase: FaultJSONCase) throws {
        let parsed = try SimulatedFault(json: try JSONParser().parse(Array(testCase.json.utf8)))
        #expect(parsed == testCase.fault)
        #expect(try SimulatedFault(json: parsed.json) == parsed)
    }

    @Test(arguments: [
        #"{"kind":"teleport"}"#, #"{"kind":"status"}"#, #"{"kind":"status","status":42}"#,
        #"{"kind":"hang","endpoint":"nowhere"}"#, #"{"kind":"hang","tims":2}"#, #"{"kind":"hang","times":-1}"#,
        #"{"status":"503"}"#, "[1]",
    ])
    func badFaultsAreRejected(_ json: String) throws {
        #expect(throws: SimulatorError.self) {
            _ = try SimulatedFault.list(json: try JSONParser().parse(Array(json.utf8)))
        }
    }

    @Test func faultListsComeInThreeShapes() throws {
        for json in [#"{"kind":"hang"}"#, #"[{"kind":"hang"}]"#, #"{"faults":[{"kind":"hang"}]}"#] {
            #expect(try SimulatedFault.list(json: try JSONParser().parse(Array(json.utf8))) == [SimulatedFault(.hang)])
        }
    }

    @Test("task faults come before global ones, and times counts down to nothing")
    func faultSelection() throws {
        let simulator = try APISimulator(configuration: .init(tasks: [["task_id": 1, "step_run": ["step_id": "s"]]]))
        simulator.setFaults([
            SimulatedFault(.status(500)),
            SimulatedFault(.status(503), taskID: 1, endpoint: .taskFiles, times: 2),
        ])
        #expect(simulator.takeFault(taskID: 1, endpoint: .taskFiles)?.kind == .status(503))
        #expect(simulator.takeFault(taskID: 1, endpoint: .task)?.kind == .status(500))
        #expect(simulator.takeFault(taskID: 1, endpoint: .taskFiles)?.kind == .status(503))
        #expect(simulator.takeFault(taskID: 1, endpoint: .taskFiles)?.kind == .status(500))
        #expect(simulator.faults() == [SimulatedFault(.status(500))])
        simulator.clearFaults()
        #expect(simulator.takeFault(taskID: 1, endpoint: .task) == nil)
    }

    @Test func civilTime() {
        #expect(CivilTime.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(CivilTime.iso8601(1_737_374_400) == "2025-01-20T12:00:00Z")
        #expect(CivilTime.amzDate(951_782_400) == "20000229T000000Z")
        #expect(CivilTime.parseAmzDate("20250120T120000Z") == 1_737_374_400)
        #expect(CivilTime.parseAmzDate("2025-01-20") == nil)
        for epoch: Int64 in [0, 86_399, 951_868_799, 4_102_444_800] {
            #expect(CivilTime.parseAmzDate(CivilTime.amzDate(epoch)) == epoch)
        }
    }

    @Test func routes() {
        #expect(Route(path: "/tasks/1")?.endpoint == .task)
        #expect(Route(path: "/tasks/1/approval-details")?.endpoint == .approvalDetails)
        #expect(Route(path: "/tasks/1/files")?.endpoint == .taskFiles)
        #expect(Route(path: "/tasks/1/signed-documents")?.endpoint == .signedDocuments)
        #expect(Route(path: "/tasks/1/steps/review%20step/document")?.stepID == "review step")
        #expect(Route(path: "/tasks/1/other") == nil)
        #expect(Route(path: "/users/1") == nil)
    }
}
