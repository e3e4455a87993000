import ApprovalJSON

/// JSON Logic's value conversions, in one place: truthiness, numbers, strings, equality and order.
enum Coercion {
    /// JSON Logic truthiness: `false`, `null`, `0`, `""` and `[]` are false; everything else,
    /// including `{}` and `"0"`, is true.
    @inline(__always)
    static func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .integer(let number): return number != 0
        case .double(let number): return number != 0 && !number.isNaN
        case .string(let text): return !text.isEmpty
        case .array(let elements): return !elements.isEmpty
        case .object: return true
        }
    }
}
