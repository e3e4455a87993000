import ApprovalJSON
import Testing

@testable import ApprovalRules

/// An escalation object with a problem in `remind_after` or `escalate_after`, and the diagnostics
/// (code and JSON Pointer) it must produce.
struct EscalationTimingCase: CustomTestStringConvertible, Sendable {
    let escalate: String
    let expected: [String]
    var testDescription: String { escalate }

    init(_ escalate: String, _ expected: [String]) {
        self.escalate = escalate
        self.expected = expected
    }

    /// The diagnostics of a rule that fires and escalates with `escalate`, as `code at pointer`.
    func found() -> [String] {
        diagnostics(compiling: ruleDocument(#"{"id": "r", "when": \#(alwaysFires), "escalate": \#(escalate)}"#))
            .map { "\($0.code) at \($0.path)" }
    }
}

@Suite struct EscalationTimingTests {
    // MARK: - Diagnostics

    static let base = #""to": "legal@example.com", "message": "Review""#
    static let followUpBase = #""after": "PT72H", "to": "cfo@example.com""#

    static let diagnosticCases: [EscalationTimingCase] = [
        EscalationTimingCase(
            #"{\#(base), "remind_after": "P1M"}"#, ["invalid_duration at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_after": "PT0S"}"#, ["invalid_duration at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_after": ""}"#, ["invalid_duration at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_after": "48 hours"}"#, ["invalid_duration at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_after": 48}"#, ["invalid_field_type at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_after": null}"#, ["invalid_field_type at /rules/0/escalate/remind_after"]),
        EscalationTimingCase(
            #"{\#(base), "remind_afer": "PT48H"}"#, ["unknown_field at /rules/0/escalate/remind_afer"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": "PT72H"}"#, ["invalid_field_type at /rules/0/escalate/escalate_after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": ["PT72H"]}"#, ["invalid_field_type at /rules/0/escalate/escalate_after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {}}"#,
            [
                "missing_field at /rules/0/escalate/escalate_after",
                "missing_field at /rules/0/escalate/escalate_after",
            ]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"to": "cfo@example.com"}}"#,
            ["missing_field at /rules/0/escalate/escalate_after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "PT72H"}}"#, ["missing_field at /rules/0/escalate/escalate_after"]
        ),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "P1Y", "to": "cfo@example.com"}}"#,
            ["invalid_duration at /rules/0/escalate/escalate_after/after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "PT0.000S", "to": "cfo@example.com"}}"#,
            ["invalid_duration at /rules/0/escalate/escalate_after/after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": 72, "to": "cfo@example.com"}}"#,
            ["invalid_field_type at /rules/0/escalate/escalate_after/after"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "PT72H", "to": "cfo"}}"#,
            ["invalid_value at /rules/0/escalate/escalate_after/to"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "PT72H", "to": ["cfo@example.com", 5, "x"]}}"#,
            [
                "invalid_value at /rules/0/escalate/escalate_after/to/1",
                "invalid_value at /rules/0/escalate/escalate_after/to/2",
            ]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {"after": "PT72H", "to": 5}}"#,
            ["invalid_field_type at /rules/0/escalate/escalate_after/to"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {\#(followUpBase), "severity": "urgent"}}"#,
            ["invalid_severity at /rules/0/escalate/escalate_after/severity"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {\#(followUpBase), "severity": 3}}"#,
            ["invalid_field_type at /rules/0/escalate/escalate_after/severity"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {\#(followUpBase), "message": "Still {{variables.vendor_name"}}"#,
            ["invalid_template at /rules/0/escalate/escalate_after/message"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {\#(followUpBase), "message": ""}}"#,
            ["invalid_field_type at /rules/0/escalate/escalate_after/message"]),
        EscalationTimingCase(
            #"{\#(base), "escalate_after": {\#(followUpBase), "mesage": "Still waiting"}}"#,
            ["unknown_field at /rules/0/escalate/escalate_after/mesage"]),
        EscalationTimingCase(
            #"[{\#(base)}, {\#(base), "remind_after": "P1W", "escalate_after": {"after": "PT-72H", "to": "cfo@example.com"}}]"#,
            ["invalid_duration at /rules/0/escalate/1/escalate_after/after"]),
        // Problems in the escalation's own fields are still reported next to the new ones.
        EscalationTimingCase(
            #"{"to": "legal@example.com", "remind_after": "P1M"}"#,
            ["missing_field at /rules/0/escalate", "invalid_duration at /rules/0/escalate/remind_after"]),
    ]

    @Test(arguments: diagnosticCases)
    func malformedTimingIsReportedAtItsPointer(_ testCase: EscalationTimingCase) {
        #expect(testCase.found() == testCase.expected)
    }

    @Test func durationDiagnosticNamesTheTextAndWhy() {
        let month = EscalationTimingCase(#"{\#(Self.base), "remind_after": "P1M"}"#, [])
        #expect(
            diagnosticsOf(month).map(\.message) == [
                #"invalid duration "P1M": years and months have no fixed length; use days (P30D) or weeks (P4W)"#
            ])
        let zero = EscalationTimingCase(#"{\#(Self.base), "remind_after": "PT0S"}"#, [])
        #expect(diagnosticsOf(zero).map(\.message) == [#"invalid duration "PT0S": it must be longer than zero"#])
        let hours = EscalationTimingCase(#"{\#(Self.base), "remind_after": "48H"}"#, [])
        #expect(
            diagnosticsOf(hours).map(\.message) == [
                #"invalid duration "48H": a duration starts with "P", as in PT48H (48 hours) or P2D (2 days)"#
            ])
        let number = EscalationTimingCase(#"{\#(Self.base), "remind_after": 48}"#, [])
        #expect(
            diagnosticsOf(number).map(\.message) == [
                #""remind_after" must be an ISO 8601 duration such as "PT48H", not integer"#
            ])
        let missing = EscalationTimingCase(#"{\#(Self.base), "escalate_after": {}}"#, [])
        #expect(
            diagnosticsOf(missing).map(\.message) == [
                #"escalate_after has no "after""#, #"escalate_after has no "to""#,
            ])
        let address = EscalationTimingCase(
            #"{\#(Self.base), "escalate_after": {"after": "PT72H", "to": "cfo"}}"#, [])
        #expect(
            diagnosticsOf(address).map(\.message) == [#"escalate_after address "cfo" is not an e-mail address"#])
    }

    @Test(arguments: [
        (#"{\#(base), "remind_afer": "PT48H"}"#, "remind_after"),
        (#"{\#(base), "escalate_afer": {}}"#, "escalate_after"),
        (#"{\#(base), "severty": "high"}"#, "severity"),
        (#"{\#(base), "escalate_after": {\#(followUpBase), "mesage": "x"}}"#, "message"),
        (#"{\#(base), "escalate_after": {"aftr": "PT72H", "to": "cfo@example.com"}}"#, "after"),
        (#"{\#(base), "escalate_after": {"after": "PT72H", "to": "cfo@example.com", "severty": "low"}}"#, "severity"),
    ])
    func unknownEscalationFieldsSuggestTheClosestField(_ escalate: String, _ guess: String) {
        let unknown = diagnosticsOf(EscalationTimingCase(escalate, [])).filter { $0.code == .unknownField }
        #expect(unknown.count == 1)
        #expect(unknown.first?.message.hasSuffix(#"; did you mean "\#(guess)"?"#) == true, "\(unknown)")
    }

    @Test func everyNewDiagnosticCarriesAFileLineAndColumn() {
        let found = diagnosticsOf(
            EscalationTimingCase(#"{\#(Self.base), "escalate_after": {"after": "P1M", "to": "cfo@example.com"}}"#, []))
        #expect(found.map(\.code) == [.invalidDuration])
        #expect(found.first?.location?.file == "inline.rules.json")
        #expect(found.first?.location?.line == 1)
        #expect(found.first?.ruleID == "r")
    }

    func diagnosticsOf(_ testCase: EscalationTimingCase) -> [RuleDiagnostic] {
        diagnostics(
            compiling: ruleDocument(#"{"id": "r", "when": \#(alwaysFires), "escalate": \#(testCase.escalate)}"#))
    }

    // MARK: - Evaluation

    func escalations(_ rules: String) throws -> [Escalation] {
        try RuleSet(text: ruleDocument(rules)).evaluate(acmeSnapshot).escalations
    }

    @Test func escalationWithoutTimingPrintsExactlyAsBefore() throws {
        let escalation = try #require(
            try escalations(
                #"{"id": "a", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "FYI"}}"#
            ).first)
        #expect(escalation.remindAfter == nil)
        #expect(escalation.escalateAfter == nil)
        #expect(escalation.json.object?.keys == ["to", "severity", "message", "rules"])
        #expect(
            JSONWriter.compact.string(escalation.json)
                == #"{"to":["legal@example.com"],"severity":"medium","message":"FYI","rules":["a"]}"#)
    }

    @Test func timingKeysFollowTheRulesInTheDecision() throws {
        let rules = #"""
            {"id": "a", "when": \#(alwaysFires), "escalate": {
              "to": "legal@example.com", "message": "Review {{variables.vendor_name}}", "remind_after": "PT48H",
              "escalate_after": {"after": "PT72H", "to": ["cfo@example.com", "ceo@example.com"], "severity": "critical",
                                 "message": "{{variables.vendor_name}} still waits at {{step_run.step_name}}"}}}
            """#
        let escalation = try #require(try escalations(rules).first)
        #expect(escalation.remindAfter == ISODuration("PT48H"))
        #expect(
            escalation.escalateAfter
                == Escalation.FollowUp(
                    after: try #require(ISODuration("PT72H")), to: ["cfo@example.com", "ceo@example.com"],
                    severity: .critical, message: "Acme Corporation still waits at Legal Approval"))
        #expect(
            escalation.json.object?.keys == ["to", "severity", "message", "rules", "remind_after", "escalate_after"])
        #expect(escalation.json["escalate_after"]?.object?.keys == ["after", "to", "severity", "message"])
        #expect(
            JSONWriter.compact.string(escalation.json)
                == #"{"to":["legal@example.com"],"severity":"medium","message":"Review Acme Corporation","rules":["a"],"#
                + #""remind_after":"PT48H","escalate_after":{"after":"PT72H","to":["cfo@example.com","ceo@example.com"],"#
                + #""severity":"critical","message":"Acme Corporation still waits at Legal Approval"}}"#)
    }

    @Test func furtherNoticeWithoutAMessageRepeatsTheEscalationsAndDefaultsToHigh() throws {
        let rules = #"""
            {"id": "a", "when": \#(alwaysFires), "escalate": {
              "to": "legal@example.com", "severity": "low", "message": "Review {{variables.vendor_name}}",
              "escalate_after": {"after": "P3D", "to": "cfo@example.com"}}}
            """#
        let escalation = try #require(try escalations(rules).first)
        #expect(escalation.remindAfter == nil)
        #expect(escalation.escalateAfter?.severity == .high)
        #expect(escalation.escalateAfter?.to == ["cfo@example.com"])
        #expect(escalation.escalateAfter?.message == "Still waiting after P3D: Review Acme Corporation")
        #expect(escalation.json.object?.keys == ["to", "severity", "message", "rules", "escalate_after"])
    }

    @Test func mergedEscalationsKeepTheShorterReminderAndTheEarlierFurtherNotice() throws {
        let rules = #"""
            {"id": "a", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
              "escalate_after": {"after": "P3D", "to": "x@example.com"}}},
            {"id": "b", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
              "remind_after": "P2D", "escalate_after": {"after": "PT48H", "to": "y@example.com"}}},
            {"id": "c", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
              "remind_after": "PT24H", "escalate_after": {"after": "P2D", "to": "z@example.com"}}},
            {"id": "d", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
              "remind_after": "P1D"}}
            """#
        let merged = try escalations(rules)
        #expect(merged.count == 1)
        #expect(merged.first?.ruleIDs == ["a", "b", "c", "d"])
        // PT24H and P1D are as short: the first stays.
        #expect(merged.first?.remindAfter?.description == "PT24H")
        // PT48H and P2D are as early: the first stays.
        #expect(merged.first?.escalateAfter?.after.description == "PT48H")
        #expect(merged.first?.escalateAfter?.to == ["y@example.com"])
    }

    @Test func mergeKeepsTimingAnEarlierEscalationDidNotAskFor() throws {
        let rules = #"""
            {"id": "a", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review"}},
            {"id": "b", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
              "remind_after": "PT12H", "escalate_after": {"after": "P1W", "to": "cfo@example.com"}}},
            {"id": "c", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review"}}
            """#
        let merged = try escalations(rules)
        #expect(merged.map(\.ruleIDs) == [["a", "b", "c"]])
        #expect(merged.first?.remindAfter?.description == "PT12H")
        #expect(merged.first?.escalateAfter?.message == "Still waiting after P1W: Review")
    }

    @Test func escalationsThatDoNotMergeKeepTheirOwnTiming() throws {
        let rules = #"""
            {"id": "a", "when": \#(alwaysFires), "escalate": [
              {"to": "legal@example.com", "message": "Review", "remind_after": "PT1H"},
              {"to": "cfo@example.com", "message": "Review", "remind_after": "PT2H"}]}
            """#
        #expect(try escalations(rules).map { $0.remindAfter?.description } == ["PT1H", "PT2H"])
    }

    @Test func ruleTestCasesCanExpectTheTiming() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "a", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
                  "remind_after": "PT48H", "escalate_after": {"after": "PT72H", "to": "cfo@example.com"}}}
                """#))
        let decision = rules.evaluate(acmeSnapshot)
        func failures(_ expected: String) throws -> [String] {
            let json = try JSONParser().parse(
                Array(#"{"snapshot": {}, "expect": {"escalations": [\#(expected)]}}"#.utf8))
            return try RuleTestCase(json, file: "inline.test.json").check(decision)
        }
        #expect(
            try failures(
                #"{"remind_after": "PT48H", "escalate_after": {"after": "PT72H", "to": ["cfo@example.com"], "#
                    + #""severity": "high", "message": "Still waiting after PT72H: Review"}}"#) == [])
        #expect(try failures(#"{"remind_after": "P2D"}"#).count == 1)
    }

    @Test func projectedSnapshotRendersTheFurtherNoticeTheSame() throws {
        let rules = try RuleSet(
            text: ruleDocument(
                #"""
                {"id": "a", "when": \#(alwaysFires), "escalate": {"to": "legal@example.com", "message": "Review",
                  "escalate_after": {"after": "PT72H", "to": "cfo@example.com",
                                     "message": "Waiting at {{step_run.step_name}} for {{variables.vendor_name}}"}}}
                """#))
        let bytes = Array(JSONWriter.compact.string(acmeSnapshot.document).utf8)
        let projected = try ApprovalSnapshot(parsing: bytes, projection: rules.projection)
        let full = try ApprovalSnapshot(parsing: bytes)
        #expect(rules.evaluate(projected).jsonText == rules.evaluate(full).jsonText)
        #expect(
            rules.evaluate(projected).escalations.first?.escalateAfter?.message
                == "Waiting at Legal Approval for Acme Corporation")
    }
}
