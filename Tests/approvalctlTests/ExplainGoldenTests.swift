import Testing

/// `approvalctl evaluate --explain` on the shipped examples and rules, as people read it: amounts
/// with their currency and conversion, negations as a test and its opposite, labels in words.
/// The text report is kept in golden files (`golden/explain/`; `UPDATE_GOLDEN=1` rewrites them).
@Suite("approvalctl evaluate --explain, readable")
struct ExplainGoldenTests {
    /// The shipped examples the goldens cover: currency conversion, a threshold met exactly, a
    /// missing file, a look-alike domain.
    static let examples = [
        "eur-currency", "threshold-250000-exact", "missing-contract-file", "lookalike-domain-digit-one",
    ]

    /// Runs from the repository root with relative paths, so nothing printed depends on where the
    /// repository is checked out.
    static func explain(_ example: String) async throws -> CommandResult {
        try await ApprovalCtl.run(
            [
                "evaluate", "examples/snapshots/\(example).json", "--rules", "rules/default.rules.json", "--explain",
                "--now", "2025-06-01T00:00:00Z",
            ], in: ApprovalCtl.repositoryRoot)
    }

    @Test("the explanation of a shipped example matches its golden file", arguments: examples)
    func explanationMatchesGoldenFile(example: String) async throws {
        let result = try await Self.explain(example)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderrText)")
        #expect(result.stdout.last == 0x0A)
        try Golden.check(result.stdout, matches: "explain/\(example).txt")
    }

    @Test("the currency example states the conversion that decided the tier")
    func currencyExampleStatesTheConversion() async throws {
        let text = try await Self.explain("eur-currency").stdoutText
        #expect(text.contains("contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) ≥ USD 250,000.00: yes"))
        #expect(text.contains("worth EUR 240,000.00"))
        #expect(!text.contains(#"{"amount""#))
    }

    @Test("negations read as the test and its opposite, never as `! true`", arguments: examples)
    func negationsReadNaturally(example: String) async throws {
        let lines = try await Self.explain(example).stdoutLines
        #expect(!lines.contains { $0.contains("! true") || $0.contains("! false") || $0.contains("[no ]") })
        #expect(lines.contains { $0.contains(#"contract file attached: "#) && $0.contains(#"→ "no contract file": "#) })
    }
}
