import ApprovalBatch
import ApprovalCLI
import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl test`: run rule test cases (snapshot + expected decision).
struct RuleTests: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule test cases and report what differed.",
        discussion: """
            Runs every *.test.json under the given files or folders (name order); the format is in rules/README.md. Prints one line per case and a diff for failures, then "N passed, N failed". Exits 2 when any case fails.

            With --coverage, then per rule file: how many rules and table rows fired, how many and/or operands and if conditions were seen both true and false, and each one that was not, with file:line:column. --min-coverage and --min-branch-coverage exit 2 below a percentage.

            Examples:
              approvalctl test examples/tests --rules rules/default.rules.json
              approvalctl test examples/tests --coverage --min-coverage 100
            """
    )

    @Argument(help: "Test case files or folders.")
    var paths: [String]

    @Option(help: "The rule file for cases that do not name one (default: rules/default.rules.json).")
    var rules: String?

    @OptionGroup var coverage: CoverageOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try coverage.validate()
        if paths.isEmpty { throw ValidationError("give at least one test file or folder") }
        if common.format == .ndjson { throw ValidationError("test takes --format text or json") }
    }

    func run() throws {
        try exiting {
            var files: [String] = []
            for path in paths {
                // The folder walk of the batch library: its order, its hidden-file rule.
                var source: FileSnapshotSource
                do throws(SnapshotSourceError) {
                    source = try FileSnapshotSource(path, suffix: ".test.json")
                } catch {
                    throw Console.fail(error.message, code: error.code, status: .missingInput, format: common.format)
                }
                while let item = source.next() { files.append(item.file) }
            }
            var ruleSets: [String: RuleSet] = [:]
            func ruleSet(_ path: String) throws(CommandFailure) -> RuleSet {
                if let cached = ruleSets[path] { return cached }
                let loaded = try Inputs.ruleSet(path, format: common.format)
                ruleSets[path] = loaded
                return loaded
            }
            var coverageReport = CoverageReport(coverage)
            var results: [JSONValue] = []
            var passed = 0
            var failed = 0
            for file in files {
                var failures: [String] = []
                var description: String?
                do {
                    let testCase = try RuleTestCase(try JSONParser().parse(contentsOf: file), file: file)
                    description = testCase.description
                    let rulesFile = try testCase.rulesPath ?? Inputs.rulesPath(self.rules, format: common.format)
                    let rules = try ruleSet(rulesFile)
                    let snapshot: ApprovalSnapshot
                    switch testCase.snapshot {
                    case .file(let path): snapshot = try Inputs.snapshot(path, format: common.format)
                    case .inline(let value): snapshot = ApprovalSnapshot(value)
                    }
                    if coverage.enabled {
                        let index = try coverageReport.index(of: rules, file: rulesFile)
                        failures = testCase.check(
                            coverageReport.evaluate(snapshot, options: testCase.options, with: index))
                    } else {
                        failures = testCase.check(rules.evaluate(snapshot, options: testCase.options))
                    }
                } catch let error as JSONError {
                    failures = ["cannot read the test case: \(error)"]
                } catch let error as RuleCompilationError {
                    failures = error.diagnostics.map { "invalid test case: \($0)" }
                } catch let failure as CommandFailure {
                    if failure.status == .invalidInput || failure.status == .missingInput {
                        failures = ["the snapshot or rules could not be read (see above)"]
                    } else {
                        throw failure
                    }
                }
                if failures.isEmpty { passed += 1 } else { failed += 1 }
                if common.format == .json {
                    results.append([
                        "file": .string(file), "description": description.map(JSONValue.string) ?? .null,
                        "passed": .bool(failures.isEmpty), "failures": .array(failures.map(JSONValue.string)),
                    ])
                } else {
                    Console.out(
                        "\(failures.isEmpty ? "PASS" : "FAIL") \(file)\(description.map { " (\($0))" } ?? "")\n")
                    for failure in failures { Console.out("    \(failure)\n") }
                }
            }
            if common.format == .json {
                var report: JSONObject = [
                    "passed": .integer(Int64(passed)), "failed": .integer(Int64(failed)), "cases": .array(results),
                ]
                if coverage.enabled { report["coverage"] = coverageReport.json }
                Console.outJSON(.object(report))
            } else {
                Console.out("\(passed) passed, \(failed) failed\n")
                if coverage.enabled { Console.out(coverageReport.text) }
            }
            let shortfalls = coverageReport.shortfalls
            for shortfall in shortfalls { Console.err("approvalctl: \(shortfall)\n") }
            if failed > 0 || !shortfalls.isEmpty { throw CommandFailure(status: .testsFailed) }
        }
    }
}
