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
        compiled.evaluate(snapshot, options: options)
    }
}

extension RuleSet.Compiled {
    func evaluate(_ snapshot: ApprovalSnapshot, options: EvaluationOptions) -> Decision {
        EvaluationMemory.with(factSlots: facts.count) { memory in
            var context = EvaluationContext(
                root: .snapshot(snapshot), facts: facts, memory: memory, budget: limits.evaluationSteps,
                trace: options.explain, now: options.now)
            return decide(snapshot, options: options, in: &context)
        }
    }

    /// The decision, with `context` holding the evaluation's fact slots.
    ///
    /// The loop over the rules touches only plain values and ``conditions`` until a rule fires:
    /// reading a closure or an array out of a rule object would cost a retain and a release per
    /// rule, which is most of what an evaluation that fires nothing costs.
    func decide(_ snapshot: ApprovalSnapshot, options: EvaluationOptions, in context: inout EvaluationContext)
        -> Decision
    {
        var problems = snapshot.problems(references: references, variableIDs: checkedVariableIDs)
        var warnings = snapshot.warnings(variableIDs: checkedVariableIDs, readsEverything: references.readsEverything)
        var failedFacts: Set<String> = []
        let requiredFacts = self.requiredFacts
        for index in requiredFacts.indices {
            if let problem = RuleSet.check(
                requiredFacts[index].fact, requiredFacts[index].type, named: requiredFacts[index].dotted, in: &context,
                ruleID: nil)
            {
                // A variable listed twice with different values has no value: its
                // `ambiguous_fact` problem already says so, better than "missing" would.
                if !snapshot.isAmbiguous(RuleSet.variableID(inFact: requiredFacts[index].dotted)) {
                    problems.append(problem)
                }
                failedFacts.insert(requiredFacts[index].dotted)
            }
        }

        var fired: [FiredRule] = []
        var escalations: [Escalation] = []
        var recommended: Recommendation?
        var failClosed = !problems.isEmpty
        var traces: [RuleTrace] = []
        let explain = options.explain
        // Locals, not fields: a closure read from a local array is called without retaining it.
        let rules = self.rules
        let conditions = self.conditions

        for index in 0..<rules.count {
            if strategy == .firstMatch, recommended != nil { break }
            // A rule reading a required fact already reported missing or invalid is not run: it
            // would only fail again, and the decision already falls back to the safe recommendation.
            if !failedFacts.isEmpty, let fact = rules[index].readFactNames.first(where: failedFacts.contains) {
                if explain {
                    traces.append(
                        RuleTrace(
                            ruleID: rules[index].id, fired: false,
                            failure: "skipped: required fact \(fact) is missing or invalid", events: []))
                }
                continue
            }
            // Facts this rule declares it needs.
            if rules[index].hasRequirements {
                let rule = rules[index]
                var missing: [DataProblem] = []
                for fact in rule.requires {
                    if let problem = RuleSet.check(
                        fact.fact, fact.type, named: fact.dotted, in: &context, ruleID: rule.id)
                    {
                        missing.append(problem)
                    }
                }
                if !missing.isEmpty {
                    problems += missing
                    failClosed = true
                    if explain {
                        traces.append(
                            RuleTrace(
                                ruleID: rule.id, fired: false, failure: "required facts missing or invalid", events: [])
                        )
                    }
                    continue
                }
            }
            if !context.scopes.isEmpty { context.scopes.removeAll() }
            if !context.nearMatches.isEmpty { context.nearMatches.removeAll() }
            if explain { context.trace = TraceRecorder() }
            let result: Bool
            do {
                result = try conditions[index].test(&context)
            } catch {
                let rule = rules[index]
                problems.append(
                    DataProblem(
                        code: error.type == "Incomplete Data" ? .incompleteData : .conditionError,
                        message: "rule \"\(rule.id)\" could not be evaluated: \(RuleSet.describe(error))",
                        path: nil, ruleID: rule.id))
                failClosed = true
                if explain {
                    traces.append(
                        RuleTrace(
                            ruleID: rule.id, fired: false, failure: RuleSet.describe(error),
                            events: context.trace?.events ?? []))
                }
                continue
            }
            if explain {
                traces.append(
                    RuleTrace(ruleID: rules[index].id, fired: result, failure: nil, events: context.trace?.events ?? [])
                )
            }
            guard result else { continue }

            let rule = rules[index]
            var recommendation = rule.recommendation
            if recommendation == .approve {
                // An approval that rests on a missing fact is no approval.
                let absent = rule.readFacts.indices.filter { context.isMissing(rule.readFacts[$0]) }
                if !absent.isEmpty {
                    let names = absent.map { rule.readFactNames[$0] }.joined(separator: ", ")
                    problems.append(
                        DataProblem(
                            code: .missingFact, message: "rule \"\(rule.id)\" would approve, but \(names) is missing",
                            path: rule.readFactNames[absent[0]], ruleID: rule.id))
                    failClosed = true
                    recommendation = nil
                }
            }
            let reason = rule.reason?.render(&context, limit: limits.templateOutputLength)
            if fired.isEmpty { fired.reserveCapacity(min(rules.count - index, 4)) }
            fired.append(FiredRule(id: rule.id, recommendation: recommendation, reason: reason ?? rule.description))
            for spec in rule.escalations {
                let message = spec.message.render(&context, limit: limits.templateOutputLength)
                let followUp = spec.escalateAfter?.render(
                    &context, escalationMessage: message, limit: limits.templateOutputLength)
                if let at = escalations.firstIndex(where: { $0.to == spec.to && $0.message == message }) {
                    escalations[at].severity = max(escalations[at].severity, spec.severity)
                    if !escalations[at].ruleIDs.contains(rule.id) { escalations[at].ruleIDs.append(rule.id) }
                    // The shorter reminder, and the earlier further notice (the first on a tie).
                    if let remind = spec.remindAfter,
                        escalations[at].remindAfter.map({ remind.milliseconds < $0.milliseconds }) ?? true
                    {
                        escalations[at].remindAfter = remind
                    }
                    if let followUp,
                        escalations[at].escalateAfter.map({ followUp.after.milliseconds < $0.after.milliseconds })
                            ?? true
                    {
                        escalations[at].escalateAfter = followUp
                    }
                } else {
                    if escalations.isEmpty { escalations.reserveCapacity(min(escalationCount, 4)) }
                    escalations.append(
                        Escalation(
                            to: spec.to, severity: spec.severity, message: message, ruleIDs: rule.idList,
                            remindAfter: spec.remindAfter, escalateAfter: followUp))
                }
            }
            if let recommendation {
                if strategy == .firstMatch {
                    recommended = recommended ?? recommendation
                } else {
                    recommended = max(recommended ?? recommendation, recommendation)
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
}

extension RuleSet {

    /// A data problem when `fact` is missing or of the wrong type, else `nil`.
    /// A data problem when `fact` (whose path reads `name`) is missing or not of `type`, else `nil`.
    static func check(
        _ fact: FactTable.Fact, _ type: FactType, named name: @autoclosure () -> String,
        in context: inout EvaluationContext, ruleID: String?
    ) -> DataProblem? {
        switch context.check(fact, type) {
        case .accepted: return nil
        case .missing:
            let name = name()
            return DataProblem(
                code: .missingFact, message: "required fact \(name) is missing", path: name, ruleID: ruleID)
        case .wrongType:
            let name = name()
            let value = context.fact(fact) ?? .null
            return DataProblem(
                code: .wrongType,
                message:
                    "required fact \(name) should be \(type.rawValue), got \(value.typeName) \(TraceText.value(value))",
                path: name, ruleID: ruleID)
        }
    }

    /// The variable id a fact path reads (`contract_value` of `variables.contract_value.amount`),
    /// or an empty string.
    static func variableID(inFact dotted: String) -> String {
        let parts = dotted.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "variables" else { return "" }
        return String(parts[1])
    }

    static func describe(_ error: LogicError) -> String {
        if let type = error.type {
            if let detail = error.value["detail"]?.string { return "\(type): \(detail)" }
            return type
        }
        return error.value.description
    }
}
