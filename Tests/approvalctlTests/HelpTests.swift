import Foundation
import Testing

/// `--help` of the root command and of every subcommand, kept as golden files.
@Suite("approvalctl --help")
struct HelpTests {
    struct HelpCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let golden: String
        var testDescription: String { "approvalctl " + arguments.joined(separator: " ") }
    }

    static let subcommands = ["evaluate", "dry-run", "validate", "test", "snapshot"]

    static let cases = [
        HelpCase(arguments: ["--help"], golden: "help/root.txt"),
        HelpCase(arguments: ["evaluate", "--help"], golden: "help/evaluate.txt"),
        HelpCase(arguments: ["dry-run", "--help"], golden: "help/dry-run.txt"),
        HelpCase(arguments: ["validate", "--help"], golden: "help/validate.txt"),
        HelpCase(arguments: ["test", "--help"], golden: "help/test.txt"),
        HelpCase(arguments: ["snapshot", "--help"], golden: "help/snapshot.txt"),
        HelpCase(arguments: ["schema", "infer", "--help"], golden: "help/schema-infer.txt"),
    ]

    @Test("help goes to stdout, exits 0 and matches its golden file", arguments: cases)
    func helpMatchesGoldenFile(_ help: HelpCase) async throws {
        let result = try await ApprovalCtl.run(help.arguments)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "help must not write to stderr: \(result.stderrText)")
        #expect(result.stdoutText.hasPrefix("OVERVIEW: "))
        try Golden.check(result.stdout, matches: help.golden)
    }

    @Test("`approvalctl help <subcommand>` prints the same text as `<subcommand> --help`")
    func helpSubcommandEqualsHelpFlag() async throws {
        for subcommand in Self.subcommands {
            let viaHelp = try await ApprovalCtl.run(["help", subcommand])
            let viaFlag = try await ApprovalCtl.run([subcommand, "--help"])
            #expect(viaHelp.status == 0)
            #expect(viaHelp.stderr.isEmpty)
            #expect(viaHelp.stdout == viaFlag.stdout, "help \(subcommand)")
        }
    }

    @Test("every subcommand's help shows an example invocation")
    func everySubcommandHelpHasAnExample() async throws {
        for subcommand in Self.subcommands {
            let result = try await ApprovalCtl.run([subcommand, "--help"])
            #expect(result.stdoutText.contains("approvalctl \(subcommand) "), "\(subcommand) --help has no example")
        }
    }

    /// The root help is where users learn the exit codes: it must list every status the CLI
    /// defines in `ExitCodes.swift`.
    @Test("root help documents every exit status defined in ExitCodes.swift")
    func rootHelpDocumentsEveryExitStatus() async throws {
        let source = try String(
            contentsOfFile: ApprovalCtl.repositoryRoot + "/Sources/ApprovalCLI/ExitCodes.swift", encoding: .utf8)
        let defined = source.matches(of: try Regex<(Substring, Substring)>(#"case \w+ = (\d+)"#)).map {
            Int($0.output.1)!
        }
        #expect(defined.count >= 10, "ExitCodes.swift defines \(defined)")
        let help = try await ApprovalCtl.run(["--help"]).stdoutText
        for status in defined {
            let mention = try Regex(#"(^|[\s,])\#(status) +[A-Za-z]"#).anchorsMatchLineEndings()
            #expect(help.contains(mention), "root --help does not document exit status \(status)")
        }
    }
}
