import ApprovalJSON

/// The parsed (not yet compiled) form of a JSON Logic expression. Every node knows its place.
indirect enum Expr: Sendable {
    /// A value that evaluates to itself (including objects with other than one key).
    case literal(JSONValue, path: JSONPointer)
    /// An array whose elements are evaluated (`[1, {"var": "x"}]`).
    case array([Expr], path: JSONPointer)
    /// `{"op": args}`. `argumentsWereArray` is false when `args` was given bare (`{"!": true}`).
    case operation(Operation)

    struct Operation: Sendable {
        var name: String
        var arguments: [Expr]
        /// The argument exactly as written, for operators that treat it as data (`preserve`).
        var raw: JSONValue
        var argumentsWereArray: Bool
        var path: JSONPointer
        /// Where the operator's name is (the key), for diagnostics.
        var namePath: JSONPointer { path.appending(name) }
    }

    var path: JSONPointer {
        switch self {
        case .literal(_, let path), .array(_, let path): return path
        case .operation(let operation): return operation.path
        }
    }

    /// Parses JSON into an expression tree. Never fails: unknown operators are left for the
    /// compiler to report, so every problem is found in one pass.
    static func parse(_ value: JSONValue, at path: JSONPointer) -> Expr {
        switch value {
        case .array(let elements):
            return .array(elements.enumerated().map { parse($1, at: path.appending($0)) }, path: path)
        case .object(let object) where object.count == 1:
            let name = object.keys[0]
            let raw = object.values[0]
            let argumentPath = path.appending(name)
            if case .array(let elements) = raw {
                return .operation(
                    Operation(
                        name: name, arguments: elements.enumerated().map { parse($1, at: argumentPath.appending($0)) },
                        raw: raw, argumentsWereArray: true, path: path))
            }
            return .operation(
                Operation(
                    name: name, arguments: [parse(raw, at: argumentPath)], raw: raw, argumentsWereArray: false,
                    path: path))
        default:
            return .literal(value, path: path)
        }
    }
}
