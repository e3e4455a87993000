import ApprovalJSON
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Routes every request: `/_sim/...` to the control endpoints, everything else to the API.
struct SimulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let simulator: APISimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == "/_sim" || path.hasPrefix("/_sim/") { return try await simulator.control(request) }
        return await simulator.api(request).response
    }
}

/// An API route: which endpoint, for which task and step.
struct Route: Sendable {
    var endpoint: SimulatedEndpoint
    var rawTaskID: String
    var stepID: String?

    /// `nil` when the path is not one of the documented endpoints.
    init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 2, parts[0] == "tasks" else { return nil }
        rawTaskID = parts[1]
        switch parts.count {
        case 2: endpoint = .task
        case 3 where parts[2] == "approval-details": endpoint = .approvalDetails
        case 3 where parts[2] == "files": endpoint = .taskFiles
        case 3 where parts[2] == "signed-documents": endpoint = .signedDocuments
        case 5 where parts[2] == "steps" && parts[4] == "document":
            endpoint = .stepDocument
            stepID = parts[3].removingPercentEncoding ?? parts[3]
        default: return nil
        }
    }
}

extension APISimulator {
    static let apiKeyField = HTTPField.Name("X-API-Key")

    // MARK: - API

    func api(_ request: Request) async -> Reply {
        let path = request.uri.path
        let route = Route(path: path)
        let taskID = route.flatMap { Int64($0.rawTaskID) }
        let key = Self.apiKeyField.flatMap { request.headers[$0] } ?? ""
        let keyStatus: String
        if key.isEmpty {
            keyStatus = "missing"
        } else if let expected = configuration.apiKey, expected != key {
            keyStatus = "invalid"
        } else {
            keyStatus = "valid"
        }
        let id = record(
            SimulatedRequest(
                id: 0, method: request.method.rawValue, path: path, query: request.uri.query, taskID: taskID,
                endpoint: route?.endpoint, apiKey: keyStatus, status: nil, fault: nil))

        let (reply, fault) = await answer(request, route: route, taskID: taskID, keyStatus: keyStatus, logID: id)
        update(id, status: reply.truncate ? nil : reply.status, fault: fault)
        configuration.logger.debug(
            "request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.path": "\(path)",
                "http.status": "\(reply.status)", "api_key": "\(keyStatus)", "fault": "\(fault ?? "none")",
            ])
        return reply
    }

    /// What the API answers a request: its checks (key, route, method, task id, query), then the
    /// fault in force for it, then the stored task.
    private func answer(
        _ request: Request, route requested: Route?, taskID requestedTaskID: Int64?, keyStatus: String, logID: Int
    ) async -> (Reply, String?) {
        let route: Route
        let taskID: Int64
        let includeFiles: Bool
        switch Self.check(request, route: requested, taskID: requestedTaskID, keyStatus: keyStatus) {
        case .refused(let reply): return (reply, nil)
        case .accepted(let checkedRoute, let checkedTaskID, let flag):
            (route, taskID, includeFiles) = (checkedRoute, checkedTaskID, flag)
        }
        let fault = takeFault(taskID: taskID, endpoint: route.endpoint)
        if let fault {
            if fault.latency > .zero { await pause(for: fault.latency) }
            if let reply = await faultReply(fault, route: route, taskID: taskID, logID: logID) {
                return (reply, fault.kind.name)
            }
        }
        guard let task = store.tasks[taskID] else {
            let detail = route.endpoint == .stepDocument ? "Document not found for step" : "Task not found"
            return (Self.detail(404, detail), fault?.kind.name)
        }
        var response = served(task, route: route, taskID: taskID, includeFiles: includeFiles, fault: fault)
        if fault?.value == .truncatedBody, response.status == 200 { response.truncate = true }
        return (response, fault?.kind.name)
    }

    /// The outcome of a request's checks.
    private enum Checked {
        /// Refused with this reply (401, 404, 405 or a 422 validation error).
        case refused(Reply)
        /// Accepted: the route, the task id, and `include_files`.
        case accepted(Route, Int64, Bool)
    }

    /// The API's checks, in the order it makes them: the key, the route, the method, the task id,
    /// the query.
    private static func check(_ request: Request, route: Route?, taskID: Int64?, keyStatus: String) -> Checked {
        switch keyStatus {
        case "missing": return .refused(detail(401, "Missing API key"))
        case "invalid": return .refused(detail(401, "Invalid API key"))
        default: break
        }
        guard let route else { return .refused(detail(404, "Not Found")) }
        guard request.method == .get else { return .refused(detail(405, "Method Not Allowed")) }
        guard let taskID else {
            return .refused(
                validation(
                    location: ["path", "task_id"], message: "value is not a valid integer", type: "type_error.integer"))
        }
        var includeFiles = false
        if route.endpoint == .approvalDetails, let raw = request.uri.queryParameters["include_files"] {
            guard let flag = parseBool(String(raw)) else {
                return .refused(
                    validation(
                        location: ["query", "include_files"], message: "value could not be parsed to a boolean",
                        type: "type_error.bool"))
            }
            includeFiles = flag
        }
        return .accepted(route, taskID, includeFiles)
    }

    /// The reply a fault gives instead of the stored data (`nil` for faults that change the data
    /// rather than replace it).
    private func faultReply(_ fault: SimulatedFault, route: Route, taskID: Int64, logID: Int) async -> Reply? {
        switch fault.value {
        case .status(let status):
            return Self.detail(status, fault.detail ?? Self.documentedDetail(status, route.endpoint))
        case .rateLimited(let seconds):
            var reply = Self.detail(429, fault.detail ?? "Rate limit exceeded")
            reply.retryAfter = "\(seconds)"
            return reply
        case .hang:
            update(logID, status: nil, fault: SimulatedFault.Kind.hang.name)
            await pause(for: fault.hangLimit ?? configuration.hangLimit)
            return Self.detail(504, "simulated hang ended")
        case .invalidJSON:
            return Reply(status: 200, bytes: Array(#"{"task_id": \#(taskID), "detail": <html>Bad Gateway</html>"#.utf8))
        default:
            return nil
        }
    }

    /// The stored task's part the route asks for (with fresh presigned links, expired ones under
    /// an `expired_urls` fault, a longer `total_files` under an `extra_files` one).
    private func served(_ task: StoredTask, route: Route, taskID: Int64, includeFiles: Bool, fault: SimulatedFault?)
        -> Reply
    {
        let expired = fault?.value == .expiredURLs
        switch route.endpoint {
        case .approvalDetails:
            guard task.atApprovalStep else { return Self.detail(409, "Task is not at a pending approval step") }
            var body = task.details
            if includeFiles {
                // A saved snapshot without `files` is served without them, so that it round-trips.
                if let files = task.details["files"]?.array {
                    body["files"] = .array(files.map { presign($0, taskID: taskID, expired: expired) })
                }
            } else {
                body["files"] = nil
            }
            return Self.json(200, .object(body))
        case .task:
            return Self.json(200, .object(["task": .object(task.task)]))
        case .taskFiles:
            var body = task.taskFiles
            let all = body["files"]?.array ?? []
            let listed = Array(all.prefix(Self.filesListingLimit))
            body["files"] = .array(listed)
            var total = max(Int(clamping: body["total_files"]?.integer ?? Int64(all.count)), all.count)
            if case .extraFiles(let requested)? = fault?.value { total = requested ?? (all.count + 5) }
            body["total_files"] = .integer(Int64(total))
            return Self.json(200, .object(body))
        case .signedDocuments:
            var body = task.signedDocuments
            let documents = (body["documents"]?.array ?? []).map { presign($0, taskID: taskID, expired: expired) }
            body["documents"] = .array(documents)
            if body["total"] == nil { body["total"] = .integer(Int64(documents.count)) }
            return Self.json(200, .object(body))
        default:
            return stepDocument(task, stepID: route.stepID ?? "", expired: expired)
        }
    }

    /// The API lists at most this many files (`total_files` has the real count).
    static let filesListingLimit = 10

    private func stepDocument(_ task: StoredTask, stepID: String, expired: Bool) -> Reply {
        if let document = task.stepDocuments[stepID] {
            guard case .object = document else {
                return Self.detail(501, "Document not available for this step")
            }
            return Self.json(200, presign(document, taskID: task.taskID, expired: expired))
        }
        let generated = (task.taskFiles["files"]?.array ?? []).first { file in
            file["step_id"]?.string == stepID && (file["variable_id"] == nil || file["variable_id"]?.isNull == true)
        }
        if let generated {
            var document = JSONObject()
            document["file_id"] = generated["file_id"] ?? .null
            document["download_url"] = .string("")
            document["file_name"] = generated["file_name"] ?? .null
            document["expires_at"] = .null
            var presigned = presign(.object(document), taskID: task.taskID, expired: expired)
            if case .object(var object) = presigned {
                object["file_id"] = nil
                presigned = .object(object)
            }
            return Self.json(200, presigned)
        }
        if task.knownSteps.contains(stepID) { return Self.detail(501, "Document not available for this step") }
        return Self.detail(404, "Document not found for step")
    }

    /// Waits, returning early when the simulator stops.
    func pause(for duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end, !isStopping {
            let step = min(end - clock.now, .milliseconds(20))
            do { try await Task.sleep(for: step) } catch { return }
        }
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on", "t", "y": return true
        case "false", "0", "no", "off", "f", "n": return false
        default: return nil
        }
    }

    /// The `detail` the API documents for a status on an endpoint.
    static func documentedDetail(_ status: Int, _ endpoint: SimulatedEndpoint) -> String {
        switch status {
        case 401: return "Invalid API key"
        case 403: return "Not authorized to access this task"
        case 404: return endpoint == .stepDocument ? "Document not found for step" : "Task not found"
        case 409: return "Task is not at a pending approval step"
        case 422: return "Validation error"
        case 429: return "Rate limit exceeded"
        case 500:
            switch endpoint {
            case .approvalDetails: return "Failed to get approval details"
            case .task: return "Failed to get task"
            case .taskFiles: return "Failed to list task files"
            case .signedDocuments: return "Failed to retrieve signed documents"
            default: return "Failed to download step document"
            }
        case 501: return "Document not available for this step"
        case 502: return "Bad gateway"
        case 503: return "Service unavailable"
        case 504: return "Gateway timeout"
        default: return "Simulated error"
        }
    }

    // MARK: - Responses

    static func json(_ status: Int, _ value: JSONValue) -> Reply {
        Reply(status: status, bytes: JSONWriter.compact.bytes(value))
    }

    static func detail(_ status: Int, _ detail: String) -> Reply {
        if status == 422 {
            return validation(location: ["path", "task_id"], message: detail, type: "value_error")
        }
        return json(status, .object(["detail": .string(detail)]))
    }

    static func validation(location: [String], message: String, type: String) -> Reply {
        let issue: JSONValue = .object([
            "loc": .array(location.map(JSONValue.string)), "msg": .string(message), "type": .string(type),
        ])
        return json(422, .object(["detail": .array([issue])]))
    }
}

/// A response before it becomes a Hummingbird `Response`: status, body bytes, extra headers.
struct Reply: Sendable {
    var status: Int
    var bytes: [UInt8]
    var contentType = "application/json"
    var retryAfter: String?
    /// Announce the whole length, send half the body, then close the connection.
    var truncate = false

    init(status: Int, bytes: [UInt8], contentType: String = "application/json") {
        self.status = status
        self.bytes = bytes
        self.contentType = contentType
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if let retryAfter { headers[.retryAfter] = retryAfter }
        let status = HTTPResponse.Status(code: self.status)
        guard truncate else {
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
        headers[.contentLength] = "\(bytes.count)"
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: bytes.count) { writer in
                try await writer.write(half)
                // Throwing here makes the server close the connection mid-body.
                throw SimulatorError(code: .invalidData, message: "simulated truncated body")
            })
    }
}
