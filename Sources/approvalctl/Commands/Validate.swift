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
            let report = RuleValidation(contentsOf: file)
            if !report.valid {
                let status: ExitStatus = report.fileMissing ? .missingInput : .invalidInput
                if status.rawValue > worst.rawValue { worst = status }
            }
            if common.format == .json {
                reports.append(report.json)
            } else {
                for diagnostic in report.diagnostics { Console.out(diagnostic.description + "\n") }
                let (errors, warnings, rules) = (report.errors, report.warnings, report.rules)
                let verdict = report.valid ? "ok, \(rules) rule\(rules == 1 ? "" : "s")" : "invalid"
                Console.out(
                    "\(file): \(verdict) (\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"))\n"
                )
            }
        }
        if common.format == .json { Console.outJSON(.array(reports)) }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }
}
