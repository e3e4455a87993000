/// A JSON value that has left jansson: plain Swift data, `Sendable`, safe to keep and share.
///
/// Integers and reals stay apart (`1` is ``integer(_:)``, `1.0` is ``double(_:)``), strings may
/// hold any Unicode scalar including U+0000, and objects keep the order of their keys.
///
/// ```swift
/// let value = try JSONParser().parse(Array(#"{"task_id": 12345, "value": "50000.00"}"#.utf8))
/// value["task_id"]        // .integer(12345)
/// value["value"]?.string  // "50000.00"
/// ```
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in `json_int_t` (64 bits).
    case integer(Int64)
    /// A real number (a JSON number with a fraction or an exponent).
    case double(Double)
    /// A string (any Unicode scalars, including U+0000).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, in the order its keys were written.
    case object(JSONObject)
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` when this is an object, otherwise `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` when this is an array and the index is in range, otherwise `nil`.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    /// The string, when this is a string.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The Boolean, when this is a Boolean.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer, when this is an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, when this is an integer or a real.
    public var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The elements, when this is an array.
    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, when this is an object.
    public var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name: `null`, `boolean`, `integer`, `number`, `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The value at `pointer`, or `nil` when some step of it does not exist.
    public func value(at pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = JSONPointer.arrayIndex(token), index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}

// MARK: - Equality

extension JSONValue: Hashable {
    /// Structural equality: integers and reals are different types (`1 != 1.0`), and objects
    /// compare as unordered sets of members, as JSON defines them.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// A value written as a Swift literal.
    public init(nilLiteral: ()) { self = .null }
    /// A value written as a Swift literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A value written as a Swift literal.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// A value written as a Swift literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A value written as a Swift literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A value written as a Swift literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A value written as a Swift literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON.
    public var description: String { JSONWriter.compact.string(self) }
}
