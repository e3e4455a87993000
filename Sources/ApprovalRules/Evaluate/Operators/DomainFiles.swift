import ApprovalJSON

/// Files, named lists and separation of duties.
extension Operators {
    static let files: [OperatorSpec] = [
        OperatorSpec(
            ["has_file"], arity: 1...1, pure: false,
            summary: "a file is attached for the variable; raises Incomplete Data when the listing cannot tell"
        ) { call throws(CompileProblem) in
            guard case .string(let text)? = call.argument(0).constant else {
                throw CompileProblem(.invalidArgument, "\"has_file\" takes a variable id as a string literal", at: call.argument(0).path)
            }
            let id = VariableID(text)
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    let result = try hasFile(id, context)
                    context.record(call.path, "file attached for \(text)", .bool(result))
                    return result
                })
        }
    ]

    /// Whether a file is attached for variable `id`. "Absent" is concluded only from a complete
    /// listing: no listing at all, or one whose `total_files` exceeds what it lists, raises.
    static func hasFile(_ id: VariableID, _ context: borrowing EvaluationContext) throws(LogicError) -> Bool {
        switch context.root {
        case .snapshot(let snapshot):
            if snapshot.hasFiles(id) { return true }
            if !snapshot.hasFilesListing {
                throw .domain("Incomplete Data", "the snapshot has no files listing (fetch with include_files=true)")
            }
            if snapshot.filesListingIncomplete {
                throw .domain("Incomplete Data", "the files listing is incomplete (total_files exceeds the files listed)")
            }
            return false
        case .value(let data):
            guard case .array(let files)? = data["files"] else {
                throw .domain("Incomplete Data", "the data has no files listing")
            }
            return files.contains { $0["variable_id"]?.string == id.text }
        }
    }

    static let lists: [OperatorSpec] = [
        OperatorSpec(
            ["in_list"], arity: 2...2,
            summary: "the value is in a named list of the document (strings: case and spacing ignored)"
        ) { call throws(CompileProblem) in
            guard case .string(let name)? = call.argument(1).constant else {
                throw CompileProblem(.invalidArgument, "\"in_list\" takes a list name as a string literal", at: call.argument(1).path)
            }
            guard let members = call.declarations.lists[name] else {
                var message = "unknown list \"\(name)\""
                if let guess = Suggestion.closest(to: name, among: call.declarations.lists.keys) {
                    message += "; did you mean \"\(guess)\"?"
                }
                throw CompileProblem(.unknownList, message, at: call.argument(1).path)
            }
            let strings = NormalizedList(members.compactMap(\.string))
            let others = Set(members.filter { $0.string == nil })
            let value = call.argument(0)
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    if context.trace == nil {
                        return try value.withValue(&context) { item in
                            if case .string(let text) = item.pointee { return strings.contains(text) }
                            return others.contains(item.pointee)
                        }
                    }
                    let item = try value.run(&context)
                    let found: Bool
                    if case .string(let text) = item { found = strings.contains(text) } else { found = others.contains(item) }
                    context.record(call.path, "\(value.describe(item)) in list \(name)", .bool(found))
                    return found
                })
        }
    ]

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

    static let duties: [OperatorSpec] = [
        OperatorSpec(
            ["approver_is_owner"], arity: 0...0, pure: false,
            summary: "an active approver is the task's owner (false when the task is not known)"
        ) { call in
            Node(
                path: call.path,
                test: { context throws(LogicError) in
                    // Owner and approvers are read in place: no copies of the addresses.
                    let found: Bool? = context.withRootValue(FactPath.owner) { owner in
                        guard let owner, case .string(let ownerAddress) = owner.pointee else { return nil }
                        return context.withRootValue(FactPath.activeApprovers) { approvers in
                            guard let approvers, case .array(let list) = approvers.pointee else { return false }
                            return list.contains { approver in
                                guard case .string(let address) = approver else { return false }
                                return sameAddress(address, ownerAddress)
                            }
                        }
                    }
                    if context.trace != nil {
                        if found == nil {
                            context.record(call.path, "task owner unknown", false)
                        } else if case .string(let owner)? = context.lookupRoot(FactPath.owner) {
                            context.record(
                                call.path, "task owner \(TraceText.value(.string(owner))) among active approvers",
                                .bool(found ?? false))
                        }
                    }
                    return found ?? false
                })
        },
        unary("is_owner", summary: "the address is the task's owner (false when the task is not known)", pure: false) {
            value, context in
            guard case .string(let owner)? = context.lookupRoot(FactPath.owner), case .string(let address) = value else {
                return false
            }
            return .bool(sameAddress(owner, address))
        },
    ]

    /// Whether two addresses are equal ignoring case (Unicode lower-casing); ASCII text is
    /// compared byte by byte, without lower-cased copies.
    static func sameAddress(_ a: String, _ b: String) -> Bool {
        let ascii: Bool? = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right -> Bool? in
                if left.count != right.count {
                    return left.contains(where: { $0 >= 0x80 }) || right.contains(where: { $0 >= 0x80 }) ? nil : false
                }
                var equal = true
                for index in 0..<left.count {
                    let (x, y) = (left[index], right[index])
                    if x >= 0x80 || y >= 0x80 { return nil }
                    if x != y && Email.lowercase(x) != Email.lowercase(y) { equal = false }
                }
                return equal
            } ?? nil
        } ?? nil
        return ascii ?? (a.lowercased() == b.lowercased())
    }
}

/// The string members of a named list, normalised (``Operators/normalizedListEntry(_:)``), for
/// `in_list`: ASCII text is normalised into a stack buffer and looked up in an open-addressing
/// table by an FNV-1a hash, with no allocation; other text takes the Unicode path and a `Set`.
struct NormalizedList: Sendable {
    /// Every member, normalised.
    private let members: Set<String>
    /// The ASCII normalised members, and the table over them: `slots` holds an index into
    /// `keys` (or -1), at the position of its hash (linear probing).
    private let keys: [[UInt8]]
    private let hashes: [UInt64]
    private let slots: [Int]

    init(_ strings: [String]) {
        members = Set(strings.map(Operators.normalizedListEntry))
        let ascii = members.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.sorted().map { Array($0.utf8) }
        var size = 8
        while size < ascii.count * 2 { size *= 2 }
        var slots = Array(repeating: -1, count: size)
        var hashes: [UInt64] = []
        for (index, key) in ascii.enumerated() {
            var hash = Self.seed
            for byte in key { Self.mix(&hash, byte) }
            hashes.append(hash)
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot] != -1 { slot = (slot + 1) & (size - 1) }
            slots[slot] = index
        }
        self.keys = ascii
        self.hashes = hashes
        self.slots = slots
    }

    private static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    private static func mix(_ hash: inout UInt64, _ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// Whether `text`, normalised, is a member.
    func contains(_ text: String) -> Bool {
        let found: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            guard bytes.count <= 256 else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(bytes.count, 1)) { buffer -> Bool? in
                var hash = Self.seed
                guard let count = Operators.normalizeASCII(bytes, into: buffer, { Self.mix(&hash, $0) }) else { return nil }
                let normalized = UnsafeBufferPointer(rebasing: buffer[..<count])
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != -1 {
                    let index = slots[slot]
                    if hashes[index] == hash, keys[index].withUnsafeBufferPointer({ $0.elementsEqual(normalized) }) {
                        return true
                    }
                    slot = (slot + 1) & mask
                }
                return false
            }
        } ?? nil
        return found ?? members.contains(Operators.normalizedListEntry(text))
    }
}
