public import ApprovalJSON

/// One request the simulator received, as `GET /_sim/requests` reports it. The API key itself is
/// never recorded: only whether it was missing, valid or invalid.
///
/// ```swift
/// let seen = simulator.requests()
/// seen.filter { $0.endpoint == .approvalDetails }.count  // 3: two 503s, then a 200
/// ```
public struct SimulatedRequest: Sendable, Hashable {
    /// The sequence number, from 1.
    public var id: Int
    /// The method, e.g. `GET`.
    public var method: String
    /// The path, e.g. `/tasks/12345/files`.
    public var path: String
    /// The query, without `?`.
    public var query: String?
    /// The task addressed, when the path names one.
    public var taskID: Int64?
    /// The endpoint addressed, when known.
    public var endpoint: SimulatedEndpoint?
    /// `missing`, `valid` or `invalid`.
    public var apiKey: String
    /// The status answered; `nil` while in progress, or when the connection was cut (hang,
    /// truncated body).
    public var status: Int?
    /// The fault applied, by kind name.
    public var fault: String?

    /// The JSON form.
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = .integer(Int64(id))
        object["method"] = .string(method)
        object["path"] = .string(path)
        object["query"] = query.map(JSONValue.string) ?? .null
        object["task_id"] = taskID.map(JSONValue.integer) ?? .null
        object["endpoint"] = endpoint.map { .string($0.rawValue) } ?? .null
        object["api_key"] = .string(apiKey)
        object["status"] = status.map { .integer(Int64($0)) } ?? .null
        object["fault"] = fault.map(JSONValue.string) ?? .null
        return .object(object)
    }
}
