package import ApprovalJSON

/// A rule test case: a snapshot, a clock, and the parts of the decision it must produce.
///
/// Rule authors keep these next to their rules and run them with `approvalctl test`; the format
/// is documented in `rules/README.md`:
///
/// ```json
/// {
///   "description": "Tier 2 contract escalates to the CFO and holds",
///   "snapshot": "../snapshots/tier2-cfo.json",
///   "now": "2025-06-01T00:00:00Z",
///   "expect": {
///     "recommendation": "hold",
///     "fired_rules": ["tier-2-cfo"],
///     "escalations": [{"to": ["cfo@example.com"], "severity": "high"}],
///     "data_problems": []
///   }
/// }
/// ```
///
/// ```swift
/// let testCase = try RuleTestCase(json, file: "examples/tests/tier2.test.json")
/// let failures = testCase.check(ruleSet.evaluate(snapshot, options: testCase.options))
/// ```
package struct RuleTestCase: Sendable {
    /// What the case is about.
    package var description: String?
    /// The snapshot: a path relative to the test file, or the snapshot itself.
    package var snapshot: Source
    /// A rule file for this case, relative to the test file (otherwise the caller's rules).
    package var rulesPath: String?
    /// The clock for the evaluation.
    package var now: Timestamp?
    /// The expected parts of the decision.
    package var expect: JSONObject

    /// Where the snapshot comes from.
    package enum Source: Sendable {
        /// A file path (already resolved against the test file's folder).
        case file(String)
        /// The snapshot written inline.
        case inline(JSONValue)
    }

    /// The keys `expect` may hold.
    package static let expectationKeys: Set<String> = [
        "recommendation", "fired_rules", "escalations", "data_problems", "escalated_to",
    ]

    /// Reads a test case.
    ///
    /// - Parameters:
    ///   - json: the test case document.
    ///   - file: its path, to resolve relative paths against.
    /// - Throws: ``RuleCompilationError`` describing what is malformed.
    package init(_ json: JSONValue, file: String) throws {
        func fail(_ message: String, _ path: JSONPointer) -> RuleCompilationError {
            RuleCompilationError(diagnostics: [
                RuleDiagnostic(
                    code: .invalidValue, message: message, path: path,
                    location: SourceLocation(file: file, line: 1, column: 1, byteOffset: 0))
            ])
        }
        guard case .object(let object) = json else { throw fail("a test case must be an object", .root) }
        let folder = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        /// `path` relative to the test file's folder, with `a/../` steps removed, so that reports
        /// name `rules/x.rules.json` rather than `examples/tests/doa/../../../rules/x.rules.json`.
        func resolve(_ path: String) -> String {
            guard !path.hasPrefix("/"), !folder.isEmpty else { return path }
            var parts: [Substring] = []
            for part in (folder + "/" + path).split(separator: "/", omittingEmptySubsequences: false) {
                if part == "..", let last = parts.last, last != "..", last != "." {
                    parts.removeLast()
                } else if part != "." || parts.isEmpty {
                    parts.append(part)
                }
            }
            return parts.isEmpty ? "." : parts.joined(separator: "/")
        }
        description = object["description"]?.string
        switch object["snapshot"] {
        case .string(let path)?: snapshot = .file(resolve(path))
        case .object(let inline)?: snapshot = .inline(.object(inline))
        default: throw fail("\"snapshot\" must be a file path or an object", JSONPointer.root.appending("snapshot"))
        }
        rulesPath = object["rules"]?.string.map(resolve)
        if let text = object["now"] {
            guard case .string(let value) = text, let now = Timestamp(iso8601: value) else {
                throw fail("\"now\" must be an ISO 8601 date-time", JSONPointer.root.appending("now"))
            }
            self.now = now
        }
        guard case .object(let expect)? = object["expect"] else {
            throw fail("\"expect\" must be an object", JSONPointer.root.appending("expect"))
        }
        for key in expect.keys where !Self.expectationKeys.contains(key) {
            throw fail("unknown expectation \"\(key)\"", JSONPointer.root.appending("expect").appending(key))
        }
        self.expect = expect
    }

    /// Evaluation options for this case.
    package var options: EvaluationOptions { EvaluationOptions(now: now) }

    /// What differs between the decision and the expectations (empty when the case passes).
    package func check(_ decision: Decision) -> [String] {
        var failures: [String] = []
        if let wanted = expect["recommendation"]?.string, wanted != decision.recommendation.rawValue {
            failures.append("recommendation: expected \(wanted), got \(decision.recommendation.rawValue)")
        }
        if let wanted = expect["fired_rules"]?.array {
            let expected = Set(wanted.compactMap(\.string))
            let actual = Set(decision.firedRules.map(\.id))
            if expected != actual {
                let missing = expected.subtracting(actual).sorted()
                let extra = actual.subtracting(expected).sorted()
                var text = "fired_rules:"
                if !missing.isEmpty { text += " expected but did not fire \(missing)" }
                if !extra.isEmpty { text += " fired unexpectedly \(extra)" }
                failures.append(text)
            }
        }
        if let wanted = expect["data_problems"]?.array {
            let expected = wanted.compactMap(\.string).sorted()
            let actual = decision.dataProblems.map(\.code.description).sorted()
            if expected != actual { failures.append("data_problems: expected \(expected), got \(actual)") }
        }
        if let wanted = expect["escalated_to"]?.array {
            let expected = Set(wanted.compactMap(\.string))
            let actual = Set(decision.escalations.flatMap(\.to))
            if expected != actual {
                failures.append("escalated_to: expected \(expected.sorted()), got \(actual.sorted())")
            }
        }
        if let wanted = expect["escalations"]?.array {
            for item in wanted {
                let found = decision.escalations.contains { escalation in
                    let json = escalation.json
                    return (item.object?.members ?? JSONObject().members).allSatisfy { key, value in
                        if key == "message_contains", case .string(let part) = value {
                            return escalation.message.contains(part)
                        }
                        return json[key] == value
                    }
                }
                if !found { failures.append("escalations: no escalation matches \(item)") }
            }
            if wanted.count != decision.escalations.count {
                failures.append("escalations: expected \(wanted.count), got \(decision.escalations.count)")
            }
        }
        return failures
    }
}
