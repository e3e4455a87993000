package import ApprovalBatch
import ApprovalJSON
package import ApprovalRules

/// Streams a dry run's results to stdout in input order and keeps only counters, so memory does
/// not grow with the number of snapshots.
package struct DryRunReport {
    let before: RuleSet
    let after: RuleSet?
    let source: String
    let format: OutputFormat

    /// The counts (the library's ``BatchSummary``); the report adds what it prints.
    package private(set) var summary: BatchSummary
    /// Unreadable snapshots for the JSON report (the first `errorListLimit`; all are counted and
    /// all are reported on stderr as they happen).
    private var errors: [JSONValue] = []
    private static let errorListLimit = 1000
    private var flagged = 0
    private var buffer: [UInt8] = []
    /// With `--coverage`: what the decisions exercised of `before`, and which measured rule set it
    /// is (the evaluator then decides with that rule set, explaining; traces are not shown).
    package var coverage: (report: CoverageReport, index: Int)?

    package init(before: RuleSet, after: RuleSet?, source: String, format: OutputFormat) {
        self.before = before
        self.after = after
        self.source = source
        self.format = format
        self.summary = BatchSummary(rules: before, comparedWith: after)
    }

    private static func rules(_ set: RuleSet) -> JSONValue {
        ["name": .string(set.name), "hash": .string(set.contentHash)]
    }

    package mutating func begin() {
        switch format {
        case .json:
            var header = "{\n  \"rules\": \(JSONWriter.compact.string(Self.rules(before))),\n"
            if let after { header += "  \"compare\": \(JSONWriter.compact.string(Self.rules(after))),\n" }
            header += "  \"source\": \(JSONWriter.compact.string(.string(source))),\n"
            header += "  \"\(after == nil ? "flagged" : "changed")\": ["
            emit(header)
        case .text:
            var header = "Dry run of \"\(before.name)\" (\(before.contentHash.prefix(19)))"
            if let after { header += " against \"\(after.name)\" (\(after.contentHash.prefix(19)))" }
            emit(header + " over \(source)\n\n")
        case .ndjson:
            break
        }
    }

    /// What one snapshot puts in the report's output, worked out where the snapshot was decided
    /// (on a worker thread): the report itself then only counts and appends, so the one thread
    /// that writes in input order is not the one doing most of the work.
    package struct Rendered: Sendable {
        /// The entry for this snapshot in the output's format: a flagged entry's JSON (`json`),
        /// its line (`ndjson`), or its text lines (`text`); empty when there is none.
        var bytes: [UInt8] = []
        /// Whether the snapshot is flagged (a JSON entry it adds to the `flagged`/`changed` list).
        var flagged = false
        /// With two rule sets: how the decision changed (counted by the summary, not made again).
        var comparison: DecisionComparison?
    }

    /// The output for one decided snapshot, in `format`, with or without a second rule set.
    package static func render(_ item: BatchItem, _ outcome: BatchOutcome, format: OutputFormat) -> Rendered {
        var rendered = Rendered()
        switch outcome {
        case .unreadable:
            break  // reported by `add`, in order, on stderr as well
        case .decided(let decision, nil):
            if format == .ndjson {
                rendered.bytes = line(type: "decision", source: item.name) { output in
                    output.append(contentsOf: #","decision":"#.utf8)
                    decision.writeJSON(into: &output)
                }
            } else if !decision.escalations.isEmpty || !decision.dataProblems.isEmpty {
                rendered.flagged = true
                if format == .json {
                    var output: [UInt8] = []
                    output.reserveCapacity(512)
                    output.append(contentsOf: #"{"source":"#.utf8)
                    JSONWriter.writeString(item.name, into: &output)
                    output.append(contentsOf: #","task_id":"#.utf8)
                    JSONWriter.compact.write(decision.taskID, into: &output)
                    output.append(contentsOf: #","recommendation":"#.utf8)
                    JSONWriter.writeString(decision.recommendation.rawValue, into: &output)
                    output.append(contentsOf: #","escalations":"#.utf8)
                    JSONWriter.writeArray(decision.escalations, into: &output) { $0.writeJSON(into: &$1) }
                    output.append(contentsOf: #","data_problems":"#.utf8)
                    JSONWriter.writeArray(decision.dataProblems, into: &output) { $0.writeJSON(into: &$1) }
                    output.append(UInt8(ascii: "}"))
                    rendered.bytes = output
                } else {
                    var text = ""
                    for escalation in decision.escalations {
                        text +=
                            "ESCALATE \(Self.task(decision)) [\(escalation.severity.rawValue)] \(escalation.to.joined(separator: ", ")): \(escalation.message)  (\(item.name))\n"
                    }
                    for problem in decision.dataProblems {
                        text += "DATA     \(Self.task(decision)) \(problem.code): \(problem.message)  (\(item.name))\n"
                    }
                    rendered.bytes = Array(text.utf8)
                }
            }
        case .decided(let old, let new?):
            let comparison = DecisionComparison(before: old, after: new)
            rendered.comparison = comparison
            if format == .ndjson {
                rendered.bytes = line(type: "comparison", source: item.name) { output in
                    output.append(contentsOf: (comparison.changed ? #","changed":true"# : #","changed":false"#).utf8)
                    output.append(contentsOf: #","before":"#.utf8)
                    old.writeJSON(into: &output)
                    output.append(contentsOf: #","after":"#.utf8)
                    new.writeJSON(into: &output)
                }
            } else if comparison.changed {
                rendered.flagged = true
                let started = comparison.startedFiring
                let stopped = comparison.stoppedFiring
                if format == .json {
                    let entry: JSONValue = [
                        "source": .string(item.name), "task_id": old.taskID,
                        "before": .string(old.recommendation.rawValue), "after": .string(new.recommendation.rawValue),
                        "started_firing": .array(started.map(JSONValue.string)),
                        "stopped_firing": .array(stopped.map(JSONValue.string)),
                        "escalations_before": .array(old.escalations.map(\.json)),
                        "escalations_after": .array(new.escalations.map(\.json)),
                    ]
                    rendered.bytes = JSONWriter.compact.bytes(entry)
                } else {
                    var text = "CHANGED  \(Self.task(old)) \(comparison.transition)"
                    if !started.isEmpty { text += "  started: \(started.joined(separator: ", "))" }
                    if !stopped.isEmpty { text += "  stopped: \(stopped.joined(separator: ", "))" }
                    rendered.bytes = Array((text + "  (\(item.name))\n").utf8)
                }
            }
        }
        return rendered
    }

    /// One NDJSON line, `{"type":…,"source":…` then the members `rest` appends, written straight
    /// to bytes (a dry run writes one per snapshot).
    private static func line(type: String, source: String, _ rest: (inout [UInt8]) -> Void) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        output.append(contentsOf: #"{"type":"#.utf8)
        JSONWriter.writeString(type, into: &output)
        output.append(contentsOf: #","source":"#.utf8)
        JSONWriter.writeString(source, into: &output)
        rest(&output)
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    /// Counts one snapshot and appends its output, rendered by ``render(_:_:format:)``.
    package mutating func add(_ item: BatchItem, _ outcome: BatchOutcome, _ rendered: Rendered) {
        summary.add(outcome, comparison: rendered.comparison)
        if case .unreadable(let error) = outcome {
            Inputs.report(error, format: format == .text ? .text : .json)
            switch format {
            case .ndjson:
                emitLine(["type": "error", "source": .string(item.name), "error": Inputs.json(error)])
            case .json where errors.count < Self.errorListLimit:
                errors.append(["source": .string(item.name), "error": Inputs.json(error)])
            default:
                break
            }
        } else {
            append(rendered)
        }
        if buffer.count > 1 << 16 { flush() }
    }

    /// Appends a rendered entry (with the separator the streamed JSON array needs).
    private mutating func append(_ rendered: Rendered) {
        if format == .json {
            guard rendered.flagged else { return }
            emit(flagged == 0 ? "\n    " : ",\n    ")
            flagged += 1
        }
        buffer += rendered.bytes
    }

    private static func task(_ decision: Decision) -> String {
        decision.taskID.isNull ? "(no id)" : TraceTextPlain.plain(decision.taskID)
    }

    private mutating func emitLine(_ value: JSONValue) {
        buffer += JSONWriter.compact.bytes(value)
        buffer.append(0x0A)
    }

    private mutating func emit(_ text: String) {
        buffer += Array(text.utf8)
    }

    private mutating func flush() {
        Console.out(bytes: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private var summaryJSON: JSONValue {
        func counts(_ table: [Recommendation: Int]) -> JSONValue {
            .object(JSONObject(Recommendation.allCases.map { ($0.rawValue, .integer(Int64(table[$0] ?? 0))) }))
        }
        func rules(_ set: RuleSet, _ table: [String: Int]) -> JSONValue {
            .object(JSONObject(set.ruleIDs.map { ($0, .integer(Int64(table[$0] ?? 0))) }))
        }
        let s = summary
        var object = JSONObject()
        object["snapshots"] = .integer(Int64(s.total))
        object["evaluated"] = .integer(Int64(s.evaluated))
        object["unreadable"] = .integer(Int64(s.unreadable))
        object["recommendations"] = counts(s.recommendations)
        object["rules_fired"] = rules(before, s.rulesFired)
        object["escalating_tasks"] = .integer(Int64(s.escalating))
        object["tasks_with_data_problems"] = .integer(Int64(s.withProblems))
        if let after {
            object["escalating_tasks_after"] = .integer(Int64(s.escalatingAfter))
            object["tasks_with_data_problems_after"] = .integer(Int64(s.withProblemsAfter))
            object["recommendations_after"] = counts(s.recommendationsAfter)
            object["rules_fired_after"] = rules(after, s.rulesFiredAfter)
            object["changed"] = .integer(Int64(s.changed))
            object["unchanged"] = .integer(Int64(s.evaluated - s.changed))
            object["transitions"] = .object(
                JSONObject(s.transitions.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) }))
        }
        return .object(object)
    }

    package mutating func end() {
        switch format {
        case .json:
            emit(flagged == 0 ? "],\n" : "\n  ],\n")
            emit("  \"unreadable\": [")
            for (index, error) in errors.enumerated() {
                emit(index == 0 ? "\n    " : ",\n    ")
                buffer += JSONWriter.compact.bytes(error)
            }
            emit(errors.isEmpty ? "],\n" : "\n  ],\n")
            emit("  \"summary\": \(JSONWriter.compact.string(summaryJSON))")
            if let coverage { emit(",\n  \"coverage\": \(JSONWriter.compact.string(coverage.report.json))") }
            emit("\n}\n")
        case .ndjson:
            emitLine(["type": "summary", "summary": summaryJSON])
            if let coverage { emitLine(["type": "coverage", "coverage": coverage.report.json]) }
        case .text:
            emitText()
            if let coverage { emit(coverage.report.text) }
        }
        flush()
    }

    private mutating func emitText() {
        let s = summary
        let (total, unreadable, evaluated) = (s.total, s.unreadable, s.evaluated)
        let (escalating, withProblems, changed) = (s.escalating, s.withProblems, s.changed)
        let (recommendations, recommendationsAfter) = (s.recommendations, s.recommendationsAfter)
        let (ruleCounts, ruleCountsAfter, transitions) = (s.rulesFired, s.rulesFiredAfter, s.transitions)
        let (escalatingAfter, withProblemsAfter) = (s.escalatingAfter, s.withProblemsAfter)
        var text = total > 0 && (escalating > 0 || withProblems > 0 || changed > 0 || unreadable > 0) ? "\n" : ""
        text += "Snapshots: \(total) (\(evaluated) evaluated, \(unreadable) unreadable)\n\n"
        func percent(_ count: Int) -> String {
            evaluated == 0 ? "" : " (\((count * 1000 / evaluated + 5) / 10)%)"
        }
        text += after == nil ? "Recommendations\n" : "Recommendations           before   after\n"
        for recommendation in Recommendation.allCases {
            let name = recommendation.rawValue.padding(to: 22)
            let count = recommendations[recommendation] ?? 0
            if after != nil {
                text +=
                    "  \(name)\(String(count).leftPadding(to: 8))\(String(recommendationsAfter[recommendation] ?? 0).leftPadding(to: 8))\n"
            } else {
                text += "  \(name)\(String(count).leftPadding(to: 8))\(percent(count))\n"
            }
        }
        text += "\nRules fired\n"
        let width = (before.ruleIDs + (after?.ruleIDs ?? [])).map(\.count).max() ?? 10
        for id in before.ruleIDs {
            text += "  \(id.padding(to: width + 2))\(String(ruleCounts[id] ?? 0).leftPadding(to: 8))"
            if after != nil { text += String(ruleCountsAfter[id] ?? 0).leftPadding(to: 8) }
            text += "\n"
        }
        if let after {
            for id in after.ruleIDs where !before.ruleIDs.contains(id) {
                text +=
                    "  \(id.padding(to: width + 2))\("-".leftPadding(to: 8))\(String(ruleCountsAfter[id] ?? 0).leftPadding(to: 8))\n"
            }
            text += "\nChanged decisions: \(changed) of \(evaluated)\n"
            for (transition, count) in transitions.sorted(by: { $0.key < $1.key }) {
                text += "  \(transition.padding(to: 28))\(String(count).leftPadding(to: 6))\n"
            }
        }
        if after != nil {
            text += "\nEscalating tasks: \(escalating) before, \(escalatingAfter) after"
            text += "\nTasks with data problems: \(withProblems) before, \(withProblemsAfter) after\n"
        } else {
            text += "\nEscalating tasks: \(escalating)\nTasks with data problems: \(withProblems)\n"
        }
        emit(text)
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadding(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

extension DryRunReport {
    /// Runs `evaluator` over `source` and writes the whole report (header, entries in the
    /// source's order, summary), with a progress bar on stderr when `progress` is set.
    ///
    /// - Returns: whether a decision (the second rule set's, in a comparison) matched `failOn`.
    package mutating func run<Source: SnapshotSource>(
        _ evaluator: BatchEvaluator, over source: inout Source, failOn: [FailOn], progress: Bool
    ) -> Bool {
        var bar = ProgressBar(enabled: progress)
        begin()
        let matched = feed(evaluator, over: &source, failOn: failOn, bar: &bar)
        bar.finish()
        end()
        return matched
    }

    /// Adds what `evaluator` decides of `source` to the report (between ``begin()`` and
    /// ``end()``; a source read in pages is fed page by page).
    ///
    /// - Returns: whether a decision matched `failOn`.
    package mutating func feed<Source: SnapshotSource>(
        _ evaluator: BatchEvaluator, over source: inout Source, failOn: [FailOn], bar: inout ProgressBar
    ) -> Bool {
        var matched = false
        let format = self.format
        let measuring = coverage != nil
        let render: @Sendable (BatchItem, BatchOutcome) -> Rendered = { item, outcome in
            DryRunReport.render(item, measuring ? outcome.withoutTraces : outcome, format: format)
        }
        evaluator.run(&source, render: render) { item, outcome, rendered in
            if case .decided(let decision, _) = outcome, let index = coverage?.index {
                coverage?.report.record(decision, at: index)
            }
            add(item, outcome, rendered)
            if case .decided(let decision, let other) = outcome,
                failOn.contains(where: { $0.matches(other ?? decision) })
            {
                matched = true
            }
            bar.update(summary.total)
        }
        return matched
    }
}

/// A one-line progress bar on stderr, redrawn at most every 0.2 s, shown only after 1 s.
package struct ProgressBar {
    package let enabled: Bool
    private let start = Console.monotonic()
    private var last = 0.0
    private var shown = false

    package init(enabled: Bool) { self.enabled = enabled }

    package mutating func update(_ done: Int) {
        guard enabled else { return }
        let now = Console.monotonic()
        guard now - start > 1, now - last > 0.2 else { return }
        last = now
        shown = true
        let rate = Double(done) / (now - start)
        Console.err("\r\u{1B}[K  \(done) snapshots evaluated (\(Int(rate))/s)")
    }

    package func finish() {
        if shown { Console.err("\r\u{1B}[K") }
    }
}

extension BatchOutcome {
    /// The outcome without explanations (a coverage run explains every decision to see its
    /// branches; the report shows the decisions as a plain run does).
    fileprivate var withoutTraces: BatchOutcome {
        guard case .decided(var decision, var other) = self else { return self }
        decision.trace = nil
        other?.trace = nil
        return .decided(decision, other)
    }
}
