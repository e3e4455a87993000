package import ApprovalJSON

/// A rule document's `variables` section inferred from saved snapshots: every variable id they
/// list, the type its values have, whether every snapshot has a value for it (`required`), and
/// how often it was seen (`description`). What `approvalctl schema infer` prints.
///
/// A variable's type is the API's `variable_type` the snapshots give most often, when every
/// value seen fits it as a declared type; otherwise the closest type that fits them all (`money`
/// for a `number` some snapshot writes as `"50000.00"` or with a currency, `datetime` for a
/// `date` with a time), else `any`.
///
/// ```swift
/// var inference = VariableInference()
/// for snapshot in snapshots { _ = inference.add(snapshot) }
/// print(JSONWriter.pretty.string(["variables": inference.section]))
/// ```
package struct VariableInference: Sendable {
    /// What was seen of one variable id.
    private struct Seen: Sendable {
        /// Snapshots with a value that is not `null`.
        var present = 0
        /// `variable_type`s, with how many snapshots gave each.
        var types: [String: Int] = [:]
        /// The fact types every value seen so far fits.
        var fitting = Set(FactType.allCases)
    }

    private var seen: [String: Seen] = [:]
    /// How many snapshots were added.
    package private(set) var snapshots = 0

    /// No snapshots yet.
    package init() {}

    /// What became of a snapshot given to ``add(_:)``.
    package enum Outcome: Sendable, Equatable {
        /// Its variables were counted.
        case added
        /// It is a snapshot, but its variable listings cannot be read (one is not an array, an
        /// entry has no id, there is none): it is left out, and not counted.
        case skipped(String)
        /// It is no snapshot at all (not a JSON object).
        case refused(String)
    }

    /// Adds a snapshot's variables.
    package mutating func add(_ snapshot: ApprovalSnapshot) -> Outcome {
        let findings = snapshot.findings
        func text(_ problem: DataProblem) -> String {
            guard let path = problem.path, !path.isEmpty else { return problem.message }
            return "\(problem.message) (at \(path))"
        }
        if let problem = findings.document { return .refused(text(problem)) }
        if let problem = findings.variableListings.first { return .skipped(text(problem)) }
        snapshots += 1
        for variable in snapshot.variables {
            var entry = seen[variable.id] ?? Seen()
            if let type = variable.type { entry.types[type, default: 0] += 1 }
            if variable.hasValue, variable.value != .null {
                entry.present += 1
                entry.fitting = entry.fitting.filter { $0.accepts(variable.value) }
            }
            seen[variable.id] = entry
        }
        return .added
    }

    /// The ids that can be declared (non-empty, no dots: a fact path reads them), sorted.
    package var ids: [String] {
        seen.keys.filter { !$0.isEmpty && !$0.contains(".") }.sorted { $0.precedesInCodePointOrder($1) }
    }

    /// `{"<id>": {"type", "required", "description"}, ...}`, ids in code-point order.
    package var section: JSONValue {
        var section = JSONObject()
        for id in ids {
            guard let entry = seen[id] else { continue }
            let types = entry.types.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            var description = "seen in \(entry.present) of \(snapshots) snapshot\(snapshots == 1 ? "" : "s")"
            if types.count == 1 {
                description += "; variable_type \(types[0].key)"
            } else if !types.isEmpty {
                description += "; variable_type " + types.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            }
            var declaration = JSONObject()
            declaration["type"] = .string(Self.type(types, fitting: entry.fitting))
            declaration["required"] = .bool(snapshots > 0 && entry.present == snapshots)
            declaration["description"] = .string(description)
            section[id] = .object(declaration)
        }
        return .object(section)
    }

    /// The type to declare: the most frequent API type whose declared type every value fits, or
    /// a close type that fits them all (`money` for numbers, `datetime` for dates), else `any`.
    private static func type(_ types: [(key: String, value: Int)], fitting: Set<FactType>) -> String {
        for (apiType, _) in types {
            guard let declared = VariableType.named(apiType) else { continue }
            if fitting.contains(declared.factType) { return apiType }
            let closer: FactType?
            switch declared.factType {
            case .number, .integer: closer = .money
            case .date: closer = .datetime
            default: closer = nil
            }
            if let closer, fitting.contains(closer) { return closer.rawValue }
        }
        return FactType.any.rawValue
    }
}
