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
            Prints every diagnostic on stdout (file:line:column: error[code]: message (at /json/pointer), or a JSON report with --format json), then exits 65 if any file has errors. With --snapshots, also warns (warning[unseen_fact], "unseen_facts" in JSON) about every fact the rules read that none of the saved snapshots has; warnings leave the exit status alone, but a snapshot that cannot be read is reported on stderr and makes it 65.

            Examples:
              approvalctl validate rules/*.rules.json
              approvalctl validate rules/default.rules.json --snapshots examples/snapshots
            """
    )

    @Argument(help: "Rule files to check.")
    var files: [String]

    @Option(
        help: ArgumentHelp(
            "A folder of saved snapshots: warn about the facts the rules read that none of them has.",
            valueName: "folder"))
    var snapshots: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one rule file") }
        if common.format == .ndjson { throw ValidationError("validate takes --format text or json") }
    }

    func run() throws {
        try exiting {
            let validations = files.map { RuleValidation(contentsOf: $0) }
            var worst = ExitStatus.ok
            var unseen: [[UnseenFact]]?
            if let snapshots {
                let ruleSets = zip(files, validations).map { file, report in
                    (file, report.valid ? try? RuleSet(contentsOf: file) : nil)
                }
                let found = try UnseenFact.find(in: ruleSets, snapshots: snapshots, format: common.format)
                unseen = found.facts
                if found.pass.bad > 0 { worst = .invalidInput }
            }
            var reports: [JSONValue] = []
            for (index, (file, report)) in zip(files, validations).enumerated() {
                if !report.valid {
                    let status: ExitStatus = report.fileMissing ? .missingInput : .invalidInput
                    if status.rawValue > worst.rawValue { worst = status }
                }
                let facts = unseen?[index]
                if common.format == .json {
                    var json = report.json
                    if let facts, case .object(var object) = json {
                        object["unseen_facts"] = .array(facts.map(\.json))
                        json = .object(object)
                    }
                    reports.append(json)
                } else {
                    for diagnostic in report.diagnostics { Console.out(diagnostic.description + "\n") }
                    for fact in facts ?? [] { Console.out(fact.description + "\n") }
                    let (errors, warnings, rules) = (report.errors, report.warnings, report.rules)
                    let verdict = report.valid ? "ok, \(rules) rule\(rules == 1 ? "" : "s")" : "invalid"
                    var counts =
                        "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                    if let facts {
                        counts += ", \(facts.count) unseen fact\(facts.count == 1 ? "" : "s")"
                    }
                    Console.out("\(file): \(verdict) (\(counts))\n")
                }
            }
            if common.format == .json { Console.outJSON(.array(reports)) }
            if worst != .ok { throw CommandFailure(status: worst) }
        }
    }
}
