import ApprovalJSON

extension ApprovalSnapshot {
    /// The indexed views of one snapshot, built once when the snapshot is and shared by all its
    /// copies. Only ``ApprovalSnapshot`` uses it: it is internal, not private, because it has a
    /// file of its own.
    ///
    final class Storage: Sendable {
        // What every evaluation reads, first: stored properties are laid out in this order, so
        // these share the object's first cache lines.

        /// Each variable's value, in ``variableList`` order, as compact copies (what a
        /// ``FactBlock`` reads).
        let variableValues: [JSONValue]
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

        /// What each place variables are listed in holds (`nil` where the snapshot has nothing).
        typealias Listings = [(source: SnapshotVariable.Source, listing: JSONValue?)]

        /// Up to this many variables (or files), a scan finds one faster than a hash table.
        static let indexThreshold = 16

        /// Indexes `document`: its variables, then its files; checks its shape; and copies what
        /// evaluations read.
        init(_ document: JSONValue, repeatedKeys: [JSONRepeatedKey]) {
            self.document = document
            // Each place variables are listed, looked up once for the index and the validator.
            let listings: Listings = SnapshotVariable.Source.allCases.map {
                (source: $0, listing: document.lookup($0.path[...]))
            }
            let members = SnapshotMembers(document)
            var repeats = VariableRepeats()
            var unreadable: [UnreadableEntry] = []
            let list = Self.indexVariables(listings, repeats: &repeats, unreadable: &unreadable)
            self.variableList = list
            self.variableIndex =
                list.count > Self.indexThreshold
                ? Dictionary(uniqueKeysWithValues: list.enumerated().map { ($0.element.id, $0.offset) }) : nil

            let files = Self.indexFiles(of: members)
            self.filesByVariable = files
            self.fileLists = files.sorted { $0.key < $1.key }
                .map { (variable: $0.key, files: $0.value) }
            self.hasFilesListing = members.files != nil || members.taskFiles != nil
            self.filesListingIncomplete = Self.filesListingIsIncomplete(members)

            let owner = members.task?["owner_email"] ?? .null
            self.taskID = members.taskID ?? .null
            self.hasTaskID = members.taskID != nil
            self.findings = SnapshotValidator.findings(
                for: document, members: members, listings: listings, unreadable: unreadable, variables: list,
                repeats: repeats,
                repeatedKeys: repeatedKeys)
            self.hasFindings = !findings.isEmpty

            // What evaluations read, copied last and in one go (variable values, then the approver
            // lists and the owner): fresh strings and arrays made one after the other sit close
            // together in memory, instead of wherever the parser happened to put them. The views
            // hand out the copies too, and `approvers.all` shares the strings of the other two.
            self.variableKeys = list.map { VariableID(Self.freshCopy($0.id)) }
            self.variablesWithFiles = fileLists.filter { !$0.files.isEmpty }.map {
                VariableID(Self.freshCopy($0.variable))
            }
            variableValues = list.map { Self.compactCopy($0.value) }
            let approvers = Approvers(copying: members)
            self.activeApprovers = approvers.active
            self.nextApprovers = approvers.next
            self.allApprovers = approvers.all
            self.owner = Self.compactCopy(owner)
        }

        /// The value of a view.
        func value(of view: StoredView) -> JSONValue {
            switch view {
            case .activeApprovers: return activeApprovers
            case .nextApprovers: return nextApprovers
            case .allApprovers: return allApprovers
            case .owner: return owner
            case .taskID: return taskID
            }
        }

        // MARK: - Variables

        /// The variables of `listings`, sorted by id. The first listing of an id wins; the others
        /// are noted in `repeats`, and a variable listed twice in one listing with different values
        /// keeps no value. Entries that are not objects with a string `variable_id` are skipped and
        /// noted in `unreadable`, in order, for the validator to report (the one walk of the
        /// listings: each entry's members are looked up once).
        private static func indexVariables(
            _ listings: Listings, repeats: inout VariableRepeats, unreadable: inout [UnreadableEntry]
        ) -> [SnapshotVariable] {
            var list: [SnapshotVariable] = []
            var seen: [String: Int] = [:]  // id -> place in `list`, once the list is past the threshold
            for (source, listing) in listings {
                guard case .array(let entries)? = listing else { continue }
                for (index, entry) in entries.enumerated() {
                    guard case .object(let object) = entry else {
                        unreadable.append(
                            UnreadableEntry(source: source, index: index, reason: .notObject(entry.typeName)))
                        continue
                    }
                    guard case .string(let id)? = object["variable_id"] else {
                        unreadable.append(UnreadableEntry(source: source, index: index, reason: .noStringID))
                        continue
                    }
                    let value = object["value"]
                    let variable = SnapshotVariable(
                        id: id, type: object["variable_type"]?.string, value: value ?? .null, hasValue: value != nil,
                        source: source, index: index)
                    if let earlier = earlierPosition(of: id, in: list, seen: &seen) {
                        repeats.note(variable, repeating: list[earlier])
                        continue
                    }
                    list.append(variable)
                }
            }
            clearAmbiguousValues(in: &list, repeats: repeats)
            list.sort { $0.id < $1.id }
            return list
        }

        /// Where the variable `id` already is in `list`, if it is. Past ``indexThreshold``
        /// variables, `seen` answers (built on first use) and learns where `id` will be.
        private static func earlierPosition(
            of id: String, in list: [SnapshotVariable], seen: inout [String: Int]
        ) -> Int? {
            if list.count < Self.indexThreshold {
                return list.firstIndex { $0.id == id }
            }
            if seen.isEmpty {
                seen = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($0.element.id, $0.offset) })
            }
            let earlier = seen[id]
            if earlier == nil { seen[id] = list.count }
            return earlier
        }

        /// Takes the value of each variable listed twice in one listing with different values:
        /// rules must not use either (the `ambiguous_fact` problem says why).
        ///
        /// Returns at once when no variable is (most snapshots), and walks `list` by index: a loop
        /// over `list.enumerated()` holds a second reference to the list, and the optimizer then
        /// copies it before the loop for the write inside (measured: the copy moves every later
        /// allocation of the snapshot, and evaluations got 3 % slower).
        private static func clearAmbiguousValues(in list: inout [SnapshotVariable], repeats: VariableRepeats) {
            guard !repeats.ambiguous.isEmpty else { return }
            for at in list.indices where repeats.ambiguous[list[at].id] != nil {
                let variable = list[at]
                list[at] = SnapshotVariable(
                    id: variable.id, type: variable.type, value: .null, hasValue: false, source: variable.source,
                    index: variable.index)
            }
        }

        // MARK: - Files

        /// The file entries of `files` and `task_files.files` by the variable they belong to, each
        /// file (variable and id) once.
        private static func indexFiles(of members: SnapshotMembers) -> [String: [JSONValue]] {
            var files: [String: [JSONValue]] = [:]
            var seenFiles: [FileKey] = []  // the usual few; a set once there are many
            var seenFileSet: Set<FileKey> = []
            for listing in [members.files, members.taskFilesList] {
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
            return files
        }

        /// Whether `task_files` says more files exist than it lists (`total_files` > listed).
        private static func filesListingIsIncomplete(_ members: SnapshotMembers) -> Bool {
            var incomplete = false
            if let listing = members.taskFiles, let total = listing["total_files"]?.integer {
                incomplete = total > Int64(listing["files"]?.array?.count ?? 0)
            }
            return incomplete
        }

        /// A file entry's identity, for dropping the same file listed twice.
        private struct FileKey: Hashable {
            let variable: String
            let file: String
        }

        // MARK: - What evaluations read

        /// `approvers.active`, `approvers.next` and `approvers.all`, as compact copies.
        private struct Approvers {
            let active: JSONValue
            let next: JSONValue
            /// Active then next, without repeats (sharing their strings).
            let all: JSONValue

            /// Copies the approver lists of a snapshot.
            init(copying members: SnapshotMembers) {
                active = Storage.compactCopy(members.activeApprovers ?? .array([]))
                next = Storage.compactCopy(members.nextApprovers ?? .array([]))
                var all: [JSONValue] = []
                let activeList = active.array ?? []
                let nextList = next.array ?? []
                all.reserveCapacity(activeList.count + nextList.count)
                for approver in activeList + nextList where !all.contains(approver) { all.append(approver) }
                self.all = .array(all)
            }
        }

        /// `value` with its long strings (and those of an array of scalars) in new storage.
        private static func compactCopy(_ value: JSONValue) -> JSONValue {
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

        /// `text` in new storage when it is too long to live inside the value.
        private static func freshCopy(_ text: String) -> String {
            let count = text.utf8.count
            guard count > 15 else { return text }  // small strings live inside the value
            return String(unsafeUninitializedCapacity: count) { buffer in
                _ = buffer.initialize(fromContentsOf: text.utf8)
                return count
            }
        }
    }
}
