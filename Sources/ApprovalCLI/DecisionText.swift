package import ApprovalJSON
package import ApprovalRules

/// The text form of a decision, for people.
package enum DecisionText {
    /// The decision as the text report `evaluate` prints.
    package static func render(_ decision: Decision) -> String {
        var lines: [String] = []
        let task = decision.taskID.isNull ? "(no task id)" : TraceTextPlain.plain(decision.taskID)
        lines.append("Task \(task): \(decision.recommendation.rawValue.uppercased())")
        lines.append("Rule set: \(decision.ruleSetName) (\(decision.ruleSetHash.prefix(19)))")
        if !decision.firedRules.isEmpty {
            lines.append("")
            lines.append("Fired rules")
            for rule in decision.firedRules {
                let action = rule.recommendation.map { " (\($0.rawValue))" } ?? ""
                lines.append("  - \(rule.id)\(action)\(rule.reason.map { ": \($0)" } ?? "")")
            }
        }
        if !decision.escalations.isEmpty {
            lines.append("")
            lines.append("Escalations")
            for escalation in decision.escalations {
                lines.append(
                    "  - [\(escalation.severity.rawValue)] \(escalation.to.joined(separator: ", ")): \(escalation.message)"
                )
            }
        }
        if !decision.dataProblems.isEmpty {
            lines.append("")
            lines.append("Data problems")
            for problem in decision.dataProblems {
                lines.append("  - \(problem.code)\(problem.path.map { " at \($0)" } ?? ""): \(problem.message)")
            }
        }
        if !decision.warnings.isEmpty {
            lines.append("")
            lines.append("Warnings")
            for warning in decision.warnings { lines.append("  - \(warning)") }
        }
        if let trace = decision.trace {
            lines.append("")
            lines.append("Explanation")
            for rule in trace {
                let state =
                    rule.failure.map { "could not be evaluated (\($0))" } ?? (rule.fired ? "fired" : "did not fire")
                lines.append("  \(rule.ruleID): \(state)")
                // One line per test, as people say it: `contract value USD 300,000.00 ≥ USD 250,000.00: yes`.
                for line in rule.lines { lines.append("    \(line)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A JSON value as a person reads it: strings bare, anything else as compact JSON.
package enum TraceTextPlain {
    /// The readable form of `value`.
    package static func plain(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.compact.string(value)
    }
}
