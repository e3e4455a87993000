internal import CJansson

/// Reads JSON text with jansson (`json_loadb`, never through `String`) into ``JSONValue``.
///
/// Limits are checked before and after parsing: the size of the input and the nesting depth. A
/// UTF-8 byte order mark at the start is skipped. Errors are ``JSONError`` values with a stable
/// code and the line, column and byte offset of the problem.
///
/// ```swift
/// let snapshot = try JSONParser().parse(contentsOf: "examples/snapshots/basic.json")
/// let rules = try JSONParser(options: .ruleFile).parse(bytes, file: "rules/default.rules.json")
/// ```
public struct JSONParser: Sendable {
    /// How strict to be and how much to accept.
    public struct Options: Sendable, Hashable {
        /// Reject an object that repeats a key (rule files), instead of keeping the last value.
        public var rejectDuplicateKeys: Bool
        /// Accept `\u0000` inside strings.
        public var allowNUL: Bool
        /// The largest input accepted, in bytes.
        public var maxBytes: Int
        /// The deepest nesting of arrays and objects accepted (the top level is depth 1).
        public var maxDepth: Int
        /// Parse in a per-thread arena: jansson's allocations for the document come from a block
        /// that is reused for the next document, instead of a malloc and a free per value (faster
        /// for many documents on long-lived threads: a batch, a service). Off by default: turning it
        /// on routes jansson's process-wide allocation functions through the arena (keeping the
        /// ones that were there for everything else; see `Sources/CJansson/shim.h`).
        public var arena: Bool

        /// Options.
        public init(
            rejectDuplicateKeys: Bool = false, allowNUL: Bool = true, maxBytes: Int = 8 << 20, maxDepth: Int = 64,
            arena: Bool = false
        ) {
            self.rejectDuplicateKeys = rejectDuplicateKeys
            self.allowNUL = allowNUL
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.arena = arena
        }

        /// Snapshots and other data: duplicates keep the last value, 8 MiB, depth 64.
        public static let data = Options()

        /// Rule documents: duplicate keys rejected, 4 MiB, depth 256 (expressions nest).
        public static let ruleFile = Options(rejectDuplicateKeys: true, maxBytes: 4 << 20, maxDepth: 256)
    }

    /// The options in force.
    public var options: Options

    /// A parser with these options.
    public init(options: Options = .data) {
        self.options = options
    }

    // MARK: - Whole values

    /// Parses `bytes` into a value.
    ///
    /// - Parameters:
    ///   - bytes: the JSON text.
    ///   - file: the name to put in error locations.
    /// - Returns: the value.
    /// - Throws: ``JSONError``.
    public func parse(_ bytes: [UInt8], file: String? = nil) throws(JSONError) -> JSONValue {
        try parse(bytes, file: file, projection: .all)
    }

    /// Parses `bytes`, copying out only what `projection` keeps (see ``JSONProjection``).
    ///
    /// - Throws: ``JSONError``.
    public func parse(_ bytes: [UInt8], file: String? = nil, projection: JSONProjection) throws(JSONError)
        -> JSONValue
    {
        guard options.arena else { return try parseAndRelease(bytes, file: file, projection: projection) }
        // jansson's allocations for this one document come from the thread's arena (see
        // shim.h): the tree is copied out and released before the scope ends.
        _ = Self.arenaInstalled
        let scoped = cjansson_arena_enter() != 0
        defer { if scoped { cjansson_arena_leave() } }
        return try parseAndRelease(bytes, file: file, projection: projection)
    }

    /// Parses `bytes` like ``parse(_:file:projection:)``, and also reports every object member
    /// that repeats a key of its object (``JSONRepeatedKey``), wherever it is in the text,
    /// instead of keeping the last value silently. With ``Options/rejectDuplicateKeys`` a repeat
    /// is an error as usual.
    ///
    /// jansson checks for repeats as it builds each object (an extra lookup per key); only a
    /// document that has one is scanned again, to find where each repeat is.
    ///
    /// ```swift
    /// var repeats: [JSONRepeatedKey] = []
    /// let value = try JSONParser().parse(bytes, file: "task.json", repeatedKeys: &repeats)
    /// ```
    ///
    /// - Throws: ``JSONError``.
    public func parse(
        _ bytes: [UInt8], file: String? = nil, projection: JSONProjection = .all, repeatedKeys: inout [JSONRepeatedKey]
    ) throws(JSONError) -> JSONValue {
        repeatedKeys = []
        if options.rejectDuplicateKeys { return try parse(bytes, file: file, projection: projection) }
        var checking = self
        checking.options.rejectDuplicateKeys = true
        do {
            return try checking.parse(bytes, file: file, projection: projection)
        } catch  where error.code == .duplicateKey {
            repeatedKeys = SourceLocator(bytes: bytes, file: file).repeatedKeys()
            if repeatedKeys.isEmpty {
                // The scan should find what jansson found; if it does not, jansson's place stands.
                repeatedKeys = [
                    JSONRepeatedKey(
                        path: .root,
                        location: error.location ?? SourceLocation(file: file, line: 1, column: 1, byteOffset: 0))
                ]
            }
            return try parse(bytes, file: file, projection: projection)
        }
    }

    /// jansson's allocation functions routed through the arena, once per process, before the
    /// first parse that asks for it.
    private static let arenaInstalled: Void = cjansson_arena_install()

    /// Parses, copies out, and releases the jansson tree before returning.
    private func parseAndRelease(_ bytes: [UInt8], file: String?, projection: JSONProjection) throws(JSONError)
        -> JSONValue
    {
        let document = try load(bytes, file: file)
        let value: JSONValue
        let converter = JanssonConverter(
            maxDepth: options.maxDepth,
            checksSkipped: projection != .all && JanssonConverter.canNest(bytes, deeperThan: options.maxDepth))
        do {
            do {
                value = try converter.convert(document.root, projection: projection)
            } catch  where projection != .all {
                // The projection holds skipped parts to the depth limit too; the error is the one
                // converting the whole tree gives (the first too-deep place in document order).
                value = try converter.convert(document.root)
            }
        } catch {
            let path = JSONPointer(tokens: error.reversedPath.reversed())
            let locator = SourceLocator(bytes: bytes, file: file)
            throw JSONError(
                code: .tooDeep,
                message: "nesting deeper than the limit of \(options.maxDepth) levels",
                location: locator.location(of: path), path: path)
        }
        document.releaseIntoArena()
        return value
    }

    /// Reads and parses a file.
    ///
    /// - Throws: ``JSONError`` (`file_not_found`, `unreadable`, `too_large` or a syntax error).
    public func parse(contentsOf path: String) throws(JSONError) -> JSONValue {
        try parse(try FileBytes.read(path, limit: options.maxBytes), file: path)
    }

    // MARK: - jansson

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Runs `json_loadb` and hands the new reference to its one owner.
    private func load(_ bytes: [UInt8], file: String?) throws(JSONError) -> JanssonDocument {
        guard bytes.count <= options.maxBytes else {
            throw JSONError(
                code: .tooLarge,
                message: "input is \(bytes.count) bytes, larger than the limit of \(options.maxBytes) bytes",
                location: SourceLocation(file: file, line: 1, column: 1, byteOffset: 0))
        }
        let start = bytes.starts(with: Self.byteOrderMark) ? Self.byteOrderMark.count : 0
        if bytes[start...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw JSONError(
                code: .emptyInput, message: "the input is empty",
                location: SourceLocator(bytes: bytes, file: file).location(ofByteOffset: bytes.count))
        }
        var flags = CJANSSON_DECODE_ANY
        if options.rejectDuplicateKeys { flags |= CJANSSON_REJECT_DUPLICATES }
        if options.allowNUL { flags |= CJANSSON_ALLOW_NUL }
        var error = json_error_t()
        let root = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                json_loadb(chars.baseAddress.map { $0 + start }, chars.count - start, flags, &error)
            }
        }
        guard let root else {
            throw Self.syntaxError(error, bytes: bytes, skipped: start, file: file)
        }
        return JanssonDocument(owning: root)
    }

    /// Turns a `json_error_t` into a ``JSONError`` (the one funnel for jansson's errors).
    private static func syntaxError(_ error: json_error_t, bytes: [UInt8], skipped: Int, file: String?) -> JSONError {
        var raw = error
        let code: JSONError.Code
        switch json_error_code_t(rawValue: UInt32(cjansson_error_code(&raw))) {
        case json_error_invalid_utf8: code = .invalidUTF8
        case json_error_premature_end_of_input: code = .prematureEnd
        case json_error_end_of_input_expected: code = .trailingContent
        case json_error_null_character, json_error_null_byte_in_key: code = .nulCharacter
        case json_error_duplicate_key: code = .duplicateKey
        case json_error_numeric_overflow: code = .numericOverflow
        case json_error_stack_overflow: code = .tooDeep
        case json_error_out_of_memory: code = .outOfMemory
        default: code = .syntax
        }
        let message = withUnsafeBytes(of: raw.text) { text in
            // The last byte of `text` holds the error code; the message ends at the first NUL.
            let usable = text.prefix(Int(JSON_ERROR_TEXT_LENGTH) - 1)
            return String(decoding: usable.prefix { $0 != 0 }, as: UTF8.self)
        }
        // jansson counts lines from 1 and columns in characters; the offset is in bytes from where
        // we started it (after a skipped byte order mark).
        let location = SourceLocation(
            file: file, line: max(1, Int(raw.line)), column: max(1, Int(raw.column)),
            byteOffset: min(bytes.count, max(0, Int(raw.position)) + skipped))
        return JSONError(code: code, message: message, location: location)
    }
}

/// jansson's `enum json_error_code`, named so the switch above reads clearly.
private typealias json_error_code_t = json_error_code
