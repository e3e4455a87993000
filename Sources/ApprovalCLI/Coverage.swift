package import ApprovalJSON
package import ApprovalRules
package import ArgumentParser

/// `--coverage`, `--min-coverage`, `--min-branch-coverage` (`test`, `dry-run`).
package struct CoverageOptions: ParsableArguments {
    @Flag(
        help:
            "Report which rules and table rows fired, and which and/or/if branches were seen both true and false; list what was not."
    )
    package var coverage = false

    @Option(help: "Exit 2 when a rule set's rule coverage (rules and table rows that fired) is below this percent.")
    package var minCoverage: Double?

    @Option(help: "Exit 2 when a rule set's branch coverage is below this percent.")
    package var minBranchCoverage: Double?

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Whether coverage is measured (either threshold implies it).
    package var enabled: Bool { coverage || minCoverage != nil || minBranchCoverage != nil }

    /// Checks the thresholds are percentages.
    package func validate() throws {
        for (name, value) in [("--min-coverage", minCoverage), ("--min-branch-coverage", minBranchCoverage)] {
            if let value, !(0...100).contains(value) { throw ValidationError("\(name) must be between 0 and 100") }
        }
    }
}

/// The coverage of the rule sets a run measured, by rule file, and how it reads.
package struct CoverageReport {
    private let options: CoverageOptions
    /// The measured rule sets by file, in the order first used.
    private var measured: [(file: String, coverage: RuleCoverage)] = []

    package init(_ options: CoverageOptions) {
        self.options = options
    }

    /// Which measured rule set is `ruleSet` (read from `file`); measuring starts on first use.
    package mutating func index(of ruleSet: RuleSet, file: String) throws -> Int {
        if let found = measured.firstIndex(where: { $0.file == file }) { return found }
        measured.append((file, try RuleCoverage(ruleSet, file: file)))
        return measured.count - 1
    }

    /// Evaluates `snapshot` with measured rule set `index`, recording what it exercised.
    package mutating func evaluate(_ snapshot: ApprovalSnapshot, options: EvaluationOptions, with index: Int)
        -> Decision
    {
        measured[index].coverage.evaluate(snapshot, options: options)
    }

    /// The rule set to evaluate with elsewhere (a batch), explaining, for ``record(_:at:)``.
    package func ruleSet(at index: Int) -> RuleSet { measured[index].coverage.ruleSet }

    /// Records a decision of ``ruleSet(at:)``.
    package mutating func record(_ decision: Decision, at index: Int) {
        measured[index].coverage.record(decision)
    }

    /// The text block: per rule file, the totals and what is not covered.
    ///
    /// ```
    /// Coverage
    ///   rules/default.rules.json (default-contract-approvals): 32 cases; rules 23/23 (100.0%); branches 30/41 (73.2%)
    ///     rules/default.rules.json:57:17 (at /rules/3/when/and/1): and operand in rule x never false
    /// ```
    package var text: String {
        var text = "\nCoverage\n"
        for (file, coverage) in measured {
            text += "  \(file) (\(coverage.ruleSet.name)): \(coverage.cases) case\(coverage.cases == 1 ? "" : "s"); "
            text += "rules \(coverage.coveredRules)/\(coverage.rules.count) (\(Self.percent(coverage.ruleCoverage))); "
            text +=
                coverage.branches.isEmpty
                ? "no branch points\n"
                : "branches \(coverage.coveredBranches)/\(coverage.branches.count) (\(Self.percent(coverage.branchCoverage)))\n"
            for line in coverage.uncovered { text += "    \(line)\n" }
        }
        return text
    }

    /// The JSON: one entry per rule file (``RuleCoverage/json`` with its `file`).
    package var json: JSONValue {
        .array(
            measured.map { file, coverage in
                var object = coverage.json.object ?? JSONObject()
                object["file"] = .string(file)
                return .object(object)
            })
    }

    /// The thresholds a rule set missed, as messages (empty when all are met).
    package var shortfalls: [String] {
        var messages: [String] = []
        for (file, coverage) in measured {
            if let minimum = options.minCoverage, coverage.ruleCoverage < minimum {
                messages.append(
                    "rule coverage of \(file) is \(Self.percent(coverage.ruleCoverage)), below --min-coverage \(Self.percent(minimum))"
                )
            }
            if let minimum = options.minBranchCoverage, coverage.branchCoverage < minimum {
                messages.append(
                    "branch coverage of \(file) is \(Self.percent(coverage.branchCoverage)), below --min-branch-coverage \(Self.percent(minimum))"
                )
            }
        }
        return messages
    }

    private static func percent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded(.down))
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
