public import ApprovalJSON

/// What validating one rule document found: its name and rule count when it compiles, and every
/// diagnostic (errors and warnings), as `approvalctl validate` and the decision service report it.
///
/// ```swift
/// let report = RuleValidation(contentsOf: "rules/default.rules.json")
/// print(report.valid, report.errors, report.warnings)
/// print(JSONWriter.pretty.string(report.json))
/// ```
public struct RuleValidation: Sendable {
    /// The file name (as given; `<request>` for a document that came in a request).
    public let file: String
    /// The document's `name`, when it compiles.
    public let name: String?
    /// How many rules it has, when it compiles.
    public let rules: Int
    /// Every problem found, errors first by location, then warnings.
    public let diagnostics: [RuleDiagnostic]

    /// Validates a rule file.
    public init(contentsOf path: String, limits: Limits = .default) {
        self.init(file: path) { try RuleSet(contentsOf: path, limits: limits) }
    }

    /// Validates a rule document's bytes.
    public init(bytes: [UInt8], file: String, limits: Limits = .default) {
        self.init(file: file) { try RuleSet(bytes: bytes, file: file, limits: limits) }
    }

    private init(file: String, compile: () throws -> RuleSet) {
        self.file = file
        do {
            let ruleSet = try compile()
            name = ruleSet.name
            rules = ruleSet.ruleIDs.count
            diagnostics = ruleSet.warnings
        } catch let error as RuleCompilationError {
            name = nil
            rules = 0
            diagnostics = error.diagnostics
        } catch {
            name = nil
            rules = 0
            diagnostics = [RuleDiagnostic(code: .jsonSyntax, message: "\(error)", path: .root, location: nil)]
        }
    }

    /// How many diagnostics are errors.
    public var errors: Int { diagnostics.filter { $0.severity == .error }.count }
    /// How many are warnings.
    public var warnings: Int { diagnostics.count - errors }
    /// Whether the document compiles (warnings allowed).
    public var valid: Bool { errors == 0 }
    /// Whether the file was missing.
    public var fileMissing: Bool { diagnostics.contains { $0.code == .fileNotFound } }

    /// `{"file", "valid", "name", "rules", "errors", "warnings", "diagnostics"}`.
    public var json: JSONValue {
        [
            "file": .string(file), "valid": .bool(valid), "name": name.map(JSONValue.string) ?? .null,
            "rules": .integer(Int64(rules)), "errors": .integer(Int64(errors)), "warnings": .integer(Int64(warnings)),
            "diagnostics": .array(diagnostics.map(\.json)),
        ]
    }
}
