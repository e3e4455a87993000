import ApprovalJSON
import Glibc
import Testing

@testable import ApprovalRules

/// Files the rule tests read: fixtures next to the tests (found through `#filePath`, so no bundle
/// is needed), and the shipped rules and examples at the package root.
enum RuleFixtures {
    /// `Tests/ApprovalRulesTests/Fixtures`.
    static let directory: String = testsDirectory + "/Fixtures"

    /// `Tests/ApprovalRulesTests`.
    static let testsDirectory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/")
    }()

    /// The package root (two levels above this file's folder).
    static let packageRoot: String = {
        var parts = testsDirectory.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/")
    }()

    /// `rules/default.rules.json`.
    static let defaultRulesPath = packageRoot + "/rules/default.rules.json"
    /// `examples/snapshots`.
    static let snapshotsDirectory = packageRoot + "/examples/snapshots"
    /// `examples/tests`.
    static let exampleTestsDirectory = packageRoot + "/examples/tests"

    /// A fixture file's path.
    static func path(_ name: String) -> String { directory + "/" + name }

    /// A fixture file, parsed.
    static func json(_ name: String) throws -> JSONValue {
        try JSONParser().parse(contentsOf: path(name))
    }

    /// Any file, parsed.
    static func json(atPath path: String) throws -> JSONValue {
        try JSONParser().parse(contentsOf: path)
    }

    /// The shipped default rule set.
    static func defaultRules() throws -> RuleSet {
        try RuleSet(contentsOf: defaultRulesPath)
    }

    /// The names in `folder` ending in `suffix`, sorted (no Foundation needed).
    static func files(in folder: String, endingWith suffix: String) -> [String] {
        guard let handle = opendir(folder) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(suffix) { names.append(name) }
        }
        return names.sorted()
    }

    /// The example snapshot names (`tier2-cfo` for `examples/snapshots/tier2-cfo.json`).
    static func exampleNames() -> [String] {
        files(in: snapshotsDirectory, endingWith: ".json").map { String($0.dropLast(".json".count)) }
    }

    /// An example snapshot.
    static func exampleSnapshot(_ name: String) throws -> ApprovalSnapshot {
        try snapshot(atPath: "\(snapshotsDirectory)/\(name).json")
    }

    /// A snapshot file, read as `approvalctl` reads it (repeated keys reported).
    static func snapshot(atPath path: String) throws -> ApprovalSnapshot {
        try ApprovalSnapshot(
            parsing: try FileBytes.read(path, limit: ApprovalSnapshot.parserOptions.maxBytes), file: path)
    }

    /// The clock every example test case uses.
    static let exampleNow = Timestamp(iso8601: "2025-06-01T09:00:00Z")!
}

extension RuleSet {
    /// Compiles a rule document written inline in a test.
    init(text: String, limits: Limits = .default) throws {
        try self.init(bytes: Array(text.utf8), file: "inline.rules.json", limits: limits)
    }
}

extension ApprovalSnapshot {
    /// A snapshot written inline in a test.
    init(text: String) throws {
        self.init(try JSONParser().parse(Array(text.utf8)))
    }
}

extension Decision {
    /// The decision as compact JSON text (what the CLI prints), for whole-decision comparisons.
    var jsonText: String { JSONWriter.compact.string(json) }
}

/// The diagnostics a document compiles with: the thrown ones, or the warnings of a usable set.
func diagnostics(compiling text: String) -> [RuleDiagnostic] {
    diagnostics { try RuleSet(text: text) }
}

/// The diagnostics a document (as JSON) compiles with.
func diagnostics(compiling document: JSONValue) -> [RuleDiagnostic] {
    diagnostics { try RuleSet(json: document) }
}

private func diagnostics(_ compile: () throws -> RuleSet) -> [RuleDiagnostic] {
    do {
        return try compile().warnings
    } catch let error as RuleCompilationError {
        return error.diagnostics
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}
