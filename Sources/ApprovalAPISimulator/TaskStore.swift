import ApprovalJSON
import Foundation
import Logging

/// One task the simulator serves, split into the bodies of its endpoints.
struct StoredTask: Sendable {
    let taskID: Int64
    /// Where it came from (a file path, or `<memory>`).
    let source: String
    /// The approval-details body (the envelope without the extra parts).
    let details: JSONObject
    /// Whether the task is at an approval step (`step_run` present); otherwise approval details is 409.
    let atApprovalStep: Bool
    /// The inner `task` object of `GET /tasks/{id}`.
    let task: JSONObject
    /// The whole `GET /tasks/{id}/files` body, all files (the listing is capped when served).
    let taskFiles: JSONObject
    /// The whole `GET /tasks/{id}/signed-documents` body.
    let signedDocuments: JSONObject
    /// Documents by step id (`null` for a step known to have none).
    let stepDocuments: [String: JSONValue]
    /// Every step id the task mentions.
    let knownSteps: Set<String>
}

/// The tasks of a data folder and of the configuration, by id.
///
/// Every `*.json` file under the folder (recursively, in sorted path order) whose top-level
/// value is an object with an integer `task_id`, or an array of such objects, is a task. When two
/// files give the same id, the one that looks most like approval details wins (it has
/// `step_run`, `variables_to_approve` or `eligible_approvers_active`), then the first. Other JSON
/// files (rules, expected decisions) and unreadable files are skipped.
struct TaskStore: Sendable {
    let tasks: [Int64: StoredTask]

    /// Keys of the snapshot envelope that are not part of the approval-details body.
    static let envelopeKeys: Set<String> = ["task", "task_files", "signed_documents", "step_documents"]

    init(directory: String?, documents: [JSONValue], logger: Logger) throws(SimulatorError) {
        var candidates: [(score: Int, task: StoredTask)] = []
        if let directory {
            for path in try Self.jsonFiles(under: directory) {
                let value: JSONValue
                do {
                    value = try JSONParser().parse(contentsOf: path)
                } catch {
                    logger.debug(
                        "skipping a file that is not JSON", metadata: ["file": "\(path)", "error": "\(error)"])
                    continue
                }
                for document in Self.documents(in: value) {
                    candidates.append((Self.score(document), Self.makeTask(document, source: path)))
                }
            }
        }
        for document in documents {
            let objects = Self.documents(in: document)
            if objects.isEmpty {
                throw SimulatorError(code: .invalidData, message: "an in-memory task has no integer \"task_id\"")
            }
            for object in objects {
                candidates.append((Self.score(object) + 10, Self.makeTask(object, source: "<memory>")))
            }
        }
        var chosen: [Int64: (score: Int, task: StoredTask)] = [:]
        for candidate in candidates {
            if let existing = chosen[candidate.task.taskID], existing.score >= candidate.score { continue }
            chosen[candidate.task.taskID] = candidate
        }
        tasks = chosen.mapValues(\.task)
    }

    private static func jsonFiles(under directory: String) throws(SimulatorError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SimulatorError(code: .invalidData, message: "the data folder \"\(directory)\" does not exist")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw SimulatorError(code: .invalidData, message: "cannot read the data folder \"\(directory)\"")
        }
        var paths: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".json") { paths.append(directory + "/" + relative) }
        }
        return paths.sorted()
    }

    private static func documents(in value: JSONValue) -> [JSONObject] {
        switch value {
        case .object(let object) where object["task_id"]?.integer != nil:
            return [object]
        case .array(let elements):
            return elements.compactMap { element in
                if case .object(let object) = element, object["task_id"]?.integer != nil { return object }
                return nil
            }
        default:
            return []
        }
    }

    private static func score(_ object: JSONObject) -> Int {
        ["step_run", "variables_to_approve", "eligible_approvers_active"].contains { object[$0] != nil } ? 1 : 0
    }

    // MARK: - Building the endpoint bodies

    static func makeTask(_ envelope: JSONObject, source: String) -> StoredTask {
        // `documents(in:)` only returns objects with an integer task_id.
        let taskID = envelope["task_id"]?.integer ?? 0
        var details = JSONObject()
        for (key, value) in envelope.members where !envelopeKeys.contains(key) { details[key] = value }
        let stepRun = details["step_run"]?.object

        let task = storedTask(envelope["task"], details: details, taskID: taskID)
        let variableSteps = variableStepIndex(details: details, task: task)
        let taskFiles = storedTaskFiles(envelope["task_files"], details: details, task: task, steps: variableSteps)
        let signed = storedSignedDocuments(envelope["signed_documents"], task: task, taskID: taskID)

        var stepDocuments: [String: JSONValue] = [:]
        if case .object(let documents)? = envelope["step_documents"] {
            for (step, document) in documents.members { stepDocuments[step] = document }
        }
        var knownSteps = Set<String>()
        if let step = stepRun?["step_id"]?.string { knownSteps.insert(step) }
        if let step = task["current_step_id"]?.string { knownSteps.insert(step) }
        for run in task["step_runs"]?.array ?? [] { if let step = run["step_id"]?.string { knownSteps.insert(step) } }
        for file in taskFiles["files"]?.array ?? [] {
            if let step = file["step_id"]?.string { knownSteps.insert(step) }
        }
        for document in signed["documents"]?.array ?? [] {
            if let step = document["step_id"]?.string { knownSteps.insert(step) }
        }
        knownSteps.formUnion(stepDocuments.keys)

        return StoredTask(
            taskID: taskID, source: source, details: details, atApprovalStep: stepRun != nil, task: task,
            taskFiles: taskFiles, signedDocuments: signed, stepDocuments: stepDocuments, knownSteps: knownSteps)
    }

    /// The saved `task` object, or one made up from the approval details.
    private static func storedTask(_ saved: JSONValue?, details: JSONObject, taskID: Int64) -> JSONObject {
        if case .object(var object)? = saved {
            // Accept the whole `GET /tasks/{id}` body too.
            if object["task_id"] == nil, case .object(let inner)? = object["task"] { object = inner }
            return object
        }
        let stepRun = details["step_run"]?.object
        var variables: [JSONValue] = []
        var seen = Set<String>()
        let collected = (stepRun?["variables"]?.array ?? []) + (details["variables_to_approve"]?.array ?? [])
        for variable in collected {
            let key = (variable["step_id"]?.string ?? "") + "\u{0}" + (variable["variable_id"]?.string ?? "")
            if seen.insert(key).inserted { variables.append(variable) }
        }
        var task = JSONObject()
        task["task_id"] = .integer(taskID)
        task["task_url"] = .null
        task["task_title"] = .null
        task["workflow_id"] = .string("simulated_workflow")
        task["workflow_name"] = .null
        task["workflow_version"] = .integer(1)
        task["workflow_state_id"] = .string("ws_sim_\(taskID)")
        task["status"] = .string(stepRun == nil ? "in_progress" : "pending")
        task["current_step_id"] = stepRun?["step_id"] ?? .null
        task["current_step_name"] = stepRun?["step_name"] ?? .null
        task["current_step_type"] = stepRun?["step_type"] ?? .null
        task["created_at"] = .string("2025-01-01T00:00:00Z")
        task["updated_at"] = .string("2025-01-01T00:00:00Z")
        task["completed_at"] = .null
        task["owner_email"] = .null
        task["assignee_email"] = .null
        task["collaborator_emails"] = .array([])
        task["step_runs"] = stepRun.map { .array([.object($0)]) } ?? .array([])
        task["variables"] = .array(variables)
        return task
    }

    /// variable_id → step_id, from every variable list the task has.
    private static func variableStepIndex(details: JSONObject, task: JSONObject) -> [String: String] {
        var index: [String: String] = [:]
        var lists: [[JSONValue]] = [
            details["step_run"]?["variables"]?.array ?? [], details["variables_to_approve"]?.array ?? [],
            task["variables"]?.array ?? [],
        ]
        for run in task["step_runs"]?.array ?? [] { lists.append(run["variables"]?.array ?? []) }
        for list in lists {
            for variable in list {
                if let id = variable["variable_id"]?.string, let step = variable["step_id"]?.string, index[id] == nil {
                    index[id] = step
                }
            }
        }
        return index
    }

    /// The saved files body, or one made up from the approval details' `files`.
    private static func storedTaskFiles(
        _ saved: JSONValue?, details: JSONObject, task: JSONObject, steps: [String: String]
    ) -> JSONObject {
        if case .object(var object)? = saved {
            if object["task_id"] == nil, let taskID = details["task_id"] { object["task_id"] = taskID }
            if object["files"] == nil { object["files"] = .array([]) }
            return object
        }
        let files: [JSONValue] = (details["files"]?.array ?? []).map { file in
            let variable = file["variable_id"]?.string
            var entry = JSONObject()
            entry["file_id"] = file["file_id"] ?? .null
            entry["file_name"] = file["file_name"] ?? .null
            entry["variable_id"] = variable.map(JSONValue.string) ?? .null
            entry["created_at"] = task["created_at"] ?? .null
            entry["step_id"] =
                variable.flatMap { steps[$0] }.map(JSONValue.string) ?? details["step_run"]?["step_id"] ?? .null
            return .object(entry)
        }
        var body = JSONObject()
        body["task_id"] = details["task_id"] ?? .null
        body["files"] = .array(files)
        // A snapshot saved without any files listing says nothing about the task's files: serve a
        // listing that admits more files exist, so the live decision fails closed as the saved
        // one does, instead of inventing a complete, empty listing.
        let known = details["files"] != nil
        body["total_files"] = .integer(Int64(files.count + (known ? 0 : 1)))
        return body
    }

    /// The saved signed-documents body, or an empty one.
    private static func storedSignedDocuments(_ saved: JSONValue?, task: JSONObject, taskID: Int64) -> JSONObject {
        if case .object(var object)? = saved {
            if object["task_id"] == nil { object["task_id"] = .integer(taskID) }
            if object["documents"] == nil { object["documents"] = .array([]) }
            return object
        }
        var body = JSONObject()
        body["task_id"] = .integer(taskID)
        body["workflow_status"] = task["status"] ?? .string("in_progress")
        body["total"] = .integer(0)
        body["documents"] = .array([])
        return body
    }
}
