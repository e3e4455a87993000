public import ApprovalJSON

/// A fault the simulator injects into matching requests: an error status, a 429, latency, a hang,
/// a broken body, an over-long file count or expired download links.
///
/// A fault applies to one task (`taskID`) or to all, to one endpoint or to all, and to every
/// matching request or only the first `times` of them ("fail the first N requests, then
/// succeed"). Task-specific faults are consulted before global ones; the first match applies.
/// Any fault may add `latency` before it acts.
///
/// The same description works as JSON for `POST /_sim/faults` and `--faults FILE`:
///
/// ```swift
/// let fault = SimulatedFault(.status(503), taskID: 12345, endpoint: .approvalDetails, times: 2)
/// fault.json  // {"kind":"status","status":503,"task_id":12345,"endpoint":"approval-details","times":2}
/// simulator.addFault(fault)
/// ```
public struct SimulatedFault: Sendable, Hashable, CustomStringConvertible {
    /// What the fault does.
    ///
    /// ```swift
    /// let kinds: [SimulatedFault.Kind] = [.status(503), .rateLimited(retryAfterSeconds: 2), .hang, .expiredURLs]
    /// ```
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        enum Value: Sendable, Hashable {
            case status(Int)
            case rateLimited(retryAfterSeconds: Int)
            case latency
            case hang
            case truncatedBody
            case invalidJSON
            case extraFiles(totalFiles: Int?)
            case expiredURLs
        }

        let value: Value
        init(_ value: Value) { self.value = value }

        /// Answer with this status and the documented `detail` body for the endpoint.
        public static func status(_ code: Int) -> Kind { Kind(.status(code)) }
        /// Answer 429 with `Retry-After: seconds`.
        public static func rateLimited(retryAfterSeconds: Int = 1) -> Kind {
            Kind(.rateLimited(retryAfterSeconds: max(0, retryAfterSeconds)))
        }
        /// Answer normally, after the fault's ``SimulatedFault/latency``.
        public static let latency = Kind(.latency)
        /// Never answer (until the simulator stops or its hang limit passes), so the client times out.
        public static let hang = Kind(.hang)
        /// Announce the whole body's length, send half of it, then close the connection.
        public static let truncatedBody = Kind(.truncatedBody)
        /// Answer 200 with a body that is not JSON.
        public static let invalidJSON = Kind(.invalidJSON)
        /// Report `total_files` larger than the files listed (default: the listing plus 5).
        public static func extraFiles(totalFiles: Int? = nil) -> Kind { Kind(.extraFiles(totalFiles: totalFiles)) }
        /// Serve download links whose `expires_at` (and `X-Amz-Date`) lie in the past.
        public static let expiredURLs = Kind(.expiredURLs)

        /// The JSON name: `status`, `rate_limit`, `latency`, `hang`, `truncated_body`,
        /// `invalid_json`, `extra_files`, `expired_urls`.
        public var name: String {
            switch value {
            case .status: return "status"
            case .rateLimited: return "rate_limit"
            case .latency: return "latency"
            case .hang: return "hang"
            case .truncatedBody: return "truncated_body"
            case .invalidJSON: return "invalid_json"
            case .extraFiles: return "extra_files"
            case .expiredURLs: return "expired_urls"
            }
        }

        /// The status answered, for ``status(_:)`` and ``rateLimited(retryAfterSeconds:)``.
        public var status: Int? {
            switch value {
            case .status(let code): return code
            case .rateLimited: return 429
            default: return nil
            }
        }

        /// The name, e.g. `status`.
        public var description: String { name }
    }

    /// What the fault does.
    public var kind: Kind
    /// The task it applies to; `nil` for every task.
    public var taskID: Int64?
    /// The endpoint it applies to; `nil` for every endpoint.
    public var endpoint: SimulatedEndpoint?
    /// How many matching requests it affects before clearing; `nil` for all of them.
    public var times: Int?
    /// A delay before the fault acts (or before the normal answer, for ``Kind/latency``).
    public var latency: Duration
    /// The `detail` of an error body, replacing the documented one.
    public var detail: String?
    /// How long a ``Kind/hang`` lasts at most; `nil` for the simulator's limit.
    public var hangLimit: Duration?

    /// A fault.
    public init(
        _ kind: Kind, taskID: Int64? = nil, endpoint: SimulatedEndpoint? = nil, times: Int? = nil,
        latency: Duration = .zero, detail: String? = nil, hangLimit: Duration? = nil
    ) {
        self.kind = kind
        self.taskID = taskID
        self.endpoint = endpoint
        self.times = times
        self.latency = latency
        self.detail = detail
        self.hangLimit = hangLimit
    }

    var value: Kind.Value { kind.value }

    // MARK: - JSON

    /// Reads a fault from its JSON form.
    ///
    /// ```json
    /// {"kind": "status", "status": 503, "task_id": 12345, "endpoint": "files", "times": 2, "latency_ms": 0}
    /// {"kind": "rate_limit", "retry_after": 2}
    /// {"kind": "latency", "latency_ms": 300}
    /// {"kind": "hang", "hang_ms": 5000}
    /// {"kind": "truncated_body"}   {"kind": "invalid_json"}   {"kind": "expired_urls"}
    /// {"kind": "extra_files", "total_files": 25}
    /// ```
    ///
    /// `kind` may be left out when `status` is given. Unknown members are rejected, so that a
    /// typo does not silently inject nothing.
    ///
    /// - Throws: ``SimulatorError`` with code ``SimulatorError/Code/invalidFault``.
    public init(json: JSONValue) throws(SimulatorError) {
        guard case .object(let object) = json else {
            throw Self.invalid("a fault must be a JSON object, got \(json.typeName)")
        }
        let known: Set<String> = [
            "kind", "status", "task_id", "endpoint", "times", "latency_ms", "detail", "retry_after", "total_files",
            "hang_ms",
        ]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw Self.invalid("unknown member \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        func integer(_ key: String) throws(SimulatorError) -> Int64? {
            guard let value = object[key], !value.isNull else { return nil }
            guard case .integer(let number) = value else {
                throw Self.invalid("\"\(key)\" must be an integer, got \(value.typeName)")
            }
            return number
        }
        let status = try integer("status")
        let name = object["kind"]?.string ?? (status != nil ? "status" : nil)
        guard let name else { throw Self.invalid("missing \"kind\"") }
        switch name {
        case "status":
            guard let status, (100...599).contains(status) else {
                throw Self.invalid("kind \"status\" needs \"status\" between 100 and 599")
            }
            kind = .status(Int(status))
        case "rate_limit", "rate_limited", "429":
            kind = .rateLimited(retryAfterSeconds: Int(clamping: try integer("retry_after") ?? 1))
        case "latency": kind = .latency
        case "hang", "timeout": kind = .hang
        case "truncated_body", "truncated": kind = .truncatedBody
        case "invalid_json", "invalid_body": kind = .invalidJSON
        case "extra_files", "total_files":
            kind = .extraFiles(totalFiles: try integer("total_files").map { Int(clamping: $0) })
        case "expired_urls", "expired": kind = .expiredURLs
        default:
            throw Self.invalid(
                "unknown fault kind \"\(name)\" (known: status, rate_limit, latency, hang, truncated_body, "
                    + "invalid_json, extra_files, expired_urls)")
        }
        taskID = try integer("task_id")
        if let endpointName = object["endpoint"], !endpointName.isNull {
            guard let text = endpointName.string, let endpoint = SimulatedEndpoint(rawValue: text) else {
                throw Self.invalid(
                    "unknown endpoint \(endpointName) (known: "
                        + SimulatedEndpoint.all.map(\.rawValue).joined(separator: ", ") + ")")
            }
            self.endpoint = endpoint
        } else {
            endpoint = nil
        }
        if let count = try integer("times") {
            guard count >= 0 else { throw Self.invalid("\"times\" must not be negative") }
            times = Int(clamping: count)
        } else {
            times = nil
        }
        latency = .milliseconds(max(0, try integer("latency_ms") ?? 0))
        detail = object["detail"]?.string
        hangLimit = try integer("hang_ms").map { .milliseconds(max(0, $0)) }
    }

    /// The JSON form (see ``init(json:)``).
    public var json: JSONValue {
        var object = JSONObject()
        object["kind"] = .string(kind.name)
        switch kind.value {
        case .status(let code): object["status"] = .integer(Int64(code))
        case .rateLimited(let seconds): object["retry_after"] = .integer(Int64(seconds))
        case .extraFiles(let total?): object["total_files"] = .integer(Int64(total))
        default: break
        }
        if let taskID { object["task_id"] = .integer(taskID) }
        if let endpoint { object["endpoint"] = .string(endpoint.rawValue) }
        if let times { object["times"] = .integer(Int64(times)) }
        if latency > .zero { object["latency_ms"] = .integer(Self.milliseconds(latency)) }
        if let detail { object["detail"] = .string(detail) }
        if let hangLimit { object["hang_ms"] = .integer(Self.milliseconds(hangLimit)) }
        return .object(object)
    }

    /// The compact JSON form.
    public var description: String { JSONWriter.compact.string(json) }

    /// Reads one fault, an array of faults, or `{"faults": [...]}`.
    ///
    /// - Throws: ``SimulatorError`` with code ``SimulatorError/Code/invalidFault``.
    public static func list(json: JSONValue) throws(SimulatorError) -> [SimulatedFault] {
        switch json {
        case .array(let elements):
            var faults: [SimulatedFault] = []
            for element in elements { faults.append(try SimulatedFault(json: element)) }
            return faults
        case .object(let object) where object["faults"] != nil && object.count == 1:
            return try list(json: object["faults"] ?? .null)
        default:
            return [try SimulatedFault(json: json)]
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    private static func invalid(_ message: String) -> SimulatorError {
        SimulatorError(code: .invalidFault, message: message)
    }
}
