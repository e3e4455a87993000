public import ApprovalJSON

/// One approval task as the rules see it: the approval-details body
/// (`GET /tasks/{id}/approval-details?include_files=true`), optionally with the task itself
/// (`"task"`), its files listing (`"task_files"`) and signed documents (`"signed_documents"`)
/// saved alongside, plus the convenient views rules read.
///
/// Building a snapshot indexes it once (variables by id, files by variable), so that evaluating
/// many rule sets against it costs no further parsing. Nothing is judged here: shape problems are
/// reported by the evaluation, for the parts a rule set actually reads.
///
/// Views, as `var` paths:
/// - `variables.<id>`: the value from `variables_to_approve`, falling back to `step_run.variables`
///   and then `task.variables`;
/// - `variable_types.<id>`: that variable's `variable_type`;
/// - `files_by_variable.<id>`: the file objects attached to that variable (from `files` and
///   `task_files.files`, without duplicates);
/// - `approvers.active`, `approvers.next`, `approvers.all`: the eligible approvers;
/// - `owner`: the task owner's e-mail (`null` when the task is not in the snapshot);
/// - `now`: the evaluation's clock (from ``EvaluationOptions``).
///
/// ```swift
/// let snapshot = ApprovalSnapshot(try JSONParser().parse(contentsOf: "examples/snapshots/basic.json"))
/// snapshot.taskID                              // 12345
/// snapshot.value(at: "variables.contract_value")  // 150000
/// ```
public struct ApprovalSnapshot: Sendable {
    /// The indexed views, behind one reference: copying a snapshot costs one retain.
    private let storage: Storage

    /// The document as read.
    public var document: JSONValue { storage.document }

    /// Indexes `document`.
    ///
    /// - Parameter repeatedKeys: the members of the text `document` was parsed from that repeat
    ///   a key of their object (``JSONParser/parse(_:file:projection:repeatedKeys:)``): each is an
    ///   `ambiguous_data` problem of every decision on this snapshot.
    public init(_ document: JSONValue, repeatedKeys: [JSONRepeatedKey] = []) {
        storage = Storage(document, repeatedKeys: repeatedKeys)
    }

    /// Parses a snapshot's JSON text and indexes it, reporting repeated keys
    /// (``init(_:repeatedKeys:)``): the one way to read a snapshot from bytes.
    ///
    /// ```swift
    /// let snapshot = try ApprovalSnapshot(parsing: bytes, file: "task-48219.json", projection: rules.projection)
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: the JSON text.
    ///   - file: the name to put in error locations.
    ///   - projection: what to copy out of the parsed text (``RuleSet/projection`` for speed).
    ///   - options: the parser's limits; by default ``Limits/default``'s for snapshots.
    /// - Throws: ``JSONError`` when the text is not JSON or breaks a limit.
    public init(
        parsing bytes: [UInt8], file: String? = nil, projection: JSONProjection = .all,
        options: JSONParser.Options = ApprovalSnapshot.parserOptions
    ) throws(JSONError) {
        var repeats: [JSONRepeatedKey] = []
        let value = try JSONParser(options: options).parse(
            bytes, file: file, projection: projection, repeatedKeys: &repeats)
        self.init(value, repeatedKeys: repeats)
    }

    /// Reads a snapshot file and indexes it, as ``init(parsing:file:projection:options:)`` does.
    ///
    /// ```swift
    /// let snapshot = try ApprovalSnapshot(contentsOf: "examples/snapshots/tier2-cfo.json", projection: rules.projection)
    /// ```
    ///
    /// - Throws: ``JSONError`` (`file_not_found`, `unreadable`, `too_large` or a parse error).
    public init(
        contentsOf path: String, projection: JSONProjection = .all,
        options: JSONParser.Options = ApprovalSnapshot.parserOptions
    ) throws(JSONError) {
        try self.init(
            parsing: try FileBytes.read(path, limit: options.maxBytes), file: path, projection: projection,
            options: options)
    }

    /// How snapshots are parsed: repeated keys kept (and reported), ``Limits/default``'s size
    /// and depth limits.
    public static let parserOptions = Limits.default.snapshotParsing

    /// ``parserOptions`` in the per-thread arena (``JSONParser/Options/arena``): for programs that
    /// parse many snapshots on the same few threads, a batch or a service, where reusing the
    /// arena's block saves jansson's malloc and free of every value.
    public static let arenaParserOptions: JSONParser.Options = {
        var options = parserOptions
        options.arena = true
        return options
    }()

    /// `@unchecked Sendable`: immutable once built; ``table`` is memory it owns and never writes
    /// after `init`.
    private final class Storage: @unchecked Sendable {
        // What every evaluation reads, first: stored properties are laid out in this order, so
        // these share the object's first cache lines.

        /// The values evaluations read in place (``ApprovalSnapshot/locate(_:)``): each variable's
        /// value, in ``variableList`` order, then ``Table`` entries. In a buffer of its own, so
        /// their addresses stay put for as long as the storage lives.
        let table: UnsafeMutablePointer<JSONValue>
        let tableCount: Int
        /// The variables' ids with ``VariableID/hash`` of each, in ``variableList`` order: what a
        /// lookup scans.
        let variableKeys: [VariableID]
        /// The variables with at least one file (what `has_file` asks), sorted by id.
        let variablesWithFiles: [VariableID]
        /// The variables by id, only for snapshots with many variables: a few integer comparisons
        /// beat hashing for the usual handful.
        let variableIndex: [String: Int]?
        /// Whether ``findings`` has any problem at all (most snapshots have none).
        let hasFindings: Bool
        /// Whether the snapshot has a files listing at all (`files` or `task_files`).
        let hasFilesListing: Bool
        /// Whether a files listing says more files exist than it lists (`total_files` > listed).
        let filesListingIncomplete: Bool
        /// Whether the document has a `task_id` member (even `null`).
        let hasTaskID: Bool

        // The rest, read by views and checks that are not on every evaluation's path.

        let document: JSONValue
        /// The variables sorted by id, first source wins.
        let variableList: [SnapshotVariable]
        /// Files by the variable they belong to.
        let filesByVariable: [String: [JSONValue]]
        /// The same as a list (sorted by variable).
        let fileLists: [(variable: String, files: [JSONValue])]
        /// `approvers.active`, `approvers.next`, and `approvers.all` (active then next, without repeats).
        let activeApprovers: JSONValue
        let nextApprovers: JSONValue
        let allApprovers: JSONValue
        /// `task.owner_email` (`null` when the task or its owner is not in the snapshot).
        let owner: JSONValue
        /// `task_id` (`null` when absent).
        let taskID: JSONValue
        /// Shape problems, found once here and filtered per rule set by the evaluation.
        let findings: SnapshotFindings

        /// Where the views that are not variables sit in ``table``, after the variables.
        typealias Table = StoredView

        static let indexThreshold = 16

        init(_ document: JSONValue, repeatedKeys: [JSONRepeatedKey]) {
            self.document = document
            var list: [SnapshotVariable] = []
            var seen: [String: Int] = [:]  // id -> place in `list`, once the list is past the threshold
            var repeats = VariableRepeats()
            // Each place variables are listed, looked up once for the index and the validator.
            let listings = SnapshotVariable.Source.allCases.map { (source: $0, listing: document.lookup($0.path[...])) }
            for (source, listing) in listings {
                guard case .array(let entries)? = listing else { continue }
                for (index, entry) in entries.enumerated() {
                    guard case .string(let id) = entry["variable_id"] else { continue }
                    let value = entry["value"]
                    let variable = SnapshotVariable(
                        id: id, type: entry["variable_type"]?.string, value: value ?? .null, hasValue: value != nil,
                        source: source, index: index)
                    let earlier: Int?
                    if list.count < Self.indexThreshold {
                        earlier = list.firstIndex { $0.id == id }
                    } else {
                        if seen.isEmpty {
                            seen = Dictionary(
                                uniqueKeysWithValues: list.enumerated().map { ($0.element.id, $0.offset) })
                        }
                        earlier = seen[id]
                        if earlier == nil { seen[id] = list.count }
                    }
                    if let earlier {
                        repeats.note(variable, repeating: list[earlier])
                        continue
                    }
                    list.append(variable)
                }
            }
            // A variable listed twice in one listing with different values has no value: rules
            // must not use either (the `ambiguous_fact` problem says why).
            for (at, variable) in list.enumerated()
            where !repeats.ambiguous.isEmpty && repeats.ambiguous[variable.id] != nil {
                list[at] = SnapshotVariable(
                    id: variable.id, type: variable.type, value: .null, hasValue: false, source: variable.source,
                    index: variable.index)
            }
            list.sort { $0.id < $1.id }
            self.variableList = list
            self.variableIndex =
                list.count > Self.indexThreshold
                ? Dictionary(uniqueKeysWithValues: list.enumerated().map { ($0.element.id, $0.offset) }) : nil

            var files: [String: [JSONValue]] = [:]
            var seenFiles: [FileKey] = []  // the usual few; a set once there are many
            var seenFileSet: Set<FileKey> = []
            for listing in [document["files"], document["task_files"]?["files"]] {
                guard case .array(let entries)? = listing else { continue }
                for entry in entries {
                    guard case .string(let variable) = entry["variable_id"] else { continue }
                    if case .string(let fileID) = entry["file_id"] {
                        let key = FileKey(variable: variable, file: fileID)
                        if seenFiles.count < Self.indexThreshold {
                            if seenFiles.contains(key) { continue }
                            seenFiles.append(key)
                        } else {
                            if seenFileSet.isEmpty { seenFileSet = Set(seenFiles) }
                            guard seenFileSet.insert(key).inserted else { continue }
                        }
                    }
                    files[variable, default: []].append(entry)
                }
            }
            self.filesByVariable = files
            self.fileLists = files.sorted { $0.key < $1.key }
                .map { (variable: $0.key, files: $0.value) }
            self.hasFilesListing = document["files"] != nil || document["task_files"] != nil

            var incomplete = false
            if let listing = document["task_files"], let total = listing["total_files"]?.integer {
                incomplete = total > Int64(listing["files"]?.array?.count ?? 0)
            }
            self.filesListingIncomplete = incomplete

            let owner = document["task"]?["owner_email"] ?? .null
            self.taskID = document["task_id"] ?? .null
            self.hasTaskID = document["task_id"] != nil
            self.findings = SnapshotValidator.findings(
                for: document, listings: listings, variables: list, repeats: repeats, repeatedKeys: repeatedKeys)
            self.hasFindings = !findings.isEmpty

            // What evaluations read, copied last and in one go (variable values, then the approver
            // lists and the owner): fresh strings and arrays made one after the other sit close
            // together in memory, instead of wherever the parser happened to put them. The views
            // hand out the copies too, and `approvers.all` shares the strings of the other two.
            self.variableKeys = list.map { VariableID(Self.freshCopy($0.id)) }
            self.variablesWithFiles = fileLists.filter { !$0.files.isEmpty }.map {
                VariableID(Self.freshCopy($0.variable))
            }
            tableCount = list.count + StoredView.allCases.count
            table = .allocate(capacity: tableCount)
            for (index, variable) in list.enumerated() {
                (table + index).initialize(to: Self.compactCopy(variable.value))
            }
            let active = Self.compactCopy(document["eligible_approvers_active"] ?? .array([]))
            let next = Self.compactCopy(document["next_eligible_approvers"] ?? .array([]))
            var all: [JSONValue] = []
            let activeList = active.array ?? []
            let nextList = next.array ?? []
            all.reserveCapacity(activeList.count + nextList.count)
            for approver in activeList + nextList where !all.contains(approver) { all.append(approver) }
            self.activeApprovers = active
            self.nextApprovers = next
            self.allApprovers = .array(all)
            self.owner = Self.compactCopy(owner)
            let views = [activeApprovers, nextApprovers, allApprovers, self.owner, taskID]
            for (index, value) in views.enumerated() { (table + list.count + index).initialize(to: value) }
        }

        /// `value` with its long strings (and those of an array of scalars) in new storage.
        static func compactCopy(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text): return .string(freshCopy(text))
            case .array(let elements) where elements.count <= 64:
                return .array(
                    elements.map { element in
                        if case .string(let text) = element { return .string(freshCopy(text)) }
                        return element
                    })
            default: return value
            }
        }

        static func freshCopy(_ text: String) -> String {
            let count = text.utf8.count
            guard count > 15 else { return text }  // small strings live inside the value
            return String(unsafeUninitializedCapacity: count) { buffer in
                _ = buffer.initialize(fromContentsOf: text.utf8)
                return count
            }
        }

        deinit {
            table.deinitialize(count: tableCount)
            table.deallocate()
        }

        /// Where a view's value is kept.
        func pointer(to view: Table) -> UnsafePointer<JSONValue> {
            UnsafePointer(table + variableList.count + view.rawValue)
        }

        /// A file entry's identity, for dropping the same file listed twice.
        struct FileKey: Hashable {
            let variable: String
            let file: String
        }
    }

    /// The variables sorted by id, first source wins.
    var variables: [SnapshotVariable] { storage.variableList }
    /// Files by the variable they belong to.
    var filesByVariable: [String: [JSONValue]] { storage.filesByVariable }
    /// The files attached for variable `id` (`nil` when none are listed).
    func files(of id: VariableID) -> [JSONValue]? {
        storage.filesByVariable[id.text]
    }

    /// Whether at least one file is attached for variable `id` (``files(of:)`` is not empty).
    func hasFiles(_ id: VariableID) -> Bool {
        let keys = storage.variablesWithFiles
        if keys.count > Storage.indexThreshold { return !(storage.filesByVariable[id.text]?.isEmpty ?? true) }
        return keys.withUnsafeBufferPointer { keys in
            for key in keys where key.hash == id.hash && key.text == id.text { return true }
            return false
        }
    }

    /// Whether the snapshot has a files listing at all (`files` or `task_files`).
    var hasFilesListing: Bool { storage.hasFilesListing }
    /// Whether a files listing says more files exist than it lists (`total_files` > listed).
    var filesListingIncomplete: Bool { storage.filesListingIncomplete }
    /// Shape problems, found once when the snapshot was indexed.
    var findings: SnapshotFindings { storage.findings }

    /// The shape problems in the parts a rule set reads (``SnapshotFindings/problems(references:variableIDs:)``),
    /// without copying the findings of a snapshot that has none.
    func problems(references: References, variableIDs: [String]) -> [DataProblem] {
        guard storage.hasFindings else { return [] }
        return storage.findings.problems(references: references, variableIDs: variableIDs)
    }

    /// The warnings about the parts a rule set reads (variables whose listings disagree).
    func warnings(variableIDs: [String], readsEverything: Bool) -> [String] {
        guard storage.hasFindings else { return [] }
        return storage.findings.warnings(variableIDs: variableIDs, readsEverything: readsEverything)
    }

    /// Whether the variable with this id is listed twice with different values (and so has none).
    func isAmbiguous(_ id: String) -> Bool {
        storage.hasFindings && storage.findings.ambiguousVariables.contains(id)
    }

    /// The value of the variable with this id (`nil` when there is no such variable).
    func variableValue(_ id: VariableID) -> JSONValue? {
        position(of: id).map { storage.variableList[$0].value }
    }

    /// The `variable_type` of the variable with this id (`nil` when there is no such variable).
    func variableType(_ id: VariableID) -> JSONValue? {
        guard let at = position(of: id) else { return nil }
        return storage.variableList[at].type.map(JSONValue.string) ?? .null
    }

    private func position(of id: VariableID) -> Int? {
        position(hash: id.hash, text: id.text)
    }

    /// Where the variable whose id is `text` (with ``VariableID/hash(_:)`` `hash`) is in the list.
    private func position(hash: UInt64, text: String) -> Int? {
        if let index = storage.variableIndex { return index[text] }
        // Hashes first: the usual handful of variables costs a few integer comparisons.
        return storage.variableKeys.withUnsafeBufferPointer { keys in
            for at in keys.indices where keys[at].hash == hash && keys[at].text == text { return at }
            return nil
        }
    }

    /// The task id (`task_id`), or `null` when absent.
    public var taskID: JSONValue { storage.pointer(to: .taskID).pointee }

    /// The step run's id (`step_run.step_run_id`) when it is a string; a rule set's projection
    /// always keeps it.
    public var stepRunID: String? { document["step_run"]?["step_run_id"]?.string }

    /// The task's page in the web application (`task.task_url`) when it is a string; a rule set's
    /// projection always keeps it.
    public var taskURL: String? { document["task"]?["task_url"]?.string }

    /// The value at a dotted path (`variables.contract_value`, `approvers.active`, `task_id`).
    public func value(at path: String) -> JSONValue? {
        lookup(FactPath(path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)))
    }

    /// Where the value at `path` is.
    enum Location {
        /// There is no such value.
        case absent
        /// In the snapshot's storage, valid for as long as the snapshot is held; read it in place.
        case stored(UnsafePointer<JSONValue>)
        /// Built for the asking (a whole view, or a value inside a variable's).
        case computed(JSONValue)
    }

    /// Finds the value at `path`: in place for a variable's value, an approver list, the owner and
    /// the task id (what rules read most), computed otherwise.
    func locate(_ path: FactPath) -> Location {
        switch path.stored {
        case .variable(let hash)?:
            guard let at = position(hash: hash, text: path.variableText) else { return .absent }
            return .stored(UnsafePointer(storage.table + at))
        case .view(let view)?:
            if view == .taskID, !storage.hasTaskID { return .absent }
            return .stored(storage.pointer(to: view))
        case nil:
            guard let value = lookup(path) else { return .absent }
            return .computed(value)
        }
    }

    /// Follows `path` through the views, then through the document. `now` is the evaluation's,
    /// not the snapshot's: it reads as absent here (``EvaluationContext`` answers it).
    func lookup(_ path: FactPath) -> JSONValue? {
        let rest = path.rest
        switch path.head {
        case .whole: return dataView
        case .now, .document, .taskID: return document.lookup(path.steps[...])
        case .variables:
            return .object(JSONObject(variables.map { ($0.id, $0.value) }))
        case .variable(let id):
            guard let value = variableValue(id) else { return nil }
            return rest.isEmpty ? value : value.lookup(rest)
        case .variableTypes:
            return .object(JSONObject(variables.map { ($0.id, $0.type.map(JSONValue.string) ?? .null) }))
        case .variableType(let id):
            return rest.isEmpty ? variableType(id) : nil
        case .filesByVariable:
            return .object(JSONObject(storage.fileLists.map { ($0.variable, .array($0.files)) }))
        case .files(let id):
            return JSONValue.array(files(of: id) ?? []).lookup(rest)
        case .approvers:
            return approvers.lookup(rest)
        case .activeApprovers: return rest.isEmpty ? storage.activeApprovers : storage.activeApprovers.lookup(rest)
        case .nextApprovers: return rest.isEmpty ? storage.nextApprovers : storage.nextApprovers.lookup(rest)
        case .allApprovers: return rest.isEmpty ? storage.allApprovers : storage.allApprovers.lookup(rest)
        case .owner: return rest.isEmpty ? storage.owner : nil
        }
    }

    /// `approvers.active`, `.next` and `.all` (active then next, without repeats).
    var approvers: JSONValue {
        ["active": storage.activeApprovers, "next": storage.nextApprovers, "all": storage.allApprovers]
    }

    /// The document with its views added (what `{"var": ""}` sees).
    var dataView: JSONValue {
        guard case .object(var object) = document else { return document }
        for view in ["variables", "variable_types", "files_by_variable", "approvers", "owner"] where object[view] == nil
        {
            object[view] = lookup(FactPath([view]))
        }
        return .object(object)
    }
}
