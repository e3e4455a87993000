package import ApprovalJSON
package import ApprovalRules

/// A fact a rule document reads that no saved snapshot has (`approvalctl validate --snapshots`):
/// usually a misspelt path, or a variable the workflow no longer collects. A warning: the rule
/// set is still valid.
package struct UnseenFact: Sendable {
    /// Where the document reads it.
    package let reference: FactReference
    /// The reference's file, line and column, when the document came from a file.
    package let location: SourceLocation?
    /// The snapshots looked at (the folder as given).
    package let snapshots: String

    /// The stable code of the warning.
    package static let code = "unseen_fact"

    /// What is unseen, in a sentence.
    package var message: String {
        let reader = reference.ruleID.map { "rule \"\($0)\"" } ?? "required_facts"
        switch reference.kind {
        case .file:
            return "\(reader) tests has_file \"\(reference.variableID ?? reference.dotted)\", but no saved snapshot in "
                + "\(snapshots) has a file for it"
        case .value:
            return "\(reader) reads \(reference.dotted), which no saved snapshot in \(snapshots) has"
        }
    }

    /// Compiler style, as `validate` prints diagnostics:
    /// `file:line:column: warning[unseen_fact]: message (at /pointer)`.
    package var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)warning[\(Self.code)]: \(message) (at \(reference.pointer))"
    }

    /// The fields of ``description``, as a `validate --format json` report lists them.
    package var json: JSONValue {
        [
            "severity": "warning", "code": .string(Self.code), "message": .string(message),
            "fact": .string(reference.dotted), "file": location?.file.map(JSONValue.string) ?? .null,
            "line": location.map { .integer(Int64($0.line)) } ?? .null,
            "column": location.map { .integer(Int64($0.column)) } ?? .null,
            "path": .string(reference.pointer.description),
            "rule_id": reference.ruleID.map(JSONValue.string) ?? .null,
        ]
    }

    /// For each rule set (`nil` for a file that does not compile), the facts it reads that no
    /// snapshot under `folder` has, in document order; and how the pass over the snapshots went
    /// (each is read once, whatever the number of rule sets).
    ///
    /// - Throws: ``CommandFailure`` (66, reported) when `folder` is missing or holds no snapshots.
    package static func find(
        in ruleSets: [(file: String, rules: RuleSet?)], snapshots folder: String, format: OutputFormat
    ) throws(CommandFailure) -> (facts: [[UnseenFact]], pass: SavedSnapshots.Pass) {
        struct Key: Hashable {
            let path: [String]
            let kind: FactReference.Kind
        }
        let references = ruleSets.map { $0.rules?.factReferences(file: $0.file) ?? [] }
        var wanted = Set(references.joined().map { Key(path: $0.reference.path, kind: $0.reference.kind) })
        let pass = try SavedSnapshots.each(in: folder, format: format) { _, snapshot in
            for key in wanted {
                let probe = FactReference(path: key.path, kind: key.kind, pointer: .root, ruleID: nil)
                if snapshot.has(probe) { wanted.remove(key) }
            }
            return nil
        }
        let facts = references.map { found in
            found.filter { wanted.contains(Key(path: $0.reference.path, kind: $0.reference.kind)) }.map {
                UnseenFact(reference: $0.reference, location: $0.location, snapshots: folder)
            }
        }
        return (facts, pass)
    }
}
