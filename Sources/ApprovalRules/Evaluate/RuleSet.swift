public import ApprovalJSON

/// A compiled rule document: immutable, `Sendable`, compiled once and evaluated many times from
/// any number of threads.
///
/// ```swift
/// let rules = try RuleSet(contentsOf: "rules/default.rules.json")
/// let snapshot = ApprovalSnapshot(try JSONParser().parse(contentsOf: "examples/snapshots/tier-2.json"))
/// let decision = rules.evaluate(snapshot, options: EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T00:00:00Z")))
/// print(decision.recommendation, decision.escalations.map(\.message))
/// ```
public struct RuleSet: Sendable {
    /// The document's `name`.
    public var name: String { compiled.name }
    /// The document's `description`.
    public var description: String? { compiled.description }
    /// `sha256:` and the hex digest of the document as written: the file's bytes for
    /// ``init(bytes:file:limits:)`` and ``init(contentsOf:limits:)`` (a reformatted file is a new
    /// version: the hash proves which text was in force), the compact JSON writing of the value
    /// (`JSONWriter.compact`) for ``init(json:limits:)``. The two agree exactly when the bytes are
    /// that compact writing.
    public var contentHash: String { compiled.contentHash }
    /// How recommendations combine.
    public var strategy: CombiningStrategy { compiled.strategy }
    /// The recommendation when no rule recommends anything.
    public var defaultRecommendation: Recommendation { compiled.defaultRecommendation }
    /// The recommendation a decision falls back to when data is missing or wrong.
    public var safeRecommendation: Recommendation { compiled.safeRecommendation }
    /// Warnings found while compiling (the document is usable).
    public var warnings: [RuleDiagnostic] { compiled.warnings }
    /// The rule ids, in evaluation order.
    public var ruleIDs: [String] { compiled.rules.map(\.id) }
    /// The document's bytes, those ``contentHash`` is the digest of: what a decision record stores
    /// so that the decision can be made again from them.
    package var documentBytes: [UInt8] { compiled.documentBytes }

    /// Everything compiled, behind one reference: a rule set is copied (into tasks, closures,
    /// evaluations) for the cost of one retain.
    let compiled: Compiled

    /// A rule's condition as the evaluation loop calls it. A struct around the closure, so that an
    /// array of them stores each closure as it is, not behind a reabstraction thunk.
    struct Condition: Sendable {
        let test: Tester
    }

    final class Compiled: Sendable {
        let name: String
        let description: String?
        let contentHash: String
        let documentBytes: [UInt8]
        let strategy: CombiningStrategy
        let defaultRecommendation: Recommendation
        let safeRecommendation: Recommendation
        let warnings: [RuleDiagnostic]
        let rules: [CompiledRule]
        /// The rules' conditions, in the same order: what the evaluation loop calls (a closure
        /// read from a local copy of this array is called without being retained, unlike one read
        /// from a rule object).
        let conditions: ContiguousArray<Condition>
        /// How many escalations the rules declare in all (what a decision reserves room for).
        let escalationCount: Int
        let requiredFacts: [RequiredFact]
        let references: References
        /// `references.projection`, built once.
        let projection: JSONProjection
        /// `references.variableIDs`, sorted once so evaluations check them in a stable order.
        let checkedVariableIDs: [String]
        /// The root facts the rules read, numbered: each is looked up once per evaluation (or once
        /// per snapshot, ``RuleSet/prepare(_:options:)``).
        let layout: FactLayout
        let limits: Limits

        init(
            output: RuleCompiler.Output, contentHash: String, documentBytes: [UInt8], warnings: [RuleDiagnostic],
            limits: Limits
        ) {
            self.name = output.name
            self.description = output.description
            self.contentHash = contentHash
            self.documentBytes = documentBytes
            self.strategy = output.strategy
            self.defaultRecommendation = output.defaultRecommendation
            self.safeRecommendation = output.safeRecommendation
            self.warnings = warnings
            self.rules = output.rules
            self.conditions = ContiguousArray(output.rules.map { Condition(test: $0.condition.test) })
            self.escalationCount = output.rules.reduce(0) { $0 + $1.escalations.count }
            self.requiredFacts = output.requiredFacts
            self.references = output.references
            self.projection = output.references.projection
            self.checkedVariableIDs = output.references.variableIDs.sorted()
            self.layout = FactLayout(output.facts, declarations: output.declarations)
            self.limits = limits
        }
    }

    // MARK: - Loading

    /// Loads and compiles a rule file.
    ///
    /// - Throws: ``RuleCompilationError`` with every problem found (a syntax error, a missing
    ///   file or an oversized file is reported as one diagnostic).
    public init(contentsOf path: String, limits: Limits = .default) throws {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path, limit: limits.ruleFileBytes)
        } catch {
            throw RuleCompilationError(diagnostics: [Self.diagnostic(for: error)])
        }
        try self.init(bytes: bytes, file: path, limits: limits)
    }

    /// Compiles a rule document from its bytes.
    ///
    /// - Parameter file: the name to put in diagnostics.
    /// - Throws: ``RuleCompilationError``.
    public init(bytes: [UInt8], file: String? = nil, limits: Limits = .default) throws {
        let document: JSONValue
        do {
            document = try JSONParser(options: limits.ruleFileParsing).parse(bytes, file: file)
        } catch {
            throw RuleCompilationError(diagnostics: [Self.diagnostic(for: error)])
        }
        try self.init(
            document: document, bytes: bytes, locator: SourceLocator(bytes: bytes, file: file), limits: limits)
    }

    /// Compiles a rule document already in memory (diagnostics have paths but no line numbers);
    /// its ``contentHash`` is that of the value's compact JSON writing.
    ///
    /// - Throws: ``RuleCompilationError``.
    public init(json: JSONValue, limits: Limits = .default) throws {
        try self.init(document: json, bytes: JSONWriter.compact.bytes(json), locator: nil, limits: limits)
    }

    /// The rule set of `bytes` compiled for a coverage run: conditions record their branch
    /// outcomes in traces (``RuleCoverage``).
    package init(instrumenting bytes: [UInt8], file: String?, limits: Limits) throws {
        let document = try JSONParser(options: limits.ruleFileParsing).parse(bytes, file: file)
        try self.init(
            document: document, bytes: bytes, locator: SourceLocator(bytes: bytes, file: file), limits: limits,
            instrumentsBranches: true)
    }

    private init(
        document: JSONValue, bytes: [UInt8], locator: SourceLocator?, limits: Limits, instrumentsBranches: Bool = false
    ) throws {
        var compiler = RuleCompiler(limits: limits, instrumentsBranches: instrumentsBranches)
        let output = compiler.compile(document)
        var diagnostics = compiler.diagnostics
        if let locator {
            for index in diagnostics.indices {
                let key = diagnostics[index].code == .unknownField || diagnostics[index].code == .unknownAction
                diagnostics[index].location =
                    locator.location(of: diagnostics[index].path, key: key)
                    ?? locator.location(of: diagnostics[index].path.parent)
            }
        }
        diagnostics.sort { ($0.location?.byteOffset ?? 0, $0.path) < ($1.location?.byteOffset ?? 0, $1.path) }
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw RuleCompilationError(diagnostics: diagnostics)
        }
        compiled = Compiled(
            output: output, contentHash: "sha256:" + SHA256.hex(bytes), documentBytes: bytes, warnings: diagnostics,
            limits: limits)
    }

    static func diagnostic(for error: JSONError) -> RuleDiagnostic {
        let code: RuleDiagnostic.Code
        switch error.code {
        case .tooLarge, .tooDeep: code = .limitExceeded
        case .fileNotFound: code = .fileNotFound
        case .unreadable: code = .unreadableFile
        default: code = .jsonSyntax
        }
        return RuleDiagnostic(
            code: code, message: "\(error.message) [\(error.code)]", path: error.path ?? .root, location: error.location
        )
    }

    // MARK: - What a rule set reads

    /// What the fast path needs out of each snapshot: pass it to
    /// `JSONParser.parse(_:file:projection:)`. Decisions on the projected value equal decisions on
    /// the whole document.
    public var projection: JSONProjection { compiled.projection }

    /// Which optional parts of a task the rules read, beyond the approval details.
    public var neededParts: NeededParts {
        let references = compiled.references
        var parts = NeededParts()
        if references.readsTask || references.readsEverything { parts.insert(.task) }
        if references.readsFiles || references.readsEverything { parts.insert(.taskFiles) }
        if references.readsSignedDocuments || references.readsEverything { parts.insert(.signedDocuments) }
        return parts
    }

    /// Parts of a task beyond its approval details.
    public struct NeededParts: OptionSet, Sendable, Hashable {
        /// The parts, one bit each.
        public let rawValue: Int
        /// The parts whose bits are set in `rawValue`.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `GET /tasks/{id}` (owner, task variables).
        public static let task = NeededParts(rawValue: 1)
        /// `GET /tasks/{id}/files`.
        public static let taskFiles = NeededParts(rawValue: 2)
        /// `GET /tasks/{id}/signed-documents`.
        public static let signedDocuments = NeededParts(rawValue: 4)
    }
}

/// Options for one evaluation.
///
/// ```swift
/// let options = EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T00:00:00Z"), explain: true)
/// ```
public struct EvaluationOptions: Sendable, Hashable {
    /// The clock: what `now` and the relative date operators use. `nil` makes them unavailable
    /// (rules using them then fail closed). The engine never reads the wall clock.
    public var now: Timestamp?
    /// Whether to include a ``RuleTrace`` per rule.
    public var explain: Bool

    /// Options.
    public init(now: Timestamp? = nil, explain: Bool = false) {
        self.now = now
        self.explain = explain
    }
}
