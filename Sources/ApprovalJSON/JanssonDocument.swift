internal import CJansson

/// A borrowed or owned pointer to a jansson value (`json_t *`). Never leaves this module.
typealias JanssonValue = UnsafeMutablePointer<json_t>

/// The single owner of a jansson tree returned by `json_loadb`.
///
/// `~Copyable`, so there is exactly one owner and exactly one `json_decref`. Everything read out
/// of ``root`` is borrowed: valid while the document lives, never stored, returned or released.
struct JanssonDocument: ~Copyable {
    /// New reference from `json_loadb`, owned by this value.
    let root: JanssonValue

    /// Takes ownership of a new reference.
    init(owning root: JanssonValue) {
        self.root = root
    }

    deinit {
        // "json_decref: decrement the reference count ... when the count drops to zero the value
        // is destroyed" (jansson docs). This is the one release of the loaded tree.
        json_decref(root)
    }

    /// Ends ownership without `json_decref`, when the whole tree lives in the current arena scope
    /// (nothing spilled to malloc, see shim.h): leaving the scope frees it all at once, so walking
    /// the tree to free each value one by one would be wasted work. Otherwise releases as usual.
    consuming func releaseIntoArena() {
        if cjansson_arena_holds_everything() == 0 { json_decref(root) }
        discard self
    }
}

// MARK: - Conversion

/// Copies borrowed jansson values into ``JSONValue``, optionally only the parts a
/// ``JSONProjection`` keeps, and enforces the depth limit.
struct JanssonConverter {
    let maxDepth: Int
    /// Whether the parts a projection skips are walked for the depth limit too: needless when
    /// the text cannot nest that deep (``canNest(_:deeperThan:)``) or nothing is skipped.
    let checksSkipped: Bool

    /// Whether `text` may nest arrays and objects deeper than `limit`: nesting is at most the
    /// number of `[` and `{` bytes in it. The usual snapshot has fewer than the limit, and the
    /// parts a projection skips then need no walk.
    static func canNest(_ text: [UInt8], deeperThan limit: Int) -> Bool {
        text.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                cjansson_more_openings_than($0.baseAddress, $0.count, max(limit, 0)) != 0
            }
        }
    }

    /// Thrown inside the recursion; the path is completed on the way out.
    struct DepthExceeded: Error {
        var reversedPath: [String]
    }

    /// Converts `value` (borrowed, valid while its document lives).
    func convert(_ value: JanssonValue, projection: JSONProjection = .all, depth: Int = 1) throws(DepthExceeded)
        -> JSONValue
    {
        switch cjansson_typeof(value) {
        case JSON_OBJECT:
            guard depth <= maxDepth else { throw DepthExceeded(reversedPath: []) }
            return .object(try convertObject(value, projection: projection, depth: depth))
        case JSON_ARRAY:
            guard depth <= maxDepth else { throw DepthExceeded(reversedPath: []) }
            return .array(try convertArray(value, projection: projection, depth: depth))
        case JSON_STRING:
            return .string(Self.string(value))
        case JSON_INTEGER:
            return .integer(Int64(json_integer_value(value)))
        case JSON_REAL:
            return .double(json_real_value(value))
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        default:
            return .null
        }
    }

    private func convertObject(_ object: JanssonValue, projection: JSONProjection, depth: Int) throws(DepthExceeded)
        -> JSONObject
    {
        switch projection {
        case .members(let wanted):
            // Only the requested keys, in the order of the projection. When all are there (the
            // usual case) the object shares the projection's array of keys.
            var values: [JSONValue] = []
            values.reserveCapacity(wanted.keys.count)
            var present: [String]?  // the keys found, once one is missing
            for (at, key) in wanted.keys.enumerated() {
                guard let member = Self.member(object, key) else {
                    if present == nil { present = Array(wanted.keys[..<at]) }
                    continue
                }
                values.append(try convertMember(member, key: key, projection: wanted.projections[at], depth: depth))
                present?.append(key)
            }
            if checksSkipped, json_object_size(object) > values.count {
                try checkSkipped(object, wanted: wanted.keys, depth: depth)
            }
            return JSONObject(uniqueKeys: present ?? wanted.keys, values: values)
        case .matching(let key, let values, let then, let otherwise):
            var chosen = otherwise
            if let selector = Self.member(object, key), cjansson_is_string(selector) != 0,
                values.contains(
                    bytes: UnsafeRawBufferPointer(
                        start: json_string_value(selector), count: json_string_length(selector)),
                    orString: { Self.string(selector) })
            {
                chosen = then
            }
            return try convertObject(object, projection: chosen, depth: depth)
        case .all, .elements:
            var result = JSONObject()
            result.reserveCapacity(json_object_size(object))
            var iterator = json_object_iter(object)
            while let current = iterator {
                // Keys are read with their length, so a key holding U+0000 is kept whole.
                let key = String(
                    decoding: UnsafeRawBufferPointer(
                        start: json_object_iter_key(current), count: json_object_iter_key_len(current)),
                    as: UTF8.self)
                if let member = json_object_iter_value(current) {
                    result.appendUnique(key, try convertMember(member, key: key, projection: .all, depth: depth))
                }
                iterator = json_object_iter_next(object, current)
            }
            return result
        }
    }

    /// Holds the members a projection skips to the depth limit too: a skipped array or object
    /// nested too deep throws as converting it would.
    private func checkSkipped(_ object: JanssonValue, wanted: [String], depth: Int)
        throws(DepthExceeded)
    {
        var iterator = json_object_iter(object)
        while let current = iterator {
            defer { iterator = json_object_iter_next(object, current) }
            guard let member = json_object_iter_value(current),
                cjansson_is_object(member) != 0 || cjansson_is_array(member) != 0
            else { continue }
            let key = String(
                decoding: UnsafeRawBufferPointer(
                    start: json_object_iter_key(current), count: json_object_iter_key_len(current)),
                as: UTF8.self)
            // A wanted member was converted, and checked, already.
            guard !wanted.contains(key), Self.nests(member, deeperThan: maxDepth, depth: depth + 1)
            else { continue }
            _ = try convertMember(member, key: key, projection: .all, depth: depth)
        }
    }

    private func convertMember(_ member: JanssonValue, key: String, projection: JSONProjection, depth: Int)
        throws(DepthExceeded) -> JSONValue
    {
        do {
            return try convert(member, projection: projection, depth: depth + 1)
        } catch {
            var error = error
            error.reversedPath.append(key)
            throw error
        }
    }

    private func convertArray(_ array: JanssonValue, projection: JSONProjection, depth: Int) throws(DepthExceeded)
        -> [JSONValue]
    {
        let count = json_array_size(array)
        var result: [JSONValue] = []
        result.reserveCapacity(count)
        var elementProjection = JSONProjection.all
        if case .elements(let sub) = projection { elementProjection = sub }
        for index in 0..<count {
            guard let element = json_array_get(array, index) else { continue }
            do {
                result.append(try convert(element, projection: elementProjection, depth: depth + 1))
            } catch {
                var error = error
                error.reversedPath.append(String(index))
                throw error
            }
        }
        return result
    }

    /// The member `key` of `object` (borrowed), looked up by the key's bytes and length.
    static func member(_ object: JanssonValue, _ key: String) -> JanssonValue? {
        key.utf8.withContiguousStorageIfAvailable { buffer in
            buffer.withMemoryRebound(to: CChar.self) { json_object_getn(object, $0.baseAddress, $0.count) }
        } ?? json_object_get(object, key)
    }

    /// Whether arrays and objects nest deeper than `limit` anywhere in `value` (the top level is
    /// depth 1): a walk over the containers of the tree jansson built.
    static func nests(_ value: JanssonValue, deeperThan limit: Int, depth: Int = 1) -> Bool {
        switch cjansson_typeof(value) {
        case JSON_OBJECT:
            if depth > limit { return true }
            var iterator = json_object_iter(value)
            while let current = iterator {
                if let member = json_object_iter_value(current), nests(member, deeperThan: limit, depth: depth + 1) {
                    return true
                }
                iterator = json_object_iter_next(value, current)
            }
            return false
        case JSON_ARRAY:
            if depth > limit { return true }
            for index in 0..<json_array_size(value) {
                if let element = json_array_get(value, index), nests(element, deeperThan: limit, depth: depth + 1) {
                    return true
                }
            }
            return false
        default:
            return false
        }
    }

    /// The string's bytes, read with their length (embedded NUL kept). jansson has already checked
    /// they are UTF-8.
    static func string(_ value: JanssonValue) -> String {
        String(
            decoding: UnsafeRawBufferPointer(start: json_string_value(value), count: json_string_length(value)),
            as: UTF8.self)
    }
}
