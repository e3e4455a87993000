import ApprovalJSON

/// Files, named lists and separation of duties.
extension Operators {
    static let files: [OperatorSpec] = [
        OperatorSpec(
            ["has_file"], arity: 1...1, pure: false,
            summary: "a file is attached for the variable; raises Incomplete Data when the listing cannot tell"
        ) { call throws(CompileProblem) in
            guard case .string(let id)? = call.argument(0).constant else {
                throw CompileProblem(.invalidArgument, "\"has_file\" takes a variable id as a string literal", at: call.argument(0).path)
            }
            return Node(path: call.path) { context throws(LogicError) in
                let result = JSONValue.bool(try hasFile(id, context))
                context.record(call.path, "file attached for \(id)", result)
                return result
            }
        }
    ]

    /// Whether a file is attached for variable `id`. "Absent" is concluded only from a complete
    /// listing: no listing at all, or one whose `total_files` exceeds what it lists, raises.
    static func hasFile(_ id: String, _ context: EvaluationContext) throws(LogicError) -> Bool {
        switch context.root {
        case .snapshot(let snapshot):
            if let files = snapshot.filesByVariable[id], !files.isEmpty { return true }
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
            return files.contains { $0["variable_id"]?.string == id }
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
            let strings = Set(members.compactMap { $0.string.map(normalizedListEntry) })
            let others = Set(members.filter { $0.string == nil })
            let value = call.argument(0)
            return Node(path: call.path) { context throws(LogicError) in
                let item = try value.run(&context)
                let found: Bool
                if case .string(let text) = item { found = strings.contains(normalizedListEntry(text)) } else { found = others.contains(item) }
                context.record(call.path, "\(value.describe(item)) in list \(name)", .bool(found))
                return .bool(found)
            }
        }
    ]

    /// Lower case, inner white space collapsed to one space, trimmed. ASCII text takes one pass
    /// without intermediate strings; other text goes through Unicode lower-casing.
    static func normalizedListEntry(_ text: String) -> String {
        var text = text
        let ascii: String? = text.withUTF8 { bytes -> String? in
            if bytes.contains(where: { $0 >= 0x80 }) { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { output in
                var count = 0
                var pendingSpace = false
                for byte in bytes {
                    if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                        pendingSpace = count > 0
                        continue
                    }
                    if pendingSpace {
                        output[count] = 0x20
                        count += 1
                        pendingSpace = false
                    }
                    output[count] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
                    count += 1
                }
                return count
            }
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

    static let duties: [OperatorSpec] = [
        OperatorSpec(
            ["approver_is_owner"], arity: 0...0, pure: false,
            summary: "an active approver is the task's owner (false when the task is not known)"
        ) { call in
            Node(path: call.path) { context throws(LogicError) in
                guard case .string(let owner)? = context.lookupRoot(FactPath.owner) else {
                    context.record(call.path, "task owner unknown", false)
                    return false
                }
                let approvers = context.lookupRoot(FactPath.activeApprovers)?.array ?? []
                let found = approvers.contains { $0.string?.lowercased() == owner.lowercased() }
                context.record(call.path, "task owner \(TraceText.value(.string(owner))) among active approvers", .bool(found))
                return .bool(found)
            }
        },
        unary("is_owner", summary: "the address is the task's owner (false when the task is not known)", pure: false) {
            value, context in
            guard case .string(let owner)? = context.lookupRoot(FactPath.owner), case .string(let address) = value else {
                return false
            }
            return .bool(owner.lowercased() == address.lowercased())
        },
    ]
}
