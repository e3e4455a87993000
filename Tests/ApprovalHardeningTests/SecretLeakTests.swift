import ApprovalJSON
import Testing

/// Presigned-URL signatures, credentials and session tokens from the data, and the API key from
/// the environment, never appear on the CLI's stdout or stderr: not in decisions, messages,
/// explanations, dry-run reports, parse errors or API errors.
@Suite("Secrets never reach the output")
struct SecretLeakTests {
    /// Catalogue snapshots whose data puts presigned URLs where messages and traces quote them.
    static let catalogueSnapshots = [
        "snapshots/clean-baseline.json", "snapshots/presigned-url-as-approver.json",
        "snapshots/presigned-url-as-contract-value.json", "snapshots/presigned-url-in-step-name.json",
        "snapshots/cloudfront-signed-file.json", "snapshots/truncated-inside-presigned-url.json",
    ]

    /// A snapshot whose task owner is a presigned URL (see the regression test below).
    static let ownerSnapshot = "snapshots/presigned-url-as-owner.json"

    static var apiKey: Secrets { Secrets(values: [CommandEnvironment.apiKey]) }

    @Test(
        "the fixtures carry presigned URLs and the hostile rule set quotes them, so the checks below cannot pass vacuously"
    )
    func secretChecksAreNotVacuous() async throws {
        var exampleSecrets = Secrets()
        for path in try Examples.snapshotPaths() {
            exampleSecrets.formUnion(Secrets(in: try fileBytes(Paths.repository + "/" + path)))
        }
        #expect(exampleSecrets.values.count >= 20, "the examples should carry many signatures and credentials")
        for path in Self.catalogueSnapshots {
            #expect(
                !Secrets(in: try fileBytes(Paths.catalogue + "/" + path)).values.isEmpty, "\(path) carries no secret")
        }
        // The leaky rule set puts the URLs (minus their secrets) into its messages.
        let result = try await ApprovalCtl.run(
            Commands.evaluate("snapshots/clean-baseline.json", rules: Paths.leakyRules, format: "json", explain: true),
            in: Paths.catalogue, environment: CommandEnvironment.hostile)
        #expect(result.ended(with: 0), "\(result.summary)")
        #expect(result.stdout.contains(text: "X-Amz-Signature="), "the messages quote presigned URLs")
        #expect(result.stdout.contains(text: #"\"download_url\""#), "the messages quote whole file objects")
        // And the checker does find a secret that is there.
        #expect(
            !Secrets(in: try fileBytes(Paths.catalogue + "/snapshots/clean-baseline.json")).leaks(
                in: try fileBytes(Paths.catalogue + "/snapshots/clean-baseline.json")
            ).isEmpty)
    }

    @Test(
        "evaluate of an example (text and JSON, with --explain, API key in the environment) prints no secret",
        arguments: try Examples.snapshotPaths())
    func evaluatingAnExampleRevealsNoSecret(snapshot: String) async throws {
        var secrets = Secrets(in: try fileBytes(Paths.repository + "/" + snapshot))
        secrets.formUnion(Self.apiKey)
        for format in ["json", "text"] {
            // The same command lines as the locale test's hostile runs: one process serves both.
            let result = try await ApprovalCtl.run(
                Commands.evaluate(snapshot, rules: Paths.defaultRules, format: format, explain: true),
                in: Paths.repository,
                environment: CommandEnvironment.hostile)
            #expect(result.ended(with: 0), "\(snapshot) \(format): \(result.summary)")
            secrets.expectNoLeaks(in: result, "evaluate \(snapshot) --format \(format) --explain")
        }
    }

    @Test(
        "evaluate of a hostile catalogue snapshot with messages quoting files, approvers and owner prints no secret",
        arguments: catalogueSnapshots)
    func evaluatingHostileDataWithLeakyTemplatesRevealsNoSecret(snapshot: String) async throws {
        var secrets = Secrets(in: try fileBytes(Paths.catalogue + "/" + snapshot))
        secrets.formUnion(Self.apiKey)
        for rules in [Paths.defaultRules, Paths.leakyRules] {
            for format in ["json", "text"] {
                let result = try await ApprovalCtl.run(
                    Commands.evaluate(snapshot, rules: rules, format: format, explain: true), in: Paths.catalogue,
                    environment: CommandEnvironment.hostile)
                #expect(result.exitedNormally && !result.timedOut, "\(snapshot): \(result.summary)")
                secrets.expectNoLeaks(in: result, "evaluate \(snapshot) --rules \(rules) --format \(format) --explain")
            }
        }
    }

    @Test(
        "an explanation of the separation-of-duties rule prints no secret held by the task owner")
    func explainingTheOwnerRuleRevealsNoSecret() async throws {
        var secrets = Secrets(in: try fileBytes(Paths.catalogue + "/" + Self.ownerSnapshot))
        secrets.formUnion(Self.apiKey)
        for format in ["json", "text"] {
            let result = try await ApprovalCtl.run(
                Commands.evaluate(Self.ownerSnapshot, rules: Paths.defaultRules, format: format, explain: true),
                in: Paths.catalogue, environment: CommandEnvironment.hostile)
            #expect(result.ended(with: 0), "\(result.summary)")
            secrets.expectNoLeaks(in: result, "evaluate \(Self.ownerSnapshot) --format \(format) --explain")
        }
    }

    @Test(
        "dry-run prints no secret in any format, over the examples and over hostile snapshots",
        arguments: ["text", "json", "ndjson"])
    func dryRunRevealsNoSecret(format: String) async throws {
        var secrets = Self.apiKey
        for path in try Examples.snapshotPaths() {
            secrets.formUnion(Secrets(in: try fileBytes(Paths.repository + "/" + path)))
        }
        let examples = try await ApprovalCtl.run(
            Commands.dryRun("examples/snapshots", rules: Paths.defaultRules, format: format, jobs: 2),
            in: Paths.repository,
            environment: CommandEnvironment.hostile)
        #expect(examples.ended(with: 0), "\(examples.summary)")
        secrets.expectNoLeaks(in: examples, "dry-run examples/snapshots --format \(format)")

        let scratch = try ScratchDirectory("secrets")
        defer { scratch.remove() }
        var hostileSecrets = Self.apiKey
        for path in Self.catalogueSnapshots + [Self.ownerSnapshot] {
            let bytes = try fileBytes(Paths.catalogue + "/" + path)
            hostileSecrets.formUnion(Secrets(in: bytes))
            try scratch.write(bytes, to: path)
        }
        for rules in [Paths.defaultRules, Paths.leakyRules] {
            let result = try await ApprovalCtl.run(
                Commands.dryRun("snapshots", rules: rules, format: format, jobs: 2), in: scratch.path,
                environment: CommandEnvironment.hostile)
            // One snapshot is truncated: the run reports it and exits 65.
            #expect(result.ended(with: 65), "\(result.summary)")
            hostileSecrets.expectNoLeaks(in: result, "dry-run of hostile snapshots --rules \(rules) --format \(format)")
        }
    }

    @Test(
        "a live evaluation that cannot connect exits 69 and never prints the API key, even with --verbose",
        .timeLimit(.minutes(3)), arguments: ["text", "json"])
    func unreachableAPIRevealsNoKey(format: String) async throws {
        let result = try await ApprovalCtl.run(
            [
                "evaluate", "--task", "1", "--base-url", "http://127.0.0.1:9", "--verbose", "--rules",
                Paths.defaultRules,
                "--now", Paths.now, "--format", format,
            ],
            in: Paths.repository, environment: CommandEnvironment.hostile)
        #expect(result.ended(with: 69), "\(result.summary)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty, "the failure is reported on stderr")
        for secret in [CommandEnvironment.apiKey, "SECRET123"] {
            #expect(!result.stderr.contains(text: secret), "stderr reveals the API key")
            #expect(!result.stdout.contains(text: secret), "stdout reveals the API key")
        }
    }
}
