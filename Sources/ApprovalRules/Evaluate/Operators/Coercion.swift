import ApprovalJSON

/// JSON Logic's value conversions, in one place: truthiness, numbers, strings, equality and order.
///
/// The rules follow JavaScript, which JSON Logic was defined in, where that is well defined, and the
/// json-logic org's compatibility suite where JavaScript is not (it raises `NaN` instead of
/// comparing an array with a number, for instance). Strings compare by Unicode code point (their
/// UTF-8 bytes); JavaScript compares UTF-16 code units, which orders differently only characters
/// beyond U+FFFF against U+E000–U+FFFF.
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
