import ApprovalJSON
import Testing

/// One entry of the bad-input catalogue (`Fixtures/catalogue/expectations.json`): an input and
/// exactly what must come of it.
struct CatalogueEntry: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable {
        /// A snapshot, decided with `rules/default.rules.json` (or refused).
        case snapshot
        /// A rule file that must not compile.
        case rules
        /// A rule file that compiles but whose evaluation must be stopped by the step budget.
        case evaluation
    }

    /// What must happen.
    enum Expectation: Sendable {
        /// The snapshot must not parse: `JSONError` with this code, exit 65.
        case parseError(code: String)
        /// The input gives a decision, exit 0.
        case decision(DecisionExpectation)
        /// The rule file must not compile: exactly these error diagnostics (sorted), exit 65.
        case diagnostics([String])
    }

    let id: String
    let kind: Kind
    /// The input, relative to the catalogue folder (`nil` when generated at test time).
    let input: String?
    /// The name of the generator that builds the input (see ``GeneratedInput``).
    let generated: String?
    /// For evaluations: the snapshot evaluated with the rule file.
    let snapshot: String?
    /// What the entry covers, in words.
    let covers: String
    let expectation: Expectation
    /// Set when the engine does not behave as expected yet: the entry runs in a disabled test.
    let knownBug: String?

    var testDescription: String { id }
}

/// The decision an input must produce.
struct DecisionExpectation: Sendable {
    var recommendation: String
    /// The `data_problems` codes, in order.
    var dataProblems: [String]
    /// The fired rule ids, in order, when the entry pins them.
    var firedRules: [String]?
    /// Text each data problem message must contain (in order), when pinned.
    var problemMessages: [String]
    /// Text some warning must contain, each, when pinned.
    var warnings: [String]
    /// Text some escalation message must contain, each, when pinned.
    var escalations: [String]
    /// Only a legitimately clean snapshot may be approved.
    var clean: Bool
}

enum Catalogue {
    /// Every entry, in file order.
    static func entries() throws -> [CatalogueEntry] {
        let document = try JSONParser().parse(contentsOf: Paths.catalogue + "/expectations.json")
        let list = try #require(document["entries"]?.array, "expectations.json has no entries array")
        return try list.map(entry)
    }

    /// The entries the engine handles as expected today.
    static func passing() throws -> [CatalogueEntry] { try entries().filter { $0.knownBug == nil } }

    /// The entries that expose a known engine bug.
    static func knownBugs() throws -> [CatalogueEntry] { try entries().filter { $0.knownBug != nil } }

    private static func entry(_ value: JSONValue) throws -> CatalogueEntry {
        let id = try #require(value["id"]?.string, "an entry without an id: \(value)")
        let kind = try #require(value["kind"]?.string.flatMap(CatalogueEntry.Kind.init), "\(id): bad kind")
        let expect = try #require(value["expect"]?.object, "\(id): no expect")
        let expectation: CatalogueEntry.Expectation
        if let code = expect["error"]?.string {
            expectation = .parseError(code: code)
        } else if let codes = expect["diagnostics"]?.array {
            expectation = .diagnostics(codes.compactMap(\.string).sorted())
        } else {
            let recommendation = try #require(expect["recommendation"]?.string, "\(id): no recommendation")
            expectation = .decision(
                DecisionExpectation(
                    recommendation: recommendation,
                    dataProblems: expect["data_problems"]?.array?.compactMap(\.string) ?? [],
                    firedRules: expect["fired_rules"]?.array?.compactMap(\.string),
                    problemMessages: expect["problem_messages"]?.array?.compactMap(\.string) ?? [],
                    warnings: expect["warnings"]?.array?.compactMap(\.string) ?? [],
                    escalations: expect["escalations"]?.array?.compactMap(\.string) ?? [],
                    clean: expect["clean"]?.bool ?? false))
        }
        return CatalogueEntry(
            id: id, kind: kind, input: value["input"]?.string, generated: value["generated"]?.string,
            snapshot: value["snapshot"]?.string, covers: value["covers"]?.string ?? "", expectation: expectation,
            knownBug: value["known_bug"]?.string)
    }
}
