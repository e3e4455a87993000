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
    /// The indexed views, behind one reference (``Storage``): copying a snapshot costs one retain.
    private let storage: Storage
    /// The facts of one rule set, laid out ahead of its evaluations (``RuleSet/prepare(_:options:)``).
    let facts: FactBlock?

    /// The document as read.
    public var document: JSONValue { storage.document }

    /// Indexes `document`.
    ///
    /// - Parameter repeatedKeys: the members of the text `document` was parsed from that repeat
    ///   a key of their object (``JSONParser/parse(_:file:projection:repeatedKeys:)``): each is an
    ///   `ambiguous_data` problem of every decision on this snapshot.
    public init(_ document: JSONValue, repeatedKeys: [JSONRepeatedKey] = []) {
        storage = Storage(document, repeatedKeys: repeatedKeys)
        facts = nil
    }

    /// `snapshot` carrying `facts`.
    init(_ snapshot: ApprovalSnapshot, facts: FactBlock) {
        storage = snapshot.storage
        self.facts = facts
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

    /// Parses a snapshot's JSON text as ``init(parsing:file:projection:options:)`` does, and also
    /// returns the block of what `projection` copied of it (``JSONBlock``): kept by a cache, it
    /// makes the same snapshot again (``init(block:file:options:)``) without parsing, for rules
    /// with the same projection.
    ///
    /// ```swift
    /// let (snapshot, block) = try ApprovalSnapshot.parsingKeepingBlock(bytes, file: "task-48219.json")
    /// ```
    ///
    /// - Throws: ``JSONError`` when the text is not JSON or breaks a limit.
    public static func parsingKeepingBlock(
        _ bytes: [UInt8], file: String? = nil, projection: JSONProjection = .all,
        options: JSONParser.Options = ApprovalSnapshot.parserOptions
    ) throws(JSONError) -> (snapshot: ApprovalSnapshot, block: JSONBlock) {
        var repeats: [JSONRepeatedKey] = []
        let value = try JSONParser(options: options).parse(
            bytes, file: file, projection: projection, repeatedKeys: &repeats)
        return (ApprovalSnapshot(value, repeatedKeys: repeats), JSONBlock(value, repeatedKeys: repeats))
    }

    /// The snapshot a block was made from (``parsingKeepingBlock(_:file:projection:options:)``),
    /// its repeated keys located in `file`: the snapshot parsing the text with the same projection
    /// gives. `nil` when the block is not well formed (parse the text instead).
    ///
    /// ```swift
    /// let snapshot = ApprovalSnapshot(block: cached, file: "task-48219.json")
    /// ```
    public init?(block: JSONBlock, file: String? = nil, options: JSONParser.Options = ApprovalSnapshot.parserOptions) {
        guard let value = block.value(maxDepth: options.maxDepth), let repeats = block.repeatedKeys(file: file) else {
            return nil
        }
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
    public var taskID: JSONValue { storage.taskID }

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

    /// ``lookup(_:)`` as an evaluation reads the snapshot: `now` is the evaluation's clock (`null`
    /// without one), not a member of the document.
    @inline(__always)
    func lookup(_ path: FactPath, clock now: Timestamp?) -> JSONValue? {
        if case .now = path.head { return now.map { .string($0.description) } ?? .null }
        return lookup(path)
    }

    /// Follows `path` through the views, then through the document. `now` is the evaluation's,
    /// not the snapshot's: it reads as absent here (``EvaluationContext`` answers it).
    @inline(__always)
    func lookup(_ path: FactPath) -> JSONValue? {
        switch path.stored {
        case .variable(let hash)?:
            return position(hash: hash, text: path.variableText).map { storage.variableValues[$0] }
        case .view(let view)?:
            if view == .taskID, !storage.hasTaskID { return nil }
            return storage.value(of: view)
        case nil: return follow(path)
        }
    }

    /// ``lookup(_:)`` of a path to a value the snapshot does not keep as it is.
    private func follow(_ path: FactPath) -> JSONValue? {
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
