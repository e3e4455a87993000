import ApprovalJSON

/// Which parts of a snapshot a rule set reads. It decides what the fast path copies out of
/// jansson (``RuleSet/projection``), which extra API calls a live evaluation needs
/// (``RuleSet/neededParts``), and which shape checks the evaluation makes.
struct References: Sendable {
    /// Variable ids read through views (`variables.x`, `variable_types.x`, `files_by_variable.x`,
    /// `has_file`).
    var variableIDs: Set<String> = []
    /// Top-level snapshot keys read directly (`task_id`, `step_run`, `files`, ...).
    var topLevel: Set<String> = ["task_id"]
    /// The files listing is read (`has_file`, or file entries).
    var readsFiles = false
    /// Whole file entries are read (`files_by_variable.x`, `files`, `task_files`), not only
    /// which variables have files (`has_file`).
    var readsFileEntries = false
    var readsApprovers = false
    /// The task is read: its owner (`owner`, `approver_is_owner`, `is_owner`) or more.
    var readsTask = false
    /// Members of the task other than its owner and variables are read (`task.*` paths).
    var readsTaskFields = false
    var readsSignedDocuments = false
    /// A dynamic path, or the whole data, is read: copy everything.
    var readsEverything = false

    private static let iterators: Set<String> = ["map", "filter", "reduce", "all", "some", "none"]

    /// Records a root fact path.
    mutating func add(_ path: [String]) {
        guard let head = path.first else {
            readsEverything = true
            return
        }
        switch head {
        case "variables", "variable_types":
            if path.count >= 2 { variableIDs.insert(path[1]) } else { readsEverything = true }
        case "files_by_variable":
            readsFiles = true
            readsFileEntries = true
            if path.count >= 2 { variableIDs.insert(path[1]) } else { readsEverything = true }
        case "approvers":
            readsApprovers = true
        case "owner":
            readsTask = true
        case "now":
            break
        case "files", "task_files":
            readsFiles = true
            readsFileEntries = true
            topLevel.insert(head)
        case "eligible_approvers_active", "next_eligible_approvers":
            readsApprovers = true
        case "task":
            readsTask = true
            readsTaskFields = true
        case "signed_documents":
            readsSignedDocuments = true
            topLevel.insert(head)
        default:
            topLevel.insert(head)
        }
    }

    /// Scans an expression for the root fact paths it reads; returns them. Paths inside iterator
    /// bodies read the iterated element, not the root, and are skipped.
    static func scan(_ expression: JSONValue, into references: inout References) -> [[String]] {
        var found: [[String]] = []
        scan(expression, into: &references, found: &found)
        return found
    }

    private static func scan(_ value: JSONValue, into references: inout References, found: inout [[String]]) {
        switch value {
        case .array(let elements):
            for element in elements { scan(element, into: &references, found: &found) }
        case .object(let object) where object.count == 1:
            let name = object.keys[0]
            let argument = object.values[0]
            let arguments = argument.array ?? [argument]
            switch name {
            case "var", "val":
                guard let first = arguments.first else {
                    references.readsEverything = true
                    return
                }
                var path: [String]?
                switch first {
                case .string(let text):
                    path =
                        text.isEmpty
                        ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                case .integer(let number): path = [String(number)]
                case .array(let parts) where name == "val": path = parts.compactMap { $0.string }
                case .null: path = []
                default: path = nil
                }
                if name == "val", case .array(let parts) = argument, parts.count > 1 {
                    path = parts.compactMap { $0.string }  // {"val": ["a", "b"]}
                }
                if let path, !path.isEmpty {
                    references.add(path)
                    found.append(path)
                } else {
                    references.readsEverything = true
                }
                for extra in arguments.dropFirst() { scan(extra, into: &references, found: &found) }
            case "has_file":
                references.readsFiles = true
                if case .string(let id)? = arguments.first {
                    references.variableIDs.insert(id)
                    found.append(["variables", id])
                } else {
                    references.readsEverything = true
                }
            case "approver_is_owner", "is_owner":
                references.readsTask = true
                references.readsApprovers = true
                for extra in arguments { scan(extra, into: &references, found: &found) }
            case "preserve":
                return  // data, not expressions
            case "missing", "missing_some", "exists":
                // These ask whether facts are there; they are references, but not "read facts".
                var ignored: [[String]] = []
                scanMissing(arguments, into: &references, found: &ignored)
            case _ where iterators.contains(name):
                if let source = arguments.first { scan(source, into: &references, found: &found) }
                // Bodies see the element; a reduce's initial value is evaluated at the root.
                if name == "reduce", arguments.count > 2 { scan(arguments[2], into: &references, found: &found) }
                for body in arguments.dropFirst() where containsRootOnlyReferences(body) {
                    references.readsEverything = true
                }
            default:
                for element in arguments { scan(element, into: &references, found: &found) }
            }
        default:
            return
        }
    }

    private static func scanMissing(
        _ arguments: [JSONValue], into references: inout References, found: inout [[String]]
    ) {
        for argument in arguments {
            switch argument {
            case .string(let text):
                if let path = FactPath.parse(text) { references.add(path) }
            case .array(let names):
                scanMissing(names, into: &references, found: &found)
            default:
                scan(argument, into: &references, found: &found)
            }
        }
    }

    /// Whether an iterator body climbs to outer scopes (`val` with `[[n], ...]`), which may
    /// reach the root with a path we cannot see statically.
    private static func containsRootOnlyReferences(_ value: JSONValue) -> Bool {
        switch value {
        case .array(let elements): return elements.contains(where: containsRootOnlyReferences)
        case .object(let object):
            if object.count == 1, object.keys[0] == "val", case .array(let parts) = object.values[0],
                case .array? = parts.first
            {
                return true
            }
            return object.values.contains(where: containsRootOnlyReferences)
        default: return false
        }
    }

    /// What the fast path copies out of each snapshot.
    var projection: JSONProjection {
        if readsEverything { return .all }
        var fields: [String: JSONProjection] = [:]
        for key in topLevel { fields[key] = .all }
        // Of each variable entry, what ApprovalSnapshot reads: the value only for the variables
        // the rules read (fewer values copied keep more of a prepared snapshot in the cache).
        let variables = JSONProjection.elements(
            .matching(
                key: "variable_id", values: JSONProjection.Strings(variableIDs),
                then: .fields(["variable_id": .all, "variable_type": .all, "value": .all]),
                otherwise: .fields(["variable_id": .all, "variable_type": .all])))
        if !variableIDs.isEmpty { fields["variables_to_approve"] = variables }
        if fields["step_run"] == nil {
            // The step run's id always (decision records tell a task's step runs apart by it),
            // and its variables when the rules read variables.
            var stepRun: [String: JSONProjection] = ["step_run_id": .all]
            if !variableIDs.isEmpty { stepRun["variables"] = variables }
            fields["step_run"] = .fields(stepRun)
        }
        if readsFileEntries {
            fields["files"] = .all
            fields["task_files"] = .all
        } else if readsFiles {
            // `has_file` only asks which variables have a file (entries are told apart by
            // file_id): the long presigned URLs and the rest of each entry stay in jansson.
            let entries = JSONProjection.elements(.fields(["variable_id": .all, "file_id": .all]))
            fields["files"] = entries
            fields["task_files"] = .fields(["files": entries, "total_files": .all])
        }
        if readsApprovers {
            fields["eligible_approvers_active"] = .all
            fields["next_eligible_approvers"] = .all
        }
        if readsTaskFields {
            fields["task"] = .all
        } else {
            // The owner and the variables, not the rest of the task (titles, URLs, step lists);
            // its task_id always, which must be the snapshot's (every decision checks it), and its
            // URL (a notice links to the task).
            var task: [String: JSONProjection] = ["task_id": .all, "task_url": .all]
            if readsTask { task["owner_email"] = .all }
            if !variableIDs.isEmpty { task["variables"] = variables }
            fields["task"] = .fields(task)
        }
        return .fields(fields)
    }
}
