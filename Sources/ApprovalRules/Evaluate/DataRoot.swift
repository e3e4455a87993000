import ApprovalJSON

/// What an expression is evaluated against: plain JSON data, or an approval snapshot with its views.
enum DataRoot: Sendable {
    case value(JSONValue)
    case snapshot(ApprovalSnapshot)

    /// The value at `path` from the root (`nil` when absent); on a snapshot, `now` is the
    /// evaluation's clock (``ApprovalSnapshot/lookup(_:clock:)``).
    func lookup(_ path: FactPath, clock now: Timestamp?) -> JSONValue? {
        switch self {
        case .value(let value): return value.lookup(path.steps[...])
        case .snapshot(let snapshot): return snapshot.lookup(path, clock: now)
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
