public import ApprovalJSON

/// One problem found in a rule document: a stable code, a message, and where it is.
///
/// Every diagnostic has a JSON Pointer; when the document's source text is known it also has a
/// file, line and column. Text rendering is compiler style, so editors and `grep` can use it.
///
/// ```swift
/// // rules/x.rules.json:12:7: error[unknown_operator]: unknown operator "betwen"; did you mean "between"? (at /rules/3/when)
/// print(diagnostic)
/// ```
public struct RuleDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad a diagnostic is.
    public enum Severity: String, Sendable, Hashable, Comparable {
        /// The document cannot be used.
        case error
        /// The document works, but probably not as meant.
        case warning

        /// Whether `lhs` comes before `rhs` in this type's order.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    /// A stable identifier for a kind of problem; it also fixes the severity.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable, CaseIterable {
            // The document as a file and as JSON
            case fileNotFound = "file_not_found"
            case unreadableFile = "unreadable_file"
            case jsonSyntax = "json_syntax"
            case limitExceeded = "limit_exceeded"
            // Document structure
            case missingField = "missing_field"
            case invalidFieldType = "invalid_field_type"
            case unknownField = "unknown_field"
            case invalidValue = "invalid_value"
            case noRules = "no_rules"
            case duplicateRuleID = "duplicate_rule_id"
            case unknownAction = "unknown_action"
            case invalidRecommendation = "invalid_recommendation"
            case ruleWithoutAction = "rule_without_action"
            case invalidSeverity = "invalid_severity"
            case invalidDuration = "invalid_duration"
            case invalidFactType = "invalid_fact_type"
            case invalidFactPath = "invalid_fact_path"
            case invalidTemplate = "invalid_template"
            case unknownCurrency = "unknown_currency"
            // Expressions
            case unknownOperator = "unknown_operator"
            case wrongArity = "wrong_arity"
            case invalidArgument = "invalid_argument"
            case unknownList = "unknown_list"
            case unknownVariable = "unknown_variable"
            case typeMismatch = "type_mismatch"
            // Analysis
            case unreachableTier = "unreachable_tier"
            case overlappingTier = "overlapping_tier"
            case constantCondition = "constant_condition"
            // Decision tables
            case tableGap = "table_gap"
            case tableOverlap = "table_overlap"
            case tableSubsumedRow = "table_subsumed_row"
            case tableConflict = "table_conflict"

            var severity: Severity {
                switch self {
                case .unknownField, .overlappingTier, .constantCondition, .tableGap, .tableSubsumedRow: return .warning
                default: return .error
                }
            }
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The rule file does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// The rule file exists but cannot be read (a directory, permissions, an I/O error).
        public static let unreadableFile = Code(.unreadableFile)
        /// The document is not valid JSON (or repeats a key).
        public static let jsonSyntax = Code(.jsonSyntax)
        /// A size limit was hit (document size, rules, expression depth or size, string length).
        public static let limitExceeded = Code(.limitExceeded)
        /// A required field is absent.
        public static let missingField = Code(.missingField)
        /// A field has the wrong JSON type.
        public static let invalidFieldType = Code(.invalidFieldType)
        /// A field the format does not define (a warning: probably a typo).
        public static let unknownField = Code(.unknownField)
        /// A field has a value outside what it accepts.
        public static let invalidValue = Code(.invalidValue)
        /// The document has no rules.
        public static let noRules = Code(.noRules)
        /// Two rules share an id.
        public static let duplicateRuleID = Code(.duplicateRuleID)
        /// A rule has an action the format does not define.
        public static let unknownAction = Code(.unknownAction)
        /// A recommendation other than approve, request_changes, hold or reject.
        public static let invalidRecommendation = Code(.invalidRecommendation)
        /// A rule neither recommends nor escalates.
        public static let ruleWithoutAction = Code(.ruleWithoutAction)
        /// An escalation severity other than low, medium, high or critical.
        public static let invalidSeverity = Code(.invalidSeverity)
        /// A duration (`remind_after`, `escalate_after.after`) that is not a positive ISO 8601
        /// duration of fixed length (`PT48H`, `P2D`; not `P1M`).
        public static let invalidDuration = Code(.invalidDuration)
        /// A required fact has an unknown type.
        public static let invalidFactType = Code(.invalidFactType)
        /// A fact path is empty or malformed.
        public static let invalidFactPath = Code(.invalidFactPath)
        /// A message template is malformed (unclosed `{{`, empty or bad placeholder).
        public static let invalidTemplate = Code(.invalidTemplate)
        /// A currency code that the rate table does not declare.
        public static let unknownCurrency = Code(.unknownCurrency)
        /// An expression names an operator that does not exist.
        public static let unknownOperator = Code(.unknownOperator)
        /// An operator got too few or too many arguments.
        public static let wrongArity = Code(.wrongArity)
        /// An operator got a literal argument it cannot use.
        public static let invalidArgument = Code(.invalidArgument)
        /// An expression names a list the document does not declare.
        public static let unknownList = Code(.unknownList)
        /// A reference to a variable id the document's `variables` section does not declare.
        public static let unknownVariable = Code(.unknownVariable)
        /// An operator applied to a declared variable of a type it cannot use (`money>` on a boolean).
        public static let typeMismatch = Code(.typeMismatch)
        /// A threshold tier can never fire, because an earlier tier always takes its cases.
        public static let unreachableTier = Code(.unreachableTier)
        /// Two threshold tiers overlap (a warning).
        public static let overlappingTier = Code(.overlappingTier)
        /// A rule's condition is constant (always or never fires; a warning).
        public static let constantCondition = Code(.constantCondition)
        /// Input combinations no row of a decision table covers (a warning: they fall to the
        /// default recommendation).
        public static let tableGap = Code(.tableGap)
        /// Two rows of a `unique` decision table match the same input.
        public static let tableOverlap = Code(.tableOverlap)
        /// A row of a `first` decision table that never wins: earlier rows take all its inputs
        /// (a warning).
        public static let tableSubsumedRow = Code(.tableSubsumedRow)
        /// Rows that match the same input give different outputs where the hit policy does not
        /// choose between them.
        public static let tableConflict = Code(.tableConflict)

        /// The severity this code implies.
        public var severity: Severity { kind.severity }

        /// The snake_case identifier, e.g. `unknown_operator`.
        public var description: String { kind.rawValue }

        /// Every code (for documentation and tests).
        public static var all: [Code] { Kind.allCases.map(Code.init) }
    }

    /// What kind of problem.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where in the document (always present; the root is `""`).
    public var path: JSONPointer
    /// File, line and column, when the source text is known.
    public var location: SourceLocation?
    /// The rule the problem is in, when it is in one.
    public var ruleID: String?
    /// For a decision-table finding: an input showing it, as input key (fact path, or
    /// `has_file:<variable id>`) → value.
    public var example: JSONValue?
    /// For a decision-table finding: the rules (table rows, `doa/row-2`) involved.
    public var rules: [String]

    /// A diagnostic.
    public init(
        code: Code, message: String, path: JSONPointer, location: SourceLocation? = nil, ruleID: String? = nil,
        example: JSONValue? = nil, rules: [String] = []
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.location = location
        self.ruleID = ruleID
        self.example = example
        self.rules = rules
    }

    /// The severity (implied by ``code``).
    public var severity: Severity { code.severity }

    /// `file:line:column: error[code]: message (at /path)`.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue)[\(code)]: \(message)"
        text += " (at \(path.tokens.isEmpty ? "/" : path.description))"
        return text
    }

    /// The diagnostic as JSON (the fields of the text form, plus the rule id; decision-table
    /// findings add `example` and `rules`).
    public var json: JSONValue {
        var object = JSONObject()
        object["severity"] = .string(severity.rawValue)
        object["code"] = .string(code.description)
        object["message"] = .string(message)
        object["path"] = .string(path.description)
        object["file"] = location?.file.map(JSONValue.string) ?? .null
        object["line"] = location.map { .integer(Int64($0.line)) } ?? .null
        object["column"] = location.map { .integer(Int64($0.column)) } ?? .null
        object["rule_id"] = ruleID.map(JSONValue.string) ?? .null
        if let example { object["example"] = example }
        if !rules.isEmpty { object["rules"] = .array(rules.map(JSONValue.string)) }
        return .object(object)
    }
}

/// Thrown when a rule document cannot be compiled: every diagnostic found, sorted by location.
///
/// ```swift
/// do {
///     _ = try RuleSet(contentsOf: "rules/broken.rules.json")
/// } catch let error as RuleCompilationError {
///     for diagnostic in error.diagnostics { print(diagnostic) }
/// }
/// ```
public struct RuleCompilationError: Error, Sendable, CustomStringConvertible {
    /// Every problem found (errors and warnings), in document order.
    public var diagnostics: [RuleDiagnostic]

    /// An error holding `diagnostics`.
    public init(diagnostics: [RuleDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// The errors only.
    public var errors: [RuleDiagnostic] { diagnostics.filter { $0.severity == .error } }

    /// The text form, as printed in messages and reports.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
