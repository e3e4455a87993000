import ApprovalJSON

/// Files: `has_file`.
extension Operators {
    static let files: [OperatorSpec] = [
        OperatorSpec(
            ["has_file"], arity: 1...1, pure: false,
            summary: "a file is attached for the variable; raises Incomplete Data when the listing cannot tell"
        ) { call throws(CompileProblem) in
            guard case .string(let text)? = call.argument(0).constant else {
                throw CompileProblem(
                    .invalidArgument, "\"has_file\" takes a variable id as a string literal", at: call.argument(0).path)
            }
            let id = VariableID(text)
            let name = Readable.words(text)
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    let result = try hasFile(id, context)
                    // Traced as `contract file attached`; its negation reads `no contract file`.
                    context.record(call.path, "\(name) attached", .bool(result), negation: "no \(name)")
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
                throw .domain(
                    "Incomplete Data", "the files listing is incomplete (total_files exceeds the files listed)")
            }
            return false
        case .value(let data):
            guard case .array(let files)? = data["files"] else {
                throw .domain("Incomplete Data", "the data has no files listing")
            }
            return files.contains { $0["variable_id"]?.string == id.text }
        }
    }
}
