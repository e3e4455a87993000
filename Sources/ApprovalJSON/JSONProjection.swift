/// Which parts of a document to copy out of jansson, for callers that need a few facts from a
/// large input (the fast path of a dry run).
///
/// The parser still checks the whole text; only the conversion to ``JSONValue`` is selective.
/// Where the document's shape differs from what the projection expects (an array where it expects
/// an object, say), the value is copied whole, so a caller sees exactly the same wrong shape it
/// would see on the full value.
///
/// ```swift
/// let wanted = JSONProjection.fields([
///     "task_id": .all,
///     "variables_to_approve": .elements(
///         .matching(key: "variable_id", values: ["contract_value"], then: .all,
///                   otherwise: .fields(["variable_id": .all]))),
/// ])
/// let partial = try JSONParser().parse(bytes, projection: wanted)
/// ```
public indirect enum JSONProjection: Sendable, Hashable {
    /// Copy the value whole.
    case all
    /// For an object: copy only these members (each with its own projection), in key order.
    case members(Members)
    /// For an array: copy every element with this projection.
    case elements(JSONProjection)
    /// For an object: when its member `key` is a string in `values` use `then`, else `otherwise`.
    case matching(key: String, values: Strings, then: JSONProjection, otherwise: JSONProjection)

    /// The strings a ``matching(key:values:then:otherwise:)`` selects, prepared once so that each
    /// object is tested on jansson's bytes, without making a `String` or hashing one.
    ///
    /// ```swift
    /// let ids: JSONProjection.Strings = ["contract_value", "vendor_name"]
    /// ids.contains("vendor_name")  // true
    /// ```
    public struct Strings: Sendable, Hashable, ExpressibleByArrayLiteral {
        /// The strings.
        package let set: Set<String>
        /// Their bytes one after the other, and where each ends; `nil` when some are not ASCII
        /// (for ASCII text on both sides equal bytes are equal strings; otherwise `String`
        /// equality, canonical equivalence: U+212A KELVIN SIGN equals "K", decides) or when there
        /// are more than ``scanLimit`` (hashing then beats comparing them one by one).
        let asciiBytes: [UInt8]?
        let ends: [Int]

        /// The strings of `set`.
        public init(_ set: Set<String>) {
            self.set = set
            var bytes: [UInt8] = []
            var ends: [Int] = []
            for value in set.sorted() {
                bytes.append(contentsOf: value.utf8)
                ends.append(bytes.count)
            }
            asciiBytes = set.count <= Self.scanLimit && bytes.allSatisfy { $0 < 0x80 } ? bytes : nil
            self.ends = ends
        }

        /// A value written as a Swift literal.
        public init(arrayLiteral elements: String...) { self.init(Set(elements)) }

        /// The most strings compared byte by byte.
        static let scanLimit = 16

        /// Whether `text` is one of the strings.
        public func contains(_ text: String) -> Bool { set.contains(text) }

        /// Whether the UTF-8 text in `bytes` is one of the strings; `make` builds it as a `String`
        /// when bytes alone cannot tell.
        func contains(bytes: UnsafeRawBufferPointer, orString make: () -> String) -> Bool {
            guard let asciiBytes, !bytes.contains(where: { $0 >= 0x80 }) else {
                return set.contains(make())
            }
            return asciiBytes.withUnsafeBufferPointer { all in
                var start = 0
                for end in ends {
                    defer { start = end }
                    if end - start == bytes.count, UnsafeBufferPointer(rebasing: all[start..<end]).elementsEqual(bytes)
                    {
                        return true
                    }
                }
                return false
            }
        }

        /// Whether `lhs` and `rhs` are the same.
        public static func == (lhs: Strings, rhs: Strings) -> Bool { lhs.set == rhs.set }
        /// Hashes what `==` compares.
        public func hash(into hasher: inout Hasher) { hasher.combine(set) }
    }

    /// The members a ``members(_:)`` projection copies: unique keys in order, each with the
    /// projection of its value. The keys are one array, which every object copied with all of
    /// them present shares (one allocation fewer per object).
    ///
    /// ```swift
    /// let wanted = JSONProjection.Members([("file_id", .all), ("variable_id", .all)])
    /// wanted.keys  // ["file_id", "variable_id"]
    /// ```
    public struct Members: Sendable, Hashable {
        /// The keys, in the order members are copied.
        package let keys: [String]
        /// The projection of each key's value, in the order of ``keys``.
        package let projections: [JSONProjection]

        /// These members; a repeated key keeps its first projection.
        public init(_ members: [(String, JSONProjection)]) {
            var keys: [String] = []
            var projections: [JSONProjection] = []
            for (key, projection) in members where !keys.contains(key) {
                keys.append(key)
                projections.append(projection)
            }
            self.keys = keys
            self.projections = projections
        }
    }

    /// Members from a dictionary, in sorted key order so the result does not depend on hashing.
    public static func fields(_ wanted: [String: JSONProjection]) -> JSONProjection {
        .members(Members(wanted.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    /// A text that equal projections share, in every process (unlike `hashValue`, which is seeded
    /// per process): what a cache of projected values is keyed by. `*` copies everything,
    /// `{"key":P,...}` members, `[P]` elements, `("key"="value",...?P:P)` a choice.
    ///
    /// ```swift
    /// JSONProjection.fields(["task_id": .all]).fingerprint  // {"task_id":*}
    /// ```
    public var fingerprint: String {
        func quoted(_ text: String) -> String {
            var quoted = "\""
            for character in text.unicodeScalars {
                if character == "\"" || character == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(character)
            }
            return quoted + "\""
        }
        switch self {
        case .all: return "*"
        case .members(let members):
            let pairs = zip(members.keys, members.projections).map { quoted($0) + ":" + $1.fingerprint }
            return "{" + pairs.joined(separator: ",") + "}"
        case .elements(let sub): return "[" + sub.fingerprint + "]"
        case .matching(let key, let values, let then, let otherwise):
            let choices = values.set.sorted().map { quoted(key) + "=" + quoted($0) }.joined(separator: ",")
            return "(" + choices + "?" + then.fingerprint + ":" + otherwise.fingerprint + ")"
        }
    }

    /// Whether `lhs` and `rhs` are the same.
    public static func == (lhs: JSONProjection, rhs: JSONProjection) -> Bool {
        switch (lhs, rhs) {
        case (.all, .all): return true
        case (.members(let a), .members(let b)): return a == b
        case (.elements(let a), .elements(let b)): return a == b
        case (.matching(let k1, let v1, let t1, let o1), .matching(let k2, let v2, let t2, let o2)):
            return k1 == k2 && v1 == v2 && t1 == t2 && o1 == o2
        default: return false
        }
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .all: hasher.combine(0)
        case .members(let members):
            hasher.combine(1)
            hasher.combine(members)
        case .elements(let sub):
            hasher.combine(2)
            hasher.combine(sub)
        case .matching(let key, let values, let then, let otherwise):
            hasher.combine(3)
            hasher.combine(key)
            hasher.combine(values)
            hasher.combine(then)
            hasher.combine(otherwise)
        }
    }
}
