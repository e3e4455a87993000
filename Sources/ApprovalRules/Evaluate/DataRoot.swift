import ApprovalJSON

/// What an expression is evaluated against: plain JSON data, or an approval snapshot with its views.
enum DataRoot: Sendable {
    case value(JSONValue)
    case snapshot(ApprovalSnapshot)

    /// The value at `path` from the root (`nil` when absent).
    func lookup(_ path: FactPath) -> JSONValue? {
        switch self {
        case .value(let value): return value.lookup(path.steps[...])
        case .snapshot(let snapshot): return snapshot.lookup(path)
        }
    }

    /// Where the value at `path` is: in the snapshot's storage (read in place) or computed.
    func locate(_ path: FactPath) -> ApprovalSnapshot.Location {
        switch self {
        case .value(let value):
            guard let found = value.lookup(path.steps[...]) else { return .absent }
            return .computed(found)
        case .snapshot(let snapshot): return snapshot.locate(path)
        }
    }

    /// The whole root as one value (for `{"var": ""}`); for a snapshot, the document with its views.
    var wholeValue: JSONValue {
        switch self {
        case .value(let value): return value
        case .snapshot(let snapshot): return snapshot.dataView
        }
    }
}
