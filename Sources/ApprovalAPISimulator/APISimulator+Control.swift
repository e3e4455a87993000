import ApprovalJSON
import Hummingbird
import NIOCore

/// The control endpoints under `/_sim/`, for tests that drive the executable (no API key):
///
/// | Request | Effect |
/// |---|---|
/// | `GET /_sim/health` | `{"status":"ok","tasks":[...ids]}` |
/// | `GET /_sim/faults` | `{"faults":[...]}`: the faults in force, with remaining `times` |
/// | `POST /_sim/faults` | adds one fault, an array, or `{"faults":[...]}`; answers like `GET` |
/// | `PUT /_sim/faults` | replaces all faults with the body's |
/// | `DELETE /_sim/faults[?task_id=N]` | removes the faults of task N, or all |
/// | `GET /_sim/requests` | `{"requests":[...]}`: what was received, without the key |
/// | `DELETE /_sim/requests` | forgets them |
/// | `GET /_sim/download/...` | a simulated presigned download (403 once expired) |
///
/// A bad fault body is 400 `{"detail": "..."}`.
extension APISimulator {
    func control(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        if path.hasPrefix("/_sim/download/"), method == .get {
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            return download(path: path, query: query).response
        }
        switch (method, path) {
        case (.get, "/_sim/health"):
            return Self.json(200, .object(["status": "ok", "tasks": .array(taskIDs.map(JSONValue.integer))])).response
        case (.get, "/_sim/faults"):
            return faultsReply().response
        case (.post, "/_sim/faults"), (.put, "/_sim/faults"):
            let faults: [SimulatedFault]
            do {
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let bytes = Array(buffer.readableBytesView)
                faults = try SimulatedFault.list(json: try JSONParser().parse(bytes, file: "request body"))
            } catch let error as SimulatorError {
                return Self.json(400, .object(["detail": .string(error.message)])).response
            } catch {
                return Self.json(400, .object(["detail": .string("the body is not valid JSON: \(error)")])).response
            }
            if method == .put { setFaults(faults) } else { addFaults(faults) }
            return faultsReply().response
        case (.delete, "/_sim/faults"):
            if let raw = request.uri.queryParameters["task_id"] {
                guard let taskID = Int64(String(raw)) else {
                    return Self.json(400, .object(["detail": "task_id must be an integer"])).response
                }
                clearFaults(taskID: taskID)
            } else {
                clearFaults()
            }
            return faultsReply().response
        case (.get, "/_sim/requests"):
            return Self.json(200, .object(["requests": .array(requests().map(\.json))])).response
        case (.delete, "/_sim/requests"):
            clearRequests()
            return Self.json(200, .object(["requests": .array([])])).response
        default:
            return Self.json(404, .object(["detail": "Not Found"])).response
        }
    }

    private func faultsReply() -> Reply {
        Self.json(200, .object(["faults": .array(faults().map(\.json))]))
    }
}
