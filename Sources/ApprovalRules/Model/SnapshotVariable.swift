import ApprovalJSON

/// A variable id with a hash of it computed once (FNV-1a over its UTF-8, the same in every process),
/// so that finding a variable among a snapshot's few compares integers before any text.
struct VariableID: Sendable, Hashable {
    let text: String
    let hash: UInt64

    init(_ text: String) {
        self.text = text
        self.hash = Self.hash(text)
    }

    static func hash(_ text: String) -> UInt64 { FNV1a.hash(text) }
}

/// One variable of a snapshot, with where it came from.
struct SnapshotVariable: Sendable {
    enum Source: CaseIterable, Sendable {
        case variablesToApprove, stepRun, task

        private static let paths = [["variables_to_approve"], ["step_run", "variables"], ["task", "variables"]]

        var path: [String] {
            switch self {
            case .variablesToApprove: return Self.paths[0]
            case .stepRun: return Self.paths[1]
            case .task: return Self.paths[2]
            }
        }
    }

    let id: String
    let type: String?
    let value: JSONValue
    /// False when the entry has no `value` member at all.
    let hasValue: Bool
    let source: Source
    let index: Int

    /// Where the entry is, as a JSON Pointer (`/variables_to_approve/3`).
    var pointer: JSONPointer {
        JSONPointer(tokens: source.path + [String(index)])
    }
}

/// Variables listed more than once, found while indexing: the same id twice in one listing with
/// different values (ambiguous, an `ambiguous_fact` problem), or listings that disagree about an
/// id (the documented precedence decides, and a warning says so).
struct VariableRepeats: Sendable {
    /// Problems by variable id: listed twice in one listing, with different values or types.
    var ambiguous: [String: DataProblem] = [:]
    /// Warnings by variable id: a later listing gives another value than the one used.
    var disagreements: [String: String] = [:]

    /// Records `variable`, found after `first` (the entry the index keeps) with the same id.
    mutating func note(_ variable: SnapshotVariable, repeating first: SnapshotVariable) {
        let same = variable.value == first.value && variable.type == first.type && variable.hasValue == first.hasValue
        if same { return }  // identical repeats say one thing
        if variable.source == first.source {
            guard ambiguous[variable.id] == nil else { return }
            ambiguous[variable.id] = DataProblem(
                code: .ambiguousFact,
                message: "variable \(variable.id) is listed twice with different values (\(first.pointer) and "
                    + "\(variable.pointer)): neither is used",
                path: variable.pointer.description, ruleID: nil)
        } else if disagreements[variable.id] == nil {
            disagreements[variable.id] =
                "variable \(variable.id): \(first.pointer) and \(variable.pointer) disagree; the value at "
                + "\(first.pointer) is used"
        }
    }
}

/// An entry of a variable listing that the snapshot's index could not read as a variable: noted
/// as the index walks the listings, reported by ``SnapshotValidator`` as `malformed_snapshot`.
struct UnreadableEntry: Sendable {
    /// Why the entry was skipped.
    enum Reason: Sendable {
        /// The entry is not an object (its JSON type's name).
        case notObject(String)
        /// The entry has no string `variable_id`.
        case noStringID
    }

    /// The listing it is in.
    let source: SnapshotVariable.Source
    /// Its place in the listing.
    let index: Int
    let reason: Reason
}
