import ApprovalCLI
import ApprovalJSON
import ApprovalRules
import ArgumentParser

/// `approvalctl validate`: compile rule files and print their diagnostics.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check rule files and print compiler-style diagnostics.",
        discussion: """
            Prints every diagnostic on stdout (file:line:column: error[code]: message (at /json/pointer), or a JSON report with --format json), then exits 65 if any file has errors.

            Example:
              approvalctl validate rules/*.rules.json
            """
    )

    @Argument(help: "Rule files to check.")
    var files: [String]

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one rule file") }
        if common.format == .ndjson { throw ValidationError("validate takes --format text or json") }
    }

    func run() throws {
        var reports: [JSONValue] = []
        var worst = ExitStatus.ok
        for file in files {
            var diagnostics: [RuleDiagnostic] = []
            var name: String?
            var rules = 0
            do {
                let ruleSet = try RuleSet(contentsOf: file)
                diagnostics = ruleSet.warnings
                name = ruleSet.name
                rules = ruleSet.ruleIDs.count
            } catch let error as RuleCompilationError {
                diagnostics = error.diagnostics
                let missing = diagnostics.contains { $0.code == .fileNotFound }
                let status: ExitStatus = missing ? .missingInput : .invalidInput
                if status.rawValue > worst.rawValue { worst = status }
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            if common.format == .json {
                reports.append([
                    "file": .string(file), "valid": .bool(errors == 0), "name": name.map(JSONValue.string) ?? .null,
                    "rules": .integer(Int64(rules)), "errors": .integer(Int64(errors)),
                    "warnings": .integer(Int64(warnings)),
                    "diagnostics": .array(diagnostics.map(\.json)),
                ])
            } else {
                for diagnostic in diagnostics { Console.out(diagnostic.description + "\n") }
                let verdict = errors == 0 ? "ok, \(rules) rule\(rules == 1 ? "" : "s")" : "invalid"
                Console.out(
                    "\(file): \(verdict) (\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"))\n"
                )
            }
        }
        if common.format == .json { Console.outJSON(.array(reports)) }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }
}
