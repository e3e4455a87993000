import ApprovalJSON

/// Checks the parts of a snapshot a rule set reads, so that a snapshot of the wrong shape yields
/// data problems (and the safe recommendation) instead of a quietly weaker decision.
enum SnapshotValidator {
    /// The variable types the approvals API documents.
    static let variableTypes: Set<String> = [
        "text", "number", "boolean", "date", "email", "file", "select", "multi_select", "user_entity", "business",
        "dynamic_list", "dynamic_table", "number_with_currency", "conversation",
    ]

    private static let approverKeys = ["eligible_approvers_active", "next_eligible_approvers"]

    /// - Parameter variableIDs: the variables the rules read, sorted (computed once per rule set).
    static func problems(in snapshot: ApprovalSnapshot, references: References, variableIDs: [String]) -> [DataProblem] {
        var problems: [DataProblem] = []
        func add(_ code: String, _ message: String, _ path: String?) {
            problems.append(DataProblem(code: code, message: message, path: path, ruleID: nil))
        }
        let document = snapshot.document
        guard case .object = document else {
            add("malformed_snapshot", "the snapshot is \(document.typeName), not an object", "")
            return problems
        }
        let checksVariables = !references.variableIDs.isEmpty || references.readsEverything
        if checksVariables {
            var anyListing = false
            for source in SnapshotVariable.Source.allCases {
                guard let listing = document.lookup(source.path[...]) else { continue }
                var pointer: String { "/" + source.path.joined(separator: "/") }
                guard case .array(let entries) = listing else {
                    add("malformed_snapshot", "\(source.path.joined(separator: ".")) is \(listing.typeName), not an array", pointer)
                    continue
                }
                anyListing = true
                for (index, entry) in entries.enumerated() {
                    guard case .object(let object) = entry else {
                        add("malformed_snapshot", "variable entry is \(entry.typeName), not an object", "\(pointer)/\(index)")
                        continue
                    }
                    if case .string? = object["variable_id"] { continue }
                    add("malformed_snapshot", "variable entry has no string variable_id", "\(pointer)/\(index)")
                }
            }
            if !anyListing {
                add("malformed_snapshot", "the snapshot has no variables_to_approve array", "/variables_to_approve")
            }
            for id in variableIDs {
                guard let variable = snapshot.variables[id] else { continue }
                if let problem = check(variable) { problems.append(problem) }
            }
        }
        if references.readsApprovers || references.readsEverything {
            for key in approverKeys {
                guard let value = document[key] else {
                    if key == "eligible_approvers_active" { add("missing_fact", "the snapshot has no \(key)", "/\(key)") }
                    continue
                }
                guard case .array(let approvers) = value else {
                    add("malformed_snapshot", "\(key) is \(value.typeName), not an array", "/\(key)")
                    continue
                }
                for (index, approver) in approvers.enumerated() where approver.string == nil {
                    add("malformed_snapshot", "approver is \(approver.typeName), not an e-mail string", "/\(key)/\(index)")
                }
            }
        }
        if references.readsFiles || references.readsEverything {
            if let value = document["files"], value.array == nil {
                add("malformed_snapshot", "files is \(value.typeName), not an array", "/files")
            }
            if let listing = document["task_files"] {
                if let files = listing["files"], files.array == nil {
                    add("malformed_snapshot", "task_files.files is \(files.typeName), not an array", "/task_files/files")
                }
                if let total = listing["total_files"], total.integer == nil {
                    add("malformed_snapshot", "task_files.total_files is \(total.typeName), not an integer", "/task_files/total_files")
                }
            }
        }
        return problems
    }

    /// A problem when a variable's value does not fit its declared type.
    static func check(_ variable: SnapshotVariable) -> DataProblem? {
        var pointer: String { variable.pointer.description }
        guard let type = variable.type else {
            return DataProblem(code: "malformed_snapshot", message: "variable \(variable.id) has no variable_type", path: pointer, ruleID: nil)
        }
        guard variableTypes.contains(type) else {
            return DataProblem(
                code: "unknown_variable_type", message: "variable \(variable.id) has unknown type \"\(type)\"", path: pointer,
                ruleID: nil)
        }
        let value = variable.value
        if value.isNull { return nil }  // missing: reported by required facts and approve checks
        let fits: Bool
        switch type {
        case "number": fits = DecimalNumber(value) != nil
        case "number_with_currency": fits = Money.amount(value) != nil
        case "boolean": fits = value.bool != nil
        case "date": fits = value.string.flatMap { Timestamp(iso8601: $0) } != nil
        case "email": fits = value.string.flatMap(Email.domain) != nil
        case "text", "select": fits = value.string != nil
        case "multi_select": fits = value.array != nil
        case "file": fits = value.string != nil || value.array != nil
        default: fits = true
        }
        guard fits else {
            return DataProblem(
                code: "wrong_type",
                message: "variable \(variable.id) is declared \(type) but its value is \(value.typeName) \(TraceText.value(value))",
                path: pointer + "/value", ruleID: nil)
        }
        return nil
    }
}
