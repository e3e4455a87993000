import ApprovalJSON

/// Named lists: `in_list`, `near_list`, and how list entries are matched.
extension Operators {
    static let lists: [OperatorSpec] = [
        OperatorSpec(
            ["in_list"], arity: 2...2,
            summary: "the value is in a named list of the document (strings as the list's match says: names by default)"
        ) { call throws(CompileProblem) in
            let (name, list) = try namedList(call, operator: "in_list")
            let value = call.argument(0)
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    if context.trace == nil {
                        return try value.withValue(&context) { item throws(LogicError) in
                            if case .string(let text) = item.pointee { return try list.contains(text: text) }
                            return list.contains(other: item.pointee)
                        }
                    }
                    let item = try value.run(&context)
                    let found = try list.contains(item)
                    context.record(
                        call.path, "\(value.describe(item)) on the \(Readable.words(name)) list", .bool(found),
                        negation: "not on the \(Readable.words(name)) list")
                    return found
                })
        },
        OperatorSpec(
            ["near_list"], arity: 3...3,
            summary: "the string is within a few edits of a named list's entry, compared as the list matches names; "
                + "{{near_list.<list>}} in a message names that entry"
        ) { call throws(CompileProblem) in
            let (name, list) = try namedList(call, operator: "near_list")
            guard case .integer(let most)? = call.argument(2).constant,
                (0...Int64(ListMatcher.maxNearDistance)).contains(most)
            else {
                throw CompileProblem(
                    .invalidArgument,
                    "\"near_list\" takes the most edits as an integer literal from 0 to \(ListMatcher.maxNearDistance)",
                    at: call.argument(2).path)
            }
            let value = call.argument(0)
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    let item = try value.run(&context)
                    let near = list.nearest(item, maxDistance: Int(most))
                    if let near { context.noteNearMatch(list: name, entry: near.entry) }
                    if context.trace != nil {
                        let found =
                            near.map {
                                " (\(TraceText.value(.string($0.entry))), \($0.distance) edit\($0.distance == 1 ? "" : "s"))"
                            } ?? ""
                        let list = Readable.words(name)
                        context.record(
                            call.path,
                            "\(value.describe(item)) within \(most) edits of an entry on the \(list) list\(found)",
                            .bool(near != nil), negation: "not close to an entry on the \(list) list")
                    }
                    return near != nil
                })
        },
    ]

    /// The list an `in_list` or `near_list` call names (its second argument, a string literal).
    private static func namedList(_ call: OperatorCall, operator name: String) throws(CompileProblem) -> (
        String, ListMatcher
    ) {
        guard case .string(let listName)? = call.argument(1).constant else {
            throw CompileProblem(
                .invalidArgument, "\"\(name)\" takes a list name as a string literal", at: call.argument(1).path)
        }
        guard let list = call.declarations.lists[listName] else {
            var message = "unknown list \"\(listName)\""
            if let guess = Suggestion.closest(to: listName, among: call.declarations.lists.keys) {
                message += "; did you mean \"\(guess)\"?"
            }
            throw CompileProblem(.unknownList, message, at: call.argument(1).path)
        }
        return (listName, ListMatcher(list))
    }

    /// Lower case, inner white space collapsed to one space, trimmed. ASCII text takes one pass
    /// without intermediate strings; other text goes through Unicode lower-casing.
    static func normalizedListEntry(_ text: String) -> String {
        var text = text
        let ascii: String? = text.withUTF8 { bytes -> String? in
            var isASCII = true
            let text = String(unsafeUninitializedCapacity: bytes.count) { output in
                guard let count = normalizeASCII(bytes, into: output) else {
                    isASCII = false
                    return 0
                }
                return count
            }
            return isASCII ? text : nil
        }
        if let ascii { return ascii }
        // Beyond ASCII: drop invisible format characters (zero-width joiners, bidi marks), fold
        // fullwidth forms to ASCII, treat every Unicode space (and CR LF) as a separator.
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .format { continue }
            if scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            if (0xFF01...0xFF5E).contains(scalar.value), let folded = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(contentsOf: String(folded).lowercased().unicodeScalars)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// ``normalizedListEntry(_:)`` of ASCII text, written into `output` (at least as long as
    /// `bytes`); the length written, or `nil` (and nothing meaningful written) when the text is not
    /// ASCII. `visit` sees each byte written.
    @inline(__always)
    static func normalizeASCII(
        _ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>,
        _ visit: (UInt8) -> Void = { _ in }
    ) -> Int? {
        var count = 0
        var pendingSpace = false
        for byte in bytes {
            if byte >= 0x80 { return nil }
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = count > 0
                continue
            }
            if pendingSpace {
                output[count] = 0x20
                visit(0x20)
                count += 1
                pendingSpace = false
            }
            let lower = Email.lowercase(byte)
            output[count] = lower
            visit(lower)
            count += 1
        }
        return count
    }
}

/// A named list prepared for `in_list` and `near_list`: its strings normalised once, at compile
/// time, as its ``NamedList/Matching`` says, so that each test is a hash lookup of the tested
/// value's keys; its other members compared as JSON values.
struct ListMatcher: Sendable {
    /// The most edits `near_list` accepts: beyond a few, unrelated names are "near".
    static let maxNearDistance = 3

    private let matching: NamedList.Matching
    /// Every key of every string member (``NameMatching/entryKeys(_:)`` for names).
    private let keys: ByteKeySet
    /// The string members as written, and each one's keys as scalar values, in list order (for
    /// `near_list`).
    private let entries: [String]
    private let entryScalars: [[[UInt32]]]
    /// The members that are not strings.
    private let others: Set<JSONValue>

    init(_ list: NamedList) {
        matching = list.matching
        let strings = list.members.compactMap(\.string)
        let entryKeys: [[String]] = strings.map { text in
            switch list.matching {
            case .name: return NameMatching.entryKeys(text)
            case .text: return [Operators.normalizedListEntry(text)]
            case .exact: return [text]
            }
        }
        self.entries = strings
        self.entryScalars = entryKeys.map { $0.map { NameMatching.scalars(of: $0) } }
        self.keys = ByteKeySet(entryKeys.joined())
        self.others = Set(list.members.filter { $0.string == nil })
    }

    /// The keys `text` is looked up under.
    private func keys(of text: String) -> [String] {
        switch matching {
        case .name: return NameMatching.valueKeys(text)
        case .text: return [Operators.normalizedListEntry(text)]
        case .exact: return [text]
        }
    }

    /// Whether `value` is a member: a string by its keys, anything else as JSON.
    func contains(_ value: JSONValue) throws(LogicError) -> Bool {
        if case .string(let text) = value { return try contains(text: text) }
        return contains(other: value)
    }

    /// Whether the string `text` is a member, by its keys.
    ///
    /// - Throws: ``LogicError`` (`Ambiguous Data`) when a name that matches no entry holds
    ///   bidirectional embedding, override or isolate controls: they reorder how it displays
    ///   ("Black" + U+202E + "egdir" reads as "Blackridge"), which keys in stored order cannot see.
    func contains(text: String) throws(LogicError) -> Bool {
        switch matching {
        case .name:
            switch NameMatching.lookUp(text, in: keys) {
            case .found: return true
            case .notFoundASCII: return false
            case .notFound:
                if Self.reordersDisplay(text) {
                    throw .domain(
                        "Ambiguous Data", "the name holds bidirectional controls that reorder how it displays")
                }
                return false
            }
        case .text: return keys.contains(Operators.normalizedListEntry(text))
        case .exact: return keys.contains(text)
        }
    }

    /// Whether a value that is not a string is a member.
    func contains(other value: JSONValue) -> Bool { others.contains(value) }

    /// Whether `text` holds a bidirectional embedding, override or isolate control (U+202A-202E,
    /// U+2066-2069). A byte test first: every one of them is encoded starting E2 80 or E2 81.
    static func reordersDisplay(_ text: String) -> Bool {
        guard text.utf8.contains(0xE2) else { return false }
        return text.unicodeScalars.contains {
            (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }
    }

    /// The string member closest to `value` within `maxDistance` edits, if any (a string value only).
    func nearest(_ value: JSONValue, maxDistance: Int) -> (entry: String, distance: Int)? {
        guard case .string(let text) = value else { return nil }
        guard
            let found = NameMatching.nearest(
                valueKeys: keys(of: text), prepared: entryScalars, maxDistance: maxDistance)
        else { return nil }
        return (entries[found.index], found.distance)
    }
}
