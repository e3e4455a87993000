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

    /// `snapshot` with the facts these rules read looked up and read (as amounts, as dates) ahead
    /// of evaluating it: its evaluations by these rules, with the same clock, skip that work. For
    /// a snapshot evaluated many times (benchmarks, comparing rule sets over the same history);
    /// any other rule set evaluates it as it would the snapshot itself.
    ///
    /// ```swift
    /// let prepared = rules.prepare(snapshot, options: options)
    /// rules.evaluate(prepared, options: options)  // the same decision as rules.evaluate(snapshot, options: options)
    /// ```
    public func prepare(_ snapshot: ApprovalSnapshot, options: EvaluationOptions = EvaluationOptions())
        -> ApprovalSnapshot
    {
        ApprovalSnapshot(
            snapshot, facts: FactBlock(compiled.layout, root: .snapshot(snapshot), now: options.now))
    }
}

extension RuleSet.Compiled {
    func evaluate(_ snapshot: ApprovalSnapshot, options: EvaluationOptions) -> Decision {
        let prepared = FactBlock.usable(snapshot.facts, for: layout, now: options.now)
        return EvaluationMemory.with(facts: prepared == nil ? layout.count : 0) { memory in
            var context = EvaluationContext(
                root: .snapshot(snapshot), layout: layout, prepared: prepared, memory: memory,
                budget: limits.evaluationSteps, trace: options.explain, now: options.now)
            return decide(snapshot, options: options, in: &context)
        }
    }

    /// The decision, with `context` holding the evaluation's facts.
    ///
    /// The loop over the rules touches only plain values and ``conditions`` until a rule fires:
    /// reading a closure or an array out of a rule object would cost a retain and a release per
    /// rule, which is most of what an evaluation that fires nothing costs. What happens less often
    /// (a skipped rule, a condition that throws, a rule that fires, a trace) is in the steps below.
    func decide(_ snapshot: ApprovalSnapshot, options: EvaluationOptions, in context: inout EvaluationContext)
        -> Decision
    {
        var draft = DecisionDraft(
            problems: snapshot.problems(references: references, variableIDs: checkedVariableIDs),
            warnings: snapshot.warnings(variableIDs: checkedVariableIDs, readsEverything: references.readsEverything),
            explain: options.explain)
        checkRequiredFacts(of: snapshot, into: &draft, in: &context)
        draft.failClosed = !draft.problems.isEmpty
        let explain = options.explain  // for the loop; the steps read `draft.explain`
        // Locals, not fields: a closure read from a local array is called without retaining it.
        let rules = self.rules
        let conditions = self.conditions

        for index in 0..<rules.count {
            if strategy == .firstMatch, draft.recommended != nil { break }
            if !draft.failedFacts.isEmpty, skipsForFailedFact(rules[index], into: &draft) { continue }
            if rules[index].hasRequirements, !checkRequirements(of: rules[index], into: &draft, in: &context) {
                continue
            }
            if !context.scopes.isEmpty { context.scopes.removeAll() }
            if !context.nearMatches.isEmpty { context.nearMatches.removeAll() }
            if explain { context.trace = TraceRecorder() }
            let result: Bool
            do {
                result = try conditions[index].test(&context)
            } catch {
                recordConditionError(error, of: rules[index], into: &draft, in: context)
                continue
            }
            if explain {
                draft.traces.append(
                    RuleTrace(
                        ruleID: rules[index].id, fired: result, failure: nil, events: context.trace?.events ?? [],
                        branches: context.trace?.branches ?? [])
                )
            }
            guard result else { continue }
            fire(rules[index], remaining: rules.count - index, into: &draft, in: &context)
        }
        return decision(from: draft, for: snapshot)
    }

    // MARK: - Steps of a decision

    /// Checks the document's `required_facts`: each one missing or of the wrong type is a data
    /// problem and a failed fact (rules reading it are then skipped).
    private func checkRequiredFacts(
        of snapshot: ApprovalSnapshot, into draft: inout DecisionDraft, in context: inout EvaluationContext
    ) {
        let requiredFacts = self.requiredFacts
        for index in requiredFacts.indices {
            if let problem = RuleSet.check(
                requiredFacts[index].fact, requiredFacts[index].type, named: requiredFacts[index].dotted, in: &context,
                ruleID: nil)
            {
                // A variable listed twice with different values has no value: its
                // `ambiguous_fact` problem already says so, better than "missing" would.
                if !snapshot.isAmbiguous(RuleSet.variableID(inFact: requiredFacts[index].dotted)) {
                    draft.problems.append(problem)
                }
                draft.failedFacts.insert(requiredFacts[index].dotted)
            }
        }
    }

    /// Whether `rule` reads a required fact already reported missing or invalid, noting the skip in
    /// the trace. Such a rule is not run: it would only fail again, and the decision already falls
    /// back to the safe recommendation.
    private func skipsForFailedFact(_ rule: CompiledRule, into draft: inout DecisionDraft) -> Bool {
        guard let fact = rule.readFactNames.first(where: draft.failedFacts.contains) else { return false }
        if draft.explain {
            draft.traces.append(
                RuleTrace(
                    ruleID: rule.id, fired: false, failure: "skipped: required fact \(fact) is missing or invalid",
                    events: []))
        }
        return true
    }

    /// Checks the facts `rule` declares it needs (`requires`); when any is missing or of the wrong
    /// type, records the problems, fails closed and returns `false` (the rule is not run).
    private func checkRequirements(
        of rule: CompiledRule, into draft: inout DecisionDraft, in context: inout EvaluationContext
    ) -> Bool {
        var missing: [DataProblem] = []
        for fact in rule.requires {
            if let problem = RuleSet.check(fact.fact, fact.type, named: fact.dotted, in: &context, ruleID: rule.id) {
                missing.append(problem)
            }
        }
        guard !missing.isEmpty else { return true }
        draft.problems += missing
        draft.failClosed = true
        if draft.explain {
            draft.traces.append(
                RuleTrace(ruleID: rule.id, fired: false, failure: "required facts missing or invalid", events: []))
        }
        return false
    }

    /// Records that `rule`'s condition threw: an `incomplete_data` or `condition_error` problem,
    /// failing closed, and the rule's trace so far.
    private func recordConditionError(
        _ error: LogicError, of rule: CompiledRule, into draft: inout DecisionDraft,
        in context: borrowing EvaluationContext
    ) {
        draft.problems.append(
            DataProblem(
                code: error.type == "Incomplete Data" ? .incompleteData : .conditionError,
                message: "rule \"\(rule.id)\" could not be evaluated: \(RuleSet.describe(error))",
                path: nil, ruleID: rule.id))
        draft.failClosed = true
        if draft.explain {
            draft.traces.append(
                RuleTrace(
                    ruleID: rule.id, fired: false, failure: RuleSet.describe(error),
                    events: context.trace?.events ?? [], branches: context.trace?.branches ?? []))
        }
    }

    /// Records that `rule` fired: its recommendation (``firedRecommendation(of:into:in:)``), its
    /// reason, and its escalations. `remaining` counts the rules from this one to the last.
    private func fire(
        _ rule: CompiledRule, remaining: Int, into draft: inout DecisionDraft, in context: inout EvaluationContext
    ) {
        let recommendation = firedRecommendation(of: rule, into: &draft, in: &context)
        let reason = rule.reason?.render(&context, limit: limits.templateOutputLength)
        if draft.fired.isEmpty { draft.fired.reserveCapacity(min(remaining, 4)) }
        draft.fired.append(FiredRule(id: rule.id, recommendation: recommendation, reason: reason ?? rule.description))
        for spec in rule.escalations {
            raise(spec, of: rule, into: &draft, in: &context)
        }
        if let recommendation {
            if strategy == .firstMatch {
                draft.recommended = draft.recommended ?? recommendation
            } else {
                draft.recommended = max(draft.recommended ?? recommendation, recommendation)
            }
        }
    }

    /// What a firing `rule` recommends: its recommendation, except that an approval resting on a
    /// missing fact is no approval (`nil`, with a `missing_fact` problem, failing closed).
    private func firedRecommendation(
        of rule: CompiledRule, into draft: inout DecisionDraft, in context: inout EvaluationContext
    ) -> Recommendation? {
        guard rule.recommendation == .approve else { return rule.recommendation }
        let absent = rule.readFacts.indices.filter { context.isMissing(rule.readFacts[$0]) }
        guard !absent.isEmpty else { return rule.recommendation }
        let names = absent.map { rule.readFactNames[$0] }.joined(separator: ", ")
        draft.problems.append(
            DataProblem(
                code: .missingFact, message: "rule \"\(rule.id)\" would approve, but \(names) is missing",
                path: rule.readFactNames[absent[0]], ruleID: rule.id))
        draft.failClosed = true
        return nil
    }

    /// Raises the escalation `spec` of the firing `rule`, rendering its messages; one already raised
    /// to the same people with the same message absorbs it
    /// (``Escalation/absorb(severity:ruleID:remindAfter:followUp:)``).
    private func raise(
        _ spec: EscalationSpec, of rule: CompiledRule, into draft: inout DecisionDraft,
        in context: inout EvaluationContext
    ) {
        let message = spec.message.render(&context, limit: limits.templateOutputLength)
        let followUp = spec.escalateAfter?.render(
            &context, escalationMessage: message, limit: limits.templateOutputLength)
        if let at = draft.escalations.firstIndex(where: { $0.to == spec.to && $0.message == message }) {
            draft.escalations[at].absorb(
                severity: spec.severity, ruleID: rule.id, remindAfter: spec.remindAfter, followUp: followUp)
        } else {
            if draft.escalations.isEmpty { draft.escalations.reserveCapacity(min(escalationCount, 4)) }
            draft.escalations.append(
                Escalation(
                    to: spec.to, severity: spec.severity, message: message, ruleIDs: rule.idList,
                    remindAfter: spec.remindAfter, escalateAfter: followUp))
        }
    }

    /// The decision `draft` comes to: the recommendation the rules reached (or the default), at
    /// least the safe recommendation when data was missing or wrong.
    private func decision(from draft: consuming DecisionDraft, for snapshot: ApprovalSnapshot) -> Decision {
        var final = draft.recommended ?? defaultRecommendation
        if draft.failClosed {
            final = max(final, safeRecommendation)
            draft.warnings.append("data problems found: the recommendation is at least \(safeRecommendation.rawValue)")
        }
        return Decision(
            taskID: snapshot.taskID, ruleSetName: name, ruleSetHash: contentHash, recommendation: final,
            firedRules: draft.fired, escalations: draft.escalations, dataProblems: draft.problems,
            warnings: draft.warnings, trace: draft.explain ? draft.traces : nil)
    }
}

/// What a decision gathers while the rules run: the parts of its ``Decision``, and whether the
/// recommendation must fall back to the safe one. A local of ``RuleSet/Compiled/decide(_:options:in:)``,
/// which its steps update in place.
private struct DecisionDraft {
    /// The data problems found so far.
    var problems: [DataProblem]
    /// The warnings about the parts the rules read.
    var warnings: [String]
    /// Whether a trace was asked for (``traces`` stays empty otherwise).
    let explain: Bool
    /// The required facts reported missing or invalid, as dotted paths: rules reading one are skipped.
    var failedFacts: Set<String> = []
    /// The rules that fired, in evaluation order.
    var fired: [FiredRule] = []
    /// The escalations raised, without repeats.
    var escalations: [Escalation] = []
    /// The recommendation the fired rules combine to (`nil` until one recommends something).
    var recommended: Recommendation?
    /// Whether data problems make the recommendation at least the safe one.
    var failClosed = false
    /// Each rule's trace, when explaining.
    var traces: [RuleTrace] = []

    init(problems: [DataProblem], warnings: [String], explain: Bool) {
        self.problems = problems
        self.warnings = warnings
        self.explain = explain
    }
}

extension Escalation {
    /// Folds another raise of this escalation (same people, same message) into it: the higher
    /// severity, `ruleID` listed once, the shorter reminder, and the earlier further notice (the
    /// first on a tie).
    fileprivate mutating func absorb(
        severity: Severity, ruleID: String, remindAfter: ISODuration?, followUp: Escalation.FollowUp?
    ) {
        self.severity = max(self.severity, severity)
        if !ruleIDs.contains(ruleID) { ruleIDs.append(ruleID) }
        if let remind = remindAfter, self.remindAfter.map({ remind.milliseconds < $0.milliseconds }) ?? true {
            self.remindAfter = remind
        }
        if let followUp, escalateAfter.map({ followUp.after.milliseconds < $0.after.milliseconds }) ?? true {
            escalateAfter = followUp
        }
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
            let value = context[fact].pointee.value
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
