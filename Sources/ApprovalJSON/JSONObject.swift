/// A JSON object that keeps its members in the order they were written.
///
/// Lookups are linear for small objects and hashed for large ones. Keys are unique: setting an
/// existing key replaces its value in place.
///
/// ```swift
/// var object = JSONObject()
/// object["task_id"] = 12345
/// object["recommendation"] = "hold"
/// object.keys  // ["task_id", "recommendation"]
/// ```
public struct JSONObject: Sendable {
    /// The keys, in order.
    public private(set) var keys: [String]
    /// The values, in the order of ``keys``.
    public private(set) var values: [JSONValue]
    private var index: [String: Int]?

    private static let hashedLookupThreshold = 12

    /// An empty object.
    public init() {
        keys = []
        values = []
    }

    /// An object with these members; a repeated key keeps its last value at its first position.
    public init(_ members: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in members { self[key] = value }
    }

    /// Members from keys known to be unique (the parser's, from jansson or a projection) and
    /// their values, in order: the arrays are taken as they are, shared with the caller.
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
        if keys.count > Self.hashedLookupThreshold { rebuildIndex() }
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The members, in order.
    public var members: Zip2Sequence<[String], [JSONValue]> { zip(keys, values) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    /// The value for `key`; assigning `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let at = position(of: key) {
                if let newValue {
                    values[at] = newValue
                } else {
                    keys.remove(at: at)
                    values.remove(at: at)
                    rebuildIndex()
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
                if index != nil {
                    index?[key] = keys.count - 1
                } else if keys.count > Self.hashedLookupThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// Appends a member whose key is known not to be present yet (used by the parser, which gets
    /// unique keys from jansson).
    mutating func appendUnique(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index?[key] = keys.count - 1
        } else if keys.count > Self.hashedLookupThreshold {
            rebuildIndex()
        }
    }

    mutating func reserveCapacity(_ capacity: Int) {
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    private mutating func rebuildIndex() {
        guard keys.count > Self.hashedLookupThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: keys.count)
        for (at, key) in keys.enumerated() { built[key] = at }
        index = built
    }

    /// The members sorted by key (UTF-8 byte order), for output that must not depend on input order.
    public func sortedByKey() -> JSONObject {
        var sorted = JSONObject()
        for at in keys.indices.sorted(by: { keys[$0].precedesInCodePointOrder(keys[$1]) }) {
            sorted.appendUnique(keys[at], values[at])
        }
        return sorted
    }
}

extension JSONObject: Hashable {
    /// Objects are equal when they have the same members, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.keys == rhs.keys { return lhs.values == rhs.values }
        for (key, value) in lhs.members where rhs[key] != value { return false }
        return true
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with ==.
        var combined = 0
        for (key, value) in members {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// A value written as a Swift literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
