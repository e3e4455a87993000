/// Where things are, found from this file's path (`<repo>/Tests/ApprovalHardeningTests/Support/Paths.swift`),
/// so no bundle is needed and nothing depends on the working directory.
enum Paths {
    /// The repository root.
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// `Tests/ApprovalHardeningTests/Fixtures`.
    static let fixtures = repository + "/Tests/ApprovalHardeningTests/Fixtures"
    /// The bad-input catalogue: `snapshots/`, `rules/` and `expectations.json`.
    static let catalogue = fixtures + "/catalogue"
    /// The shipped rule set every catalogue snapshot is decided with.
    static let defaultRules = repository + "/rules/default.rules.json"
    /// The rule set the benchmarks (and the differential check) use.
    static let benchmarkRules = repository + "/Benchmarks/rules/benchmark.rules.json"
    /// A rule set whose templates quote presigned URLs.
    static let leakyRules = fixtures + "/secrets/leaky-templates.rules.json"
    /// The example snapshots.
    static let exampleSnapshots = repository + "/examples/snapshots"

    /// The clock every pinned evaluation uses.
    static let now = "2025-06-01T00:00:00Z"
}
