import ApprovalJSON
import Foundation
import Testing

@testable import ApprovalRules

/// Every input of the bad-input catalogue (`Fixtures/catalogue`), run through the library and
/// through the built `approvalctl`, must give exactly the outcome `expectations.json` records:
/// the error code and exit 65 for what must not parse or compile, the decision (recommendation,
/// data problem codes, fired rules) and exit 0 for the rest, never a crash, never a hang, and
/// never an approval of anything but a legitimately clean snapshot.
@Suite("Bad-input catalogue")
struct CatalogueTests {
    @Test("the catalogue holds at least 60 entries, every fixture file is catalogued, and ids are unique")
    func catalogueIsCompleteAndWellFormed() throws {
        let entries = try Catalogue.entries()
        #expect(entries.count >= 60)
        #expect(Set(entries.map(\.id)).count == entries.count, "duplicate ids in expectations.json")
        for kind in [CatalogueEntry.Kind.snapshot, .rules, .evaluation] {
            #expect(entries.contains { $0.kind == kind }, "no \(kind.rawValue) entries")
        }
        var referenced: Set<String> = []
        for entry in entries {
            #expect(
                (entry.input == nil) != (entry.generated == nil), "\(entry.id): give exactly one of input and generated"
            )
            if let input = entry.input {
                referenced.insert(input)
                #expect(
                    FileManager.default.fileExists(atPath: Paths.catalogue + "/" + input),
                    "\(entry.id): \(input) is missing")
            }
            if let snapshot = entry.snapshot { referenced.insert(snapshot) }
            #expect(
                (entry.kind == .evaluation) == (entry.snapshot != nil), "\(entry.id): only evaluations name a snapshot")
            #expect(!entry.covers.isEmpty, "\(entry.id): say what the entry covers")
            if case .decision(let expected) = entry.expectation, expected.recommendation == "approve" {
                #expect(expected.clean, "\(entry.id): only entries marked clean may expect approve")
            }
        }
        for folder in ["snapshots", "rules"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: Paths.catalogue + "/" + folder) {
                #expect(referenced.contains(folder + "/" + name), "\(folder)/\(name) is not in expectations.json")
            }
        }
    }

    @Test(
        "each catalogue input gets its catalogued outcome from the library and the CLI",
        .timeLimit(.minutes(3)), arguments: try Catalogue.passing())
    func entryGetsItsCataloguedOutcome(_ entry: CatalogueEntry) async throws {
        try await CatalogueCheck.run(entry)
    }

    // MARK: - Engine bugs the catalogue found (fixed; kept as regression tests)

    @Test(
        "a task of the wrong shape is a data problem, not a task without an owner",
        arguments: try Catalogue.knownBugs().filter { $0.knownBug == "task-wrong-shape" })
    func taskOfTheWrongShapeIsADataProblem(_ entry: CatalogueEntry) async throws {
        try await CatalogueCheck.run(entry)
    }

    @Test(
        "the vendor blocklist matches a name with CR LF inside when the name also has non-ASCII characters",
        arguments: try Catalogue.knownBugs().filter { $0.knownBug == "blocklist-crlf" })
    func blocklistSurvivesCRLFInNonASCIINames(_ entry: CatalogueEntry) async throws {
        try await CatalogueCheck.run(entry)
    }

    @Test(
        "the vendor blocklist matches names disguised with invisible or compatibility characters",
        arguments: try Catalogue.knownBugs().filter { $0.knownBug == "blocklist-unnormalised" })
    func blocklistSeesThroughDisguisedNames(_ entry: CatalogueEntry) async throws {
        try await CatalogueCheck.run(entry)
    }

    @Test(
        "the projected (fast) parse enforces the snapshot depth limit like the full parse",
        arguments: try Catalogue.knownBugs().filter { $0.knownBug == "projection-skips-depth-limit" })
    func projectedParseEnforcesTheDepthLimit(_ entry: CatalogueEntry) async throws {
        try await CatalogueCheck.run(entry)
    }

    @Test("every former-bug entry of the catalogue has its regression test above, and every such test has entries")
    func everyKnownBugHasATest() throws {
        let covered: Set<String> = [
            "task-wrong-shape", "blocklist-crlf", "blocklist-unnormalised", "projection-skips-depth-limit",
        ]
        let bugs = try Catalogue.knownBugs()
        for entry in bugs {
            #expect(
                covered.contains(entry.knownBug ?? ""), "\(entry.id): known_bug \(entry.knownBug ?? "") has no test")
        }
        // And the other way round: each regression test above has entries, so none passes on zero cases.
        for id in covered {
            #expect(bugs.contains { $0.knownBug == id }, "the regression test for \(id) has no catalogue entry left")
        }
    }
}

// MARK: - The check

/// Runs one entry through the library and the CLI and compares both with the catalogue.
enum CatalogueCheck {
    static let defaultRules = Result { try RuleSet(contentsOf: Paths.defaultRules) }
    static let now = Timestamp(iso8601: Paths.now)

    static func run(_ entry: CatalogueEntry) async throws {
        let scratch = try ScratchDirectory("catalogue")
        defer { scratch.remove() }
        let path: String
        let argument: String
        if let generated = entry.generated {
            let name = generated + (entry.kind == .snapshot ? ".json" : ".rules.json")
            path = try scratch.write(try GeneratedInput.bytes(named: generated, kind: entry.kind), to: name)
            argument = path
        } else {
            argument = try #require(entry.input)
            path = Paths.catalogue + "/" + argument
        }
        var secrets = Secrets(in: try fileBytes(path))

        switch (entry.kind, entry.expectation) {
        case (.snapshot, .parseError(let code)):
            expectParseError(code, library: parseSnapshot(path), entry)
            let result = try await evaluate(argument, rules: Paths.defaultRules)
            expectRefusal(result, code: code, entry)
            secrets.expectNoLeaks(in: result, entry.id)
        case (.snapshot, .decision(let expected)):
            let snapshot = try parseSnapshot(path).get()
            let decision = try defaultRules.get().evaluate(snapshot, options: EvaluationOptions(now: now))
            expect(DecisionSummary(decision), matches: expected, "library", entry)
            let result = try await evaluate(argument, rules: Paths.defaultRules)
            expectDecision(result, equalTo: decision, expected, entry)
            secrets.expectNoLeaks(in: result, entry.id)
        case (.rules, .diagnostics(let codes)):
            expectDiagnostics(codes, library: compileRules(path), entry)
            let result = try await ApprovalCtl.run(["validate", argument, "--format", "json"], in: Paths.catalogue)
            expectInvalidRules(result, codes: codes, entry)
            secrets.expectNoLeaks(in: result, entry.id)
        case (.evaluation, .decision(let expected)):
            let snapshotArgument = try #require(entry.snapshot)
            secrets.formUnion(Secrets(in: try fileBytes(Paths.catalogue + "/" + snapshotArgument)))
            let rules = try RuleSet(contentsOf: path)
            let snapshot = try parseSnapshot(Paths.catalogue + "/" + snapshotArgument).get()
            let decision = rules.evaluate(snapshot, options: EvaluationOptions(now: now))
            expect(DecisionSummary(decision), matches: expected, "library", entry)
            let result = try await ApprovalCtl.run(
                ["evaluate", snapshotArgument, "--rules", argument, "--now", Paths.now, "--format", "json"],
                in: Paths.catalogue)
            expectDecision(result, equalTo: decision, expected, entry)
            secrets.expectNoLeaks(in: result, entry.id)
        default:
            Issue.record("\(entry.id): a \(entry.kind.rawValue) entry cannot expect \(entry.expectation)")
        }
    }

    static func evaluate(_ snapshot: String, rules: String) async throws -> CommandResult {
        try await ApprovalCtl.run(
            ["evaluate", snapshot, "--rules", rules, "--now", Paths.now, "--format", "json"], in: Paths.catalogue)
    }

    /// Snapshot parsing as `approvalctl` does it (repeated keys reported), converting the whole document.
    static func parseSnapshot(_ path: String) -> Result<ApprovalSnapshot, JSONError> {
        Result { () throws(JSONError) in
            try ApprovalSnapshot(
                parsing: try FileBytes.read(path, limit: ApprovalSnapshot.parserOptions.maxBytes), file: path)
        }
    }

    static func compileRules(_ path: String) -> Result<RuleSet, any Error> {
        Result { try RuleSet(contentsOf: path) }
    }

    // MARK: Library outcomes

    static func expectParseError(_ code: String, library: Result<ApprovalSnapshot, JSONError>, _ entry: CatalogueEntry)
    {
        switch library {
        case .success(let value):
            Issue.record("\(entry.id): library parsed the input (\(value.document.typeName)); expected \(code)")
        case .failure(let error):
            #expect(error.code.description == code, "\(entry.id): library error \(error)")
            #expect(error.location != nil, "\(entry.id): the error says where: \(error)")
        }
    }

    static func expectDiagnostics(_ codes: [String], library: Result<RuleSet, any Error>, _ entry: CatalogueEntry) {
        switch library {
        case .success(let ruleSet):
            Issue.record(
                "\(entry.id): library compiled the rule file (\(ruleSet.ruleIDs.count) rules); expected \(codes)")
        case .failure(let error):
            guard let error = error as? RuleCompilationError else {
                Issue.record("\(entry.id): library threw \(error), not a RuleCompilationError")
                return
            }
            #expect(error.errors.map(\.code.description).sorted() == codes, "\(entry.id): library diagnostics \(error)")
            for diagnostic in error.diagnostics {
                #expect(diagnostic.location != nil, "\(entry.id): diagnostic without a location: \(diagnostic)")
            }
        }
    }

    static func expect(
        _ decision: DecisionSummary, matches expected: DecisionExpectation, _ who: String, _ entry: CatalogueEntry,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let context = "\(entry.id) (\(who)): got \(decision)"
        if decision.recommendation == "approve" && !expected.clean {
            Issue.record("\(context): APPROVED an input that is not clean", sourceLocation: sourceLocation)
        }
        #expect(decision.recommendation == expected.recommendation, "\(context)", sourceLocation: sourceLocation)
        #expect(decision.dataProblems == expected.dataProblems, "\(context)", sourceLocation: sourceLocation)
        if let fired = expected.firedRules {
            #expect(decision.firedRules == fired, "\(context)", sourceLocation: sourceLocation)
        }
        for (index, text) in expected.problemMessages.enumerated() {
            let message = index < decision.problemMessages.count ? decision.problemMessages[index] : ""
            #expect(
                message.contains(text), "\(context): problem \(index) should mention \"\(text)\"",
                sourceLocation: sourceLocation)
        }
        for text in expected.warnings {
            #expect(
                decision.warnings.contains { $0.contains(text) }, "\(context): no warning mentions \"\(text)\"",
                sourceLocation: sourceLocation)
        }
        for text in expected.escalations {
            #expect(
                decision.escalations.contains { $0.contains(text) }, "\(context): no escalation mentions \"\(text)\"",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: CLI outcomes

    static func expectRefusal(_ result: CommandResult, code: String, _ entry: CatalogueEntry) {
        #expect(result.ended(with: 65), "\(entry.id): \(result.summary)")
        #expect(result.stdout.isEmpty, "\(entry.id): nothing on stdout for a refused snapshot")
        let first = result.stderrText.split(separator: "\n").first.map(String.init) ?? ""
        let report = try? JSONParser().parse(Array(first.utf8))
        #expect(report?["code"]?.string == code, "\(entry.id): stderr \(first.prefix(300))")
    }

    static func expectInvalidRules(_ result: CommandResult, codes: [String], _ entry: CatalogueEntry) {
        #expect(result.ended(with: 65), "\(entry.id): \(result.summary)")
        #expect(result.stderr.isEmpty, "\(entry.id): validate reports on stdout: \(result.stderrText.prefix(300))")
        let report = (try? JSONParser().parse(result.stdout))?[0]
        #expect(report?["valid"]?.bool == false, "\(entry.id): \(result.stdoutText.prefix(300))")
        let errors = report?["diagnostics"]?.array?.filter { $0["severity"]?.string == "error" } ?? []
        #expect(
            errors.compactMap { $0["code"]?.string }.sorted() == codes, "\(entry.id): \(result.stdoutText.prefix(600))")
    }

    static func expectDecision(
        _ result: CommandResult, equalTo library: Decision, _ expected: DecisionExpectation, _ entry: CatalogueEntry
    ) {
        #expect(result.ended(with: 0), "\(entry.id): \(result.summary)")
        #expect(result.stderr.isEmpty, "\(entry.id): stderr \(result.stderrText.prefix(300))")
        #expect(result.stdout.count < 256 << 10, "\(entry.id): \(result.stdout.count) bytes on stdout (bounded output)")
        guard let document = try? JSONParser().parse(result.stdout) else {
            Issue.record("\(entry.id): stdout is not one JSON document: \(result.stdoutText.prefix(300))")
            return
        }
        expect(DecisionSummary(document), matches: expected, "approvalctl", entry)
        // The CLI parses with the rule set's projection; the library converted everything. Both
        // paths must give the same decision, byte for byte (STYLE 7.1).
        let libraryJSON = JSONWriter.pretty.bytes(library.json) + [0x0A]
        expectIdentical(result.stdout, libraryJSON, "\(entry.id): the CLI's decision differs from the library's")
    }
}

/// The parts of a decision the catalogue pins, from the library or from the CLI's JSON.
struct DecisionSummary: Sendable, Equatable, CustomStringConvertible {
    var recommendation: String
    var dataProblems: [String]
    var problemMessages: [String]
    var firedRules: [String]
    var warnings: [String]
    /// Each escalation's message.
    var escalations: [String]

    init(_ decision: Decision) {
        recommendation = decision.recommendation.rawValue
        dataProblems = decision.dataProblems.map(\.code.description)
        problemMessages = decision.dataProblems.map(\.message)
        firedRules = decision.firedRules.map(\.id)
        warnings = decision.warnings
        escalations = decision.escalations.map(\.message)
    }

    init(_ json: JSONValue) {
        recommendation = json["recommendation"]?.string ?? "<none>"
        dataProblems = json["data_problems"]?.array?.compactMap { $0["code"]?.string } ?? []
        problemMessages = json["data_problems"]?.array?.compactMap { $0["message"]?.string } ?? []
        firedRules = json["fired_rules"]?.array?.compactMap { $0["id"]?.string } ?? []
        warnings = json["warnings"]?.array?.compactMap(\.string) ?? []
        escalations = json["escalations"]?.array?.compactMap { $0["message"]?.string } ?? []
    }

    var description: String {
        "\(recommendation), problems \(dataProblems), fired \(firedRules)"
    }
}
