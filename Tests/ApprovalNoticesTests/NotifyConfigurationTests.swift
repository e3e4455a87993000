import ApprovalJSON
import ApprovalNotices
import ApprovalRules
import Foundation
import Testing

@Suite struct NotifyConfigurationTests {
    static let folder = NoticeFixtures.fixtures + "/notify"
    static let environment: @Sendable (String) -> String? = { ["HOOK_SECRET": "s", "OPS_HOOK_SECRET": "s"][$0] }

    /// `Fixtures/notify/expectations.json`: for each file, every diagnostic as
    /// `[severity, code, JSON Pointer, line, column]`, in order.
    static let expectations: [(file: String, diagnostics: [JSONValue])] = {
        guard let value = try? JSONParser().parse(contentsOf: folder + "/expectations.json"),
            case .object(let object) = value
        else { return [] }
        return object.members.map { ($0, $1.array ?? []) }
    }()

    static func diagnostics(_ file: String) -> (NotifyConfiguration?, [RuleDiagnostic]) {
        do {
            let configuration = try NotifyConfiguration(contentsOf: folder + "/" + file, environment: environment)
            return (configuration, configuration.warnings)
        } catch {
            return (nil, error.diagnostics)
        }
    }

    @Test(arguments: expectations.map(\.file))
    func diagnosticsNameWhereAndWhat(_ file: String) throws {
        let expected = try #require(Self.expectations.first { $0.file == file }).diagnostics
        let (configuration, diagnostics) = Self.diagnostics(file)
        let actual: [JSONValue] = diagnostics.map {
            [
                .string($0.severity.rawValue), .string($0.code.description), .string($0.path.description),
                .integer(Int64($0.location?.line ?? 0)), .integer(Int64($0.location?.column ?? 0)),
            ]
        }
        #expect(actual == expected, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(diagnostics.allSatisfy { $0.location?.file == Self.folder + "/" + file })
        // Only warnings: the file is used.
        #expect((configuration != nil) == diagnostics.allSatisfy { $0.severity == .warning })
    }

    @Test func didYouMeanAndWhatIsWrongAreSaid() {
        let messages = [
            Self.diagnostics("unknown-fields.json").1, Self.diagnostics("bad-channels.json").1,
            Self.diagnostics("bad-routes.json").1, Self.diagnostics("bad-delivery.json").1,
        ].joined().map(\.message)
        for text in [
            #"unknown field "secrt_env"; did you mean "secret_env"?"#,
            #"unknown field "max_atempts"; did you mean "max_attempts"?"#,
            #"unknown channel type "webhok"; did you mean "webhook"?"#,
            "the environment variable UNSET_SECRET (the webhook's signing secret) is not set",
            #"no channel is named "mails"; did you mean "mail"?"#,
            #"invalid duration "P1M": years and months have no fixed length"#,
        ] {
            #expect(messages.contains { $0.hasPrefix(text) }, "\(text)")
        }
    }

    @Test func theShippedExampleLoads() throws {
        let configuration = try NotifyConfiguration(
            contentsOf: NoticeFixtures.root + "/examples/notify.json", environment: Self.environment)
        #expect(configuration.warnings.isEmpty)
        #expect(configuration.channels.count == 2)
        let routed = configuration.route(["CFO@example.com", "ops@example.com", "someone@example.org"])
        #expect(routed.channels.map(\.name) == ["mail", "ops-hook"])
        #expect(routed.channels.map(\.recipients) == [["CFO@example.com"], ["ops@example.com"]])
        #expect(routed.unrouted == ["someone@example.org"])
        // Printing the configuration shows no secret.
        #expect(!"\(configuration)".contains("[115]"))
        if case .webhook(let webhook)? = configuration.channels["ops-hook"] {
            #expect("\(webhook)" == "webhook http://127.0.0.1:9000 (secret from $OPS_HOOK_SECRET)")
        }
    }

    /// The first matching route wins; `*@domain` is that domain exactly; case does not matter.
    @Test(arguments: [
        ("cfo@example.com", "cfo@example.com", true), ("cfo@example.com", "CFO@Example.COM", true),
        ("cfo@example.com", "cfo2@example.com", false), ("*@example.com", "anyone@example.com", true),
        ("*@example.com", "a@mail.example.com", false), ("*@example.com", "a@example.com.evil.test", false),
        ("*", "a@b.c", true),
    ])
    func routeMatching(_ pattern: String, _ address: String, _ matches: Bool) {
        #expect(NotifyConfiguration.Route(match: pattern, channel: "x").matches(address) == matches)
    }
}
