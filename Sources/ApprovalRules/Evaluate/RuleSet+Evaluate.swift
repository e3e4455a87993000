import ApprovalJSON

extension RuleSet {
    /// Evaluates the rules against one snapshot. Synchronous, pure, and total: problems in the
    /// data become ``Decision/dataProblems`` and a recommendation at least as restrictive as
    /// ``safeRecommendation``, never an error and never an `approve`.
    ///
    /// - Parameters:
    ///   - snapshot: the task.
    ///   - options: the clock and whether to explain.
    /// - Returns: the decision.
    public func evaluate(_ snapshot: ApprovalSnapshot, options: EvaluationOptions = EvaluationOptions()) -> Decision {
        var context = EvaluationContext(
            root: .snapshot(snapshot), facts: facts, budget: limits.evaluationSteps, trace: options.explain, now: options.now)
        var problems = snapshot.findings.problems(references: references, variableIDs: checkedVariableIDs)
        var warnings: [String] = []
        var failedFacts: Set<String> = []
        for fact in requiredFacts {
            if let problem = Self.check(fact, in: &context, ruleID: nil) {
                problems.append(problem)
                failedFacts.insert(fact.dotted)
            }
        }

        var fired: [FiredRule] = []
        var escalations: [Escalation] = []
        var recommended: Recommendation?
        var failClosed = !problems.isEmpty
        var traces: [RuleTrace] = []

        for rule in rules {
            if strategy == .firstMatch, recommended != nil { break }
            // A rule reading a required fact already reported missing or invalid is not run: it
            // would only fail again, and the decision already falls back to the safe recommendation.
            if !failedFacts.isEmpty, let fact = rule.readFactNames.first(where: failedFacts.contains) {
                if options.explain {
                    traces.append(RuleTrace(ruleID: rule.id, fired: false, failure: "skipped: required fact \(fact) is missing or invalid", events: []))
                }
                continue
            }
            // Facts this rule declares it needs.
            var missing: [DataProblem] = []
            for fact in rule.requires {
                if let problem = Self.check(fact, in: &context, ruleID: rule.id) { missing.append(problem) }
            }
            if !missing.isEmpty {
                problems += missing
                failClosed = true
                if options.explain {
                    traces.append(RuleTrace(ruleID: rule.id, fired: false, failure: "required facts missing or invalid", events: []))
                }
                continue
            }
            context.scopes.removeAll(keepingCapacity: true)
            if options.explain { context.trace = TraceRecorder() }
            let result: Bool
            do {
                result = Coercion.truthy(try rule.condition.run(&context))
            } catch {
                problems.append(
                    DataProblem(
                        code: error.type == "Incomplete Data" ? "incomplete_data" : "condition_error",
                        message: "rule \"\(rule.id)\" could not be evaluated: \(Self.describe(error))",
                        path: nil, ruleID: rule.id))
                failClosed = true
                if options.explain {
                    traces.append(RuleTrace(ruleID: rule.id, fired: false, failure: Self.describe(error), events: context.trace?.events ?? []))
                }
                continue
            }
            if options.explain {
                traces.append(RuleTrace(ruleID: rule.id, fired: result, failure: nil, events: context.trace?.events ?? []))
            }
            guard result else { continue }

            var recommendation = rule.recommendation
            if recommendation == .approve {
                // An approval that rests on a missing fact is no approval.
                let absent = rule.readFacts.filter { (context.fact($0) ?? .null).isNull }
                if !absent.isEmpty {
                    let names = absent.map(\.path.dotted).joined(separator: ", ")
                    problems.append(
                        DataProblem(
                            code: "missing_fact", message: "rule \"\(rule.id)\" would approve, but \(names) is missing",
                            path: absent[0].path.dotted, ruleID: rule.id))
                    failClosed = true
                    recommendation = nil
                }
            }
            let reason = rule.reason?.render(&context, limit: limits.templateOutputLength)
            fired.append(FiredRule(id: rule.id, recommendation: recommendation, reason: reason ?? rule.description))
            for spec in rule.escalations {
                let message = spec.message.render(&context, limit: limits.templateOutputLength)
                if let at = escalations.firstIndex(where: { $0.to == spec.to && $0.message == message }) {
                    escalations[at].severity = max(escalations[at].severity, spec.severity)
                    if !escalations[at].ruleIDs.contains(rule.id) { escalations[at].ruleIDs.append(rule.id) }
                } else {
                    escalations.append(Escalation(to: spec.to, severity: spec.severity, message: message, ruleIDs: [rule.id]))
                }
            }
            if let recommendation {
                switch strategy {
                case .mostRestrictive: recommended = max(recommended ?? recommendation, recommendation)
                case .firstMatch: recommended = recommended ?? recommendation
                }
            }
        }

        var final = recommended ?? defaultRecommendation
        if failClosed {
            final = max(final, safeRecommendation)
            warnings.append("data problems found: the recommendation is at least \(safeRecommendation.rawValue)")
        }
        return Decision(
            taskID: snapshot.taskID, ruleSetName: name, ruleSetHash: contentHash, recommendation: final,
            firedRules: fired, escalations: escalations, dataProblems: problems, warnings: warnings,
            trace: options.explain ? traces : nil)
    }

    /// A data problem when `fact` is missing or of the wrong type, else `nil`.
    static func check(_ fact: RequiredFact, in context: inout EvaluationContext, ruleID: String?) -> DataProblem? {
        guard let value = context.fact(fact.fact), !value.isNull else {
            return DataProblem(
                code: "missing_fact", message: "required fact \(fact.dotted) is missing", path: fact.dotted, ruleID: ruleID)
        }
        guard context.fact(fact.fact, hasType: fact.type, value: value) else {
            return DataProblem(
                code: "wrong_type",
                message: "required fact \(fact.dotted) should be \(fact.type.rawValue), got \(value.typeName) \(TraceText.value(value))",
                path: fact.dotted, ruleID: ruleID)
        }
        return nil
    }

    static func describe(_ error: LogicError) -> String {
        if let type = error.type {
            if let detail = error.value["detail"]?.string { return "\(type): \(detail)" }
            return type
        }
        return error.value.description
    }
}
