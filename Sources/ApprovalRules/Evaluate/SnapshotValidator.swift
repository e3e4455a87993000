import ApprovalJSON

/// Checks the parts of a snapshot a rule set reads, so that a snapshot of the wrong shape yields
/// data problems (and the safe recommendation) instead of a quietly weaker decision.
enum SnapshotValidator {
    /// The variable types the approvals API documents (listed once, with what each reads as, in
    /// ``VariableType/apiTypes``).
    static let variableTypes = Set(VariableType.apiTypes.keys)

    /// Checks a snapshot's shape once, when it is indexed; evaluations pick out the findings for
    /// the parts their rules read (``SnapshotFindings/problems(references:variableIDs:)``).
    /// `listings` holds what each of the places variables are listed in holds (as the index looked
    /// it up), `nil` where the snapshot has nothing; `unreadable` the entries of those listings the
    /// index skipped.
    static func findings(
        for document: JSONValue, members: SnapshotMembers,
        listings: [(source: SnapshotVariable.Source, listing: JSONValue?)],
        unreadable: [UnreadableEntry], variables: [SnapshotVariable], repeats: VariableRepeats = VariableRepeats(),
        repeatedKeys: [JSONRepeatedKey] = []
    ) -> SnapshotFindings {
        var findings = SnapshotFindings()
        // A repeated key anywhere makes the text two documents at once: every decision on it
        // reports it, whether or not its rules read that part (see rules/README.md).
        findings.repeatedKeys = repeatedKeys.map { repeatedKeyProblem($0) }
        guard case .object = document else {
            findings.document = problem(.malformedSnapshot, "the snapshot is \(document.typeName), not an object", "")
            return findings
        }
        checkVariableListings(listings, unreadable: unreadable, into: &findings)
        checkVariables(variables, repeats: repeats, into: &findings)
        checkApprovers(of: members, into: &findings)
        checkTask(of: members, into: &findings)
        checkFiles(of: members, variables: variables, into: &findings)
        return findings
    }

    /// A problem of the snapshot as a whole (no rule).
    private static func problem(_ code: DataProblem.Code, _ message: String, _ path: String?) -> DataProblem {
        DataProblem(code: code, message: message, path: path, ruleID: nil)
    }

    /// The `ambiguous_data` problem of a key repeated in its object.
    private static func repeatedKeyProblem(_ repeated: JSONRepeatedKey) -> DataProblem {
        let key = repeated.path.tokens.last ?? ""
        var object = repeated.path
        if !object.tokens.isEmpty { object = JSONPointer(tokens: Array(object.tokens.dropLast())) }
        return problem(
            .ambiguousData,
            "key \(TraceText.value(.string(key))) appears more than once in the object at "
                + "\(object.tokens.isEmpty ? "the top level" : object.description) (again at line "
                + "\(repeated.location.line), column \(repeated.location.column)): readers may disagree on its value",
            repeated.path.description)
    }

    /// Checks the places variables are listed in: each an array of objects with a string
    /// `variable_id` (the entries that are not, the index noted in `unreadable`), and at least one
    /// of them present.
    private static func checkVariableListings(
        _ listings: [(source: SnapshotVariable.Source, listing: JSONValue?)], unreadable: [UnreadableEntry],
        into findings: inout SnapshotFindings
    ) {
        var anyListing = false
        for (source, listing) in listings {
            guard let listing else { continue }
            var pointer: String { "/" + source.path.joined(separator: "/") }
            guard case .array = listing else {
                findings.variableListings.append(
                    problem(
                        .malformedSnapshot,
                        "\(source.path.joined(separator: ".")) is \(listing.typeName), not an array", pointer))
                continue
            }
            anyListing = true
            for entry in unreadable where entry.source == source {
                switch entry.reason {
                case .notObject(let typeName):
                    findings.variableListings.append(
                        problem(
                            .malformedSnapshot, "variable entry is \(typeName), not an object",
                            "\(pointer)/\(entry.index)"))
                case .noStringID:
                    findings.variableListings.append(
                        problem(
                            .malformedSnapshot, "variable entry has no string variable_id", "\(pointer)/\(entry.index)")
                    )
                }
            }
        }
        if !anyListing {
            findings.variableListings.append(
                problem(.malformedSnapshot, "the snapshot has no variables_to_approve array", "/variables_to_approve"))
        }
    }

    /// Checks each variable's value against its type (``check(_:)``), noting the ambiguous ones
    /// and the listings that disagree (`repeats`).
    private static func checkVariables(
        _ variables: [SnapshotVariable], repeats: VariableRepeats, into findings: inout SnapshotFindings
    ) {
        for variable in variables {
            if let ambiguous = repeats.ambiguous[variable.id] {
                findings.variables[variable.id] = ambiguous
                findings.ambiguousVariables.insert(variable.id)
            } else if let found = check(variable) {
                findings.variables[variable.id] = found
            }
        }
        findings.disagreements = repeats.disagreements
    }

    /// Checks the approver lists: arrays of e-mail strings, the active one present.
    private static func checkApprovers(of members: SnapshotMembers, into findings: inout SnapshotFindings) {
        for (key, value) in [
            (SnapshotMembers.activeApproversKey, members.activeApprovers),
            (SnapshotMembers.nextApproversKey, members.nextApprovers),
        ] {
            guard let value else {
                if key == SnapshotMembers.activeApproversKey {
                    findings.approvers.append(problem(.missingFact, "the snapshot has no \(key)", "/\(key)"))
                }
                continue
            }
            guard case .array(let approvers) = value else {
                findings.approvers.append(
                    problem(.malformedSnapshot, "\(key) is \(value.typeName), not an array", "/\(key)"))
                continue
            }
            for (index, approver) in approvers.enumerated() where approver.string == nil {
                findings.approvers.append(
                    problem(
                        .malformedSnapshot, "approver is \(approver.typeName), not an e-mail string", "/\(key)/\(index)"
                    ))
            }
        }
    }

    /// Checks the task, when the snapshot has one: an object, of the snapshot's task id, whose
    /// owner is an e-mail string.
    private static func checkTask(of members: SnapshotMembers, into findings: inout SnapshotFindings) {
        guard let task = members.task else { return }
        guard case .object(let object) = task else {
            findings.task.append(problem(.malformedSnapshot, "task is \(task.typeName), not an object", "/task"))
            return
        }
        // A snapshot stitched from two tasks: the decision would be recorded for one task
        // on the data of another.
        if let inner = object["task_id"], !inner.isNull, let outer = members.taskID, !outer.isNull,
            !sameTaskID(inner, outer)
        {
            findings.conflicts.append(
                problem(
                    .conflictingFact,
                    "task.task_id \(TraceText.value(inner)) is not the snapshot's task_id \(TraceText.value(outer))",
                    "/task/task_id"))
        }
        if let owner = object["owner_email"], owner.string == nil, !owner.isNull {
            findings.task.append(
                problem(
                    .malformedSnapshot, "task.owner_email is \(owner.typeName), not an e-mail string",
                    "/task/owner_email"))
        }
    }

    /// Checks the files listings (`files`, `task_files`): arrays of entries with a file id, each
    /// attached to a variable of type `file` if to any, and an integer `total_files`.
    private static func checkFiles(
        of members: SnapshotMembers, variables: [SnapshotVariable], into findings: inout SnapshotFindings
    ) {
        if let value = members.files, value.array == nil {
            findings.files.append(problem(.malformedSnapshot, "files is \(value.typeName), not an array", "/files"))
        }
        for (listing, pointer) in [
            (members.files, "/files"), (members.taskFilesList, "/task_files/files"),
        ] {
            guard case .array(let entries)? = listing else { continue }
            for (index, entry) in entries.enumerated() {
                guard case .object(let file) = entry else { continue }
                checkFile(file, index: index, in: pointer, variables: variables, into: &findings)
            }
        }
        if let listing = members.taskFiles {
            if let files = listing["files"], files.array == nil {
                findings.files.append(
                    problem(
                        .malformedSnapshot, "task_files.files is \(files.typeName), not an array", "/task_files/files"))
            }
            if let total = listing["total_files"], total.integer == nil {
                findings.files.append(
                    problem(
                        .malformedSnapshot, "task_files.total_files is \(total.typeName), not an integer",
                        "/task_files/total_files"))
            }
        }
    }

    /// Checks the file entry at `index` of the listing at `pointer`: a file id, and a variable of
    /// type `file` if any.
    private static func checkFile(
        _ file: JSONObject, index: Int, in pointer: String, variables: [SnapshotVariable],
        into findings: inout SnapshotFindings
    ) {
        var at: String { "\(pointer)/\(index)" }
        switch file["file_id"] {
        case .string(let id)? where hasText(id): break
        case nil: findings.files.append(problem(.malformedSnapshot, "file entry has no file_id", at))
        case let other?:
            findings.files.append(
                problem(
                    .malformedSnapshot, "file entry's file_id is \(TraceText.value(other)), not a file id",
                    at + "/file_id"))
        }
        // Files are download information for file-type variables (approval-details);
        // a file listed for a variable of another type says two things about it.
        // (`variables` is the snapshot's few variables, one per id.)
        if case .string(let variable)? = file["variable_id"],
            let type = variables.first(where: { $0.id == variable })?.type, type != "file"
        {
            findings.files.append(
                problem(
                    .conflictingFact,
                    "a file is attached to variable \(variable), which is declared \(type), not file",
                    at + "/variable_id"))
        }
    }

    /// Whether `text` has something besides white space. A printable ASCII byte settles it at once
    /// (the usual file id); only text without one is looked at character by character.
    private static func hasText(_ text: String) -> Bool {
        if text.utf8.contains(where: { $0 > 0x20 && $0 < 0x7F }) { return true }
        return text.contains { !$0.isWhitespace }
    }

    /// Whether two task ids are the same id (an integer and its decimal text are).
    static func sameTaskID(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func text(_ value: JSONValue) -> String? {
            switch value {
            case .integer(let number): return String(number)
            case .string(let string): return string
            default: return nil
            }
        }
        guard let x = text(a), let y = text(b) else { return a == b }
        return x == y
    }

    /// A problem when a variable's value does not fit its declared type.
    static func check(_ variable: SnapshotVariable) -> DataProblem? {
        var pointer: String { variable.pointer.description }
        guard let type = variable.type else {
            return DataProblem(
                code: .malformedSnapshot, message: "variable \(variable.id) has no variable_type", path: pointer,
                ruleID: nil)
        }
        let value = variable.value
        // One switch over the documented types (`variableTypes`): comparing a few short strings
        // costs less than hashing one.
        let fits: Bool
        switch type {
        case "number": fits = value.isNull || DecimalNumber(value) != nil
        case "number_with_currency": fits = value.isNull || Money.amount(value) != nil
        case "boolean": fits = value.isNull || value.bool != nil
        case "date":
            if case .string(let text) = value { fits = Timestamp(iso8601: text) != nil } else { fits = value.isNull }
        case "email":
            if case .string(let text) = value { fits = Email.domain(text) != nil } else { fits = value.isNull }
        case "text", "select":
            if case .string = value { fits = true } else { fits = value.isNull }
        case "multi_select":
            if case .array = value { fits = true } else { fits = value.isNull }
        case "file":
            switch value {
            case .string, .array, .null: fits = true
            default: fits = false
            }
        case "user_entity", "business", "dynamic_list", "dynamic_table", "conversation": fits = true
        default:
            return DataProblem(
                code: .unknownVariableType, message: "variable \(variable.id) has unknown type \"\(type)\"",
                path: pointer,
                ruleID: nil)
        }
        // (A null value is missing, not wrong: required facts and approve checks report it.)
        guard fits else {
            return DataProblem(
                code: .wrongType,
                message:
                    "variable \(variable.id) is declared \(type) but its value is \(value.typeName) \(TraceText.value(value))",
                path: pointer + "/value", ruleID: nil)
        }
        return nil
    }
}

/// What is wrong with a snapshot's shape, by part, found once when it is indexed.
struct SnapshotFindings: Sendable {
    /// The document is not an object (nothing else is checked).
    var document: DataProblem?
    /// Problems in the variable listings themselves.
    var variableListings: [DataProblem] = []
    /// Problems with one variable's value or type, by variable id.
    var variables: [String: DataProblem] = [:]
    var approvers: [DataProblem] = []
    var files: [DataProblem] = []
    var task: [DataProblem] = []
    /// Keys repeated anywhere in the text (`ambiguous_data`), reported whatever the rules read.
    var repeatedKeys: [DataProblem] = []
    /// Facts that contradict each other about the whole snapshot (`conflicting_fact`), reported
    /// whatever the rules read.
    var conflicts: [DataProblem] = []
    /// The variables listed twice in one listing with different values.
    var ambiguousVariables: Set<String> = []
    /// Warnings by variable id: listings that disagree about its value.
    var disagreements: [String: String] = [:]

    /// Whether no problem was found.
    var isEmpty: Bool {
        document == nil && variableListings.isEmpty && variables.isEmpty && approvers.isEmpty && files.isEmpty
            && task.isEmpty && repeatedKeys.isEmpty && conflicts.isEmpty && disagreements.isEmpty
    }

    /// The warnings about the variables a rule set reads.
    func warnings(variableIDs: [String], readsEverything: Bool) -> [String] {
        if disagreements.isEmpty { return [] }
        if readsEverything { return disagreements.keys.sorted().compactMap { disagreements[$0] } }
        return variableIDs.compactMap { disagreements[$0] }
    }

    /// The problems in the parts a rule set reads.
    ///
    /// - Parameter variableIDs: the variables the rules read, sorted (computed once per rule set).
    func problems(references: References, variableIDs: [String]) -> [DataProblem] {
        if let document { return repeatedKeys + [document] }
        // The usual snapshot has no findings at all.
        if isEmpty { return [] }
        var problems = repeatedKeys + conflicts
        if !references.variableIDs.isEmpty || references.readsEverything {
            problems += variableListings
            if !variables.isEmpty {
                if references.readsEverything {
                    problems += variables.keys.sorted().compactMap { variables[$0] }
                } else {
                    for id in variableIDs { if let found = variables[id] { problems.append(found) } }
                }
            }
        }
        if references.readsApprovers || references.readsEverything { problems += approvers }
        if references.readsFiles || references.readsEverything { problems += files }
        if references.readsTask || references.readsEverything { problems += task }
        return problems
    }
}
