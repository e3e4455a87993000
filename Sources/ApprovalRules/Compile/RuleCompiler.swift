import ApprovalJSON

/// Turns a rule document (JSON) into the parts of a ``RuleSet``, reporting every problem.
struct RuleCompiler {
    let limits: Limits
    var diagnostics: [RuleDiagnostic] = []
    /// Every root fact the document reads, numbered.
    var facts = FactTable()
    /// The document's lists, once read (message templates may name one).
    private var listNames: Set<String> = []
    /// The document's base currency, once read (what a template's `| money` writes for an amount
    /// that states none).
    private var baseCurrency: String?
    /// The document's `variables` section, when it has one (`RuleCompiler+Variables.swift`).
    var variables: VariableDeclarations?
    /// Whether to keep every fact reference in ``factReferences`` (for tools; evaluation never does).
    var collectsFactReferences = false
    /// Where the document reads facts, when ``collectsFactReferences`` is set.
    var factReferences: [FactReference] = []

    /// Whether conditions record their branch outcomes (a coverage run's rule set; ``RuleCoverage``).
    let instrumentsBranches: Bool

    init(limits: Limits, instrumentsBranches: Bool = false) {
        self.limits = limits
        self.instrumentsBranches = instrumentsBranches
    }

    struct Output {
        var name = ""
        var description: String?
        var strategy = CombiningStrategy.mostRestrictive
        var defaultRecommendation = Recommendation.hold
        var safeRecommendation = Recommendation.hold
        var requiredFacts: [RequiredFact] = []
        var rules: [CompiledRule] = []
        var references = References()
        var facts = FactTable()
        /// The lists and currency rates the rules were compiled with.
        var declarations = Declarations.none
    }

    private static let documentFields: Set<String> = [
        "$schema", "name", "description", "version", "strategy", "default_recommendation", "safe_recommendation",
        "currency", "lists", "variables", "required_facts", "tables", "rules",
    ]
    private static let ruleFields: Set<String> = [
        "id", "description", "priority", "when", "requires", "recommend", "reason", "escalate", "enabled",
    ]

    /// Records a diagnostic. (Internal, like the other helpers the escalation compiler in
    /// `RuleCompiler+Escalations.swift` calls, rather than private.)
    mutating func report(
        _ code: RuleDiagnostic.Code, _ message: String, at path: JSONPointer, rule: String? = nil
    ) {
        diagnostics.append(RuleDiagnostic(code: code, message: message, path: path, ruleID: rule))
    }

    // MARK: - Document

    mutating func compile(_ document: JSONValue) -> Output {
        var output = Output()
        guard case .object(let root) = document else {
            report(.invalidFieldType, "a rule document must be a JSON object, not \(document.typeName)", at: .root)
            return output
        }
        let top = JSONPointer.root
        reportUnknownFields(of: root, known: Self.documentFields, at: top)
        readHeader(root, at: top, into: &output)
        let declarations = self.declarations(root, at: top)
        output.declarations = declarations
        listNames = Set(declarations.lists.keys)
        baseCurrency = declarations.baseCurrency
        variables = variableDeclarations(root["variables"], at: top.appending("variables"))
        output.requiredFacts = requiredFacts(root["required_facts"], at: top.appending("required_facts"))
        noteFacts(of: output.requiredFacts, at: top.appending("required_facts"), rule: nil)
        for (path, type) in requiredVariableFacts(besides: output.requiredFacts) {
            output.requiredFacts.append(
                RequiredFact(fact: facts.fact(path, readAs: FactReadings(type)), type: type, path: path))
        }
        for fact in output.requiredFacts { output.references.add(fact.path) }

        guard let rules = ruleValues(root, at: top) else { return output }
        compileRules(rules, at: top, declarations: declarations, into: &output)
        if let tables = root["tables"] {
            var taken = Set(output.rules.map(\.id))
            output.rules += self.tables(
                tables, at: top.appending("tables"), declarations: declarations, firstIndex: rules.count,
                takenIDs: &taken, requiredFacts: &output.requiredFacts, references: &output.references)
            output.rules.sort { ($0.priority, -$0.index) > ($1.priority, -$1.index) }
            if output.rules.count > limits.rules {
                report(
                    .limitExceeded,
                    "\(output.rules.count) rules and table rows, more than the limit of \(limits.rules)",
                    at: top.appending("tables"))
            }
        }
        output.facts = facts
        return output
    }

    /// The document's name, description, strategy and recommendations.
    private mutating func readHeader(_ root: JSONObject, at top: JSONPointer, into output: inout Output) {
        output.name = requiredString(root, "name", at: top) ?? ""
        output.description = optionalString(root, "description", at: top)
        if let text = optionalString(root, "strategy", at: top) {
            if let strategy = CombiningStrategy(rawValue: text) {
                output.strategy = strategy
            } else {
                report(
                    .invalidValue, "unknown strategy \"\(text)\"; expected most_restrictive or first_match",
                    at: top.appending("strategy"))
            }
        }
        output.defaultRecommendation = recommendation(root, "default_recommendation", at: top) ?? .hold
        output.safeRecommendation = recommendation(root, "safe_recommendation", at: top) ?? .hold
        if output.safeRecommendation == .approve {
            report(
                .invalidRecommendation,
                "safe_recommendation cannot be approve: missing data must never let a task through",
                at: top.appending("safe_recommendation"))
        }
    }

    /// The document's `rules` array (empty for a document of tables alone); `nil`, reported, when
    /// it cannot be read.
    private mutating func ruleValues(_ root: JSONObject, at top: JSONPointer) -> [JSONValue]? {
        var rules: [JSONValue] = []
        if let rulesValue = root["rules"] {
            guard case .array(let elements) = rulesValue else {
                report(
                    .invalidFieldType, "\"rules\" must be an array, not \(rulesValue.typeName)",
                    at: top.appending("rules"))
                return nil
            }
            rules = elements
        } else if root["tables"] == nil {
            report(.missingField, "missing field \"rules\"", at: top)
            return nil
        }
        if rules.isEmpty && root["tables"] == nil {
            report(.noRules, "the document has no rules", at: top.appending("rules"))
        }
        if rules.count > limits.rules {
            report(
                .limitExceeded, "\(rules.count) rules, more than the limit of \(limits.rules)",
                at: top.appending("rules"))
            return nil
        }
        return rules
    }

    /// The rules, in priority order (ties in document order), with duplicate ids and the tier
    /// analysis reported.
    private mutating func compileRules(
        _ rules: [JSONValue], at top: JSONPointer, declarations: Declarations, into output: inout Output
    ) {
        var seen: [String: Int] = [:]
        for (index, value) in rules.enumerated() {
            let path = top.appending("rules").appending(index)
            guard
                let rule = compileRule(
                    value, index: index, at: path, declarations: declarations, references: &output.references)
            else { continue }
            if let first = seen[rule.id] {
                report(
                    .duplicateRuleID, "rule id \"\(rule.id)\" is already used by rule \(first)",
                    at: path.appending("id"), rule: rule.id)
            } else {
                seen[rule.id] = index
            }
            output.rules.append(rule)
        }
        output.rules.sort { ($0.priority, -$0.index) > ($1.priority, -$1.index) }
        diagnostics += TierAnalysis.check(output.rules, rulesValue: rules, strategy: output.strategy)
    }

    // MARK: - Declarations

    /// A list: an array (matched as names), or `{"match": "name" | "text" | "exact", "values": [...]}`.
    private mutating func namedList(_ name: String, _ value: JSONValue, at path: JSONPointer) -> NamedList? {
        switch value {
        case .array(let elements):
            return NamedList(members: elements, matching: .name)
        case .object(let object):
            for key in object.keys where key != "match" && key != "values" {
                report(
                    .unknownField, "unknown field \"\(key)\" in list \"\(name)\"; expected \"match\" and \"values\"",
                    at: path.appending(key))
            }
            var matching = NamedList.Matching.name
            if let given = object["match"] {
                let modes = NamedList.Matching.allCases.map(\.rawValue)
                if case .string(let text) = given, let mode = NamedList.Matching(rawValue: text) {
                    matching = mode
                } else {
                    // Reported; the list is still declared, so its uses are checked too.
                    report(
                        .invalidValue,
                        "list \"\(name)\" has match \(given.description); expected one of \(modes.joined(separator: ", "))",
                        at: path.appending("match"))
                }
            }
            guard case .array(let elements)? = object["values"] else {
                report(.missingField, "list \"\(name)\" needs a \"values\" array", at: path)
                return nil
            }
            return NamedList(members: elements, matching: matching)
        default:
            report(
                .invalidFieldType,
                "list \"\(name)\" must be an array or an object with \"values\", not \(value.typeName)", at: path)
            return nil
        }
    }

    private mutating func declarations(_ root: JSONObject, at top: JSONPointer) -> Declarations {
        var declarations = Declarations()
        if let lists = root["lists"] {
            let path = top.appending("lists")
            if case .object(let object) = lists {
                for (name, members) in object.members {
                    if let list = namedList(name, members, at: path.appending(name)) { declarations.lists[name] = list }
                }
            } else {
                report(.invalidFieldType, "\"lists\" must be an object of named arrays", at: path)
            }
        }
        if let currency = root["currency"] {
            let path = top.appending("currency")
            guard case .object(let object) = currency else {
                report(.invalidFieldType, "\"currency\" must be an object with \"base\" and \"rates\"", at: path)
                return declarations
            }
            for key in object.keys where key != "base" && key != "rates" {
                report(.unknownField, "unknown field \"\(key)\"", at: path.appending(key))
            }
            declarations.baseCurrency = requiredString(object, "base", at: path)?.uppercased()
            if let rates = object["rates"] {
                if case .object(let table) = rates {
                    for (code, rate) in table.members {
                        if let value = DecimalNumber(rate), value > DecimalNumber(0) {
                            declarations.rates[code.uppercased()] = value
                        } else {
                            report(
                                .invalidValue, "rate for \(code) must be a positive number",
                                at: path.appending("rates").appending(code))
                        }
                    }
                } else {
                    report(
                        .invalidFieldType, "\"rates\" must be an object of currency codes to numbers",
                        at: path.appending("rates"))
                }
            }
            if let base = declarations.baseCurrency { declarations.rates[base] = DecimalNumber(1) }
        }
        return declarations
    }

    private mutating func requiredFacts(_ value: JSONValue?, at path: JSONPointer) -> [RequiredFact] {
        guard let value else { return [] }
        guard case .object(let object) = value else {
            report(.invalidFieldType, "expected an object of fact paths to types", at: path)
            return []
        }
        var required: [RequiredFact] = []
        for (name, typeValue) in object.members {
            guard let factPath = FactPath.parse(name) else {
                report(.invalidFactPath, "invalid fact path \"\(name)\"", at: path.appending(name))
                continue
            }
            guard case .string(let typeName) = typeValue, let type = FactType(rawValue: typeName) else {
                let known = FactType.allCases.map(\.rawValue).joined(separator: ", ")
                report(
                    .invalidFactType, "unknown fact type \(typeValue); expected one of \(known)",
                    at: path.appending(name))
                continue
            }
            required.append(
                RequiredFact(fact: self.facts.fact(factPath, readAs: FactReadings(type)), type: type, path: factPath))
        }
        return required
    }

    // MARK: - Rules

    private mutating func compileRule(
        _ value: JSONValue, index: Int, at path: JSONPointer, declarations: Declarations, references: inout References
    ) -> CompiledRule? {
        guard case .object(let rule) = value else {
            report(.invalidFieldType, "a rule must be an object, not \(value.typeName)", at: path)
            return nil
        }
        let id = requiredString(rule, "id", at: path) ?? "#\(index)"
        for key in rule.keys where !Self.ruleFields.contains(key) {
            var message = "unknown action or field \"\(key)\""
            if let guess = Suggestion.closest(to: key, among: Self.ruleFields) {
                message += "; did you mean \"\(guess)\"?"
            }
            report(.unknownAction, message, at: path.appending(key), rule: id)
        }
        if case .bool(false)? = rule["enabled"] { return nil }
        if let enabled = rule["enabled"], enabled.bool == nil {
            report(.invalidFieldType, "\"enabled\" must be true or false", at: path.appending("enabled"), rule: id)
        }
        let description = optionalString(rule, "description", at: path)
        let priority = self.priority(rule, at: path, rule: id)
        var condition = Node(constant: .bool(false), path: path)
        var readPaths: [[String]] = []
        var branchPoints: [BranchPoint] = []
        if let when = rule["when"] {
            var compiler = LogicCompiler(declarations: declarations, limits: limits, facts: facts)
            compiler.instrumentsBranches = instrumentsBranches
            condition = compiler.compile(when, at: path.appending("when"))
            facts = compiler.facts
            branchPoints = compiler.branchPoints
            for diagnostic in compiler.diagnostics {
                var copy = diagnostic
                copy.ruleID = id
                diagnostics.append(copy)
            }
            if let constant = condition.constant {
                report(
                    .constantCondition, "condition is always \(Coercion.truthy(constant) ? "true" : "false")",
                    at: path.appending("when"), rule: id)
            }
            readPaths = References.scan(when, into: &references)
            noteFacts(inCondition: when, at: path.appending("when"), rule: id)
        } else {
            report(.missingField, "rule \"\(id)\" has no \"when\" condition", at: path, rule: id)
        }
        let requires = requiredFacts(rule["requires"], at: path.appending("requires"))
        noteFacts(of: requires, at: path.appending("requires"), rule: id)
        for fact in requires { references.add(fact.path) }
        let recommendation = self.recommendation(rule, "recommend", at: path, rule: id)
        var reason: Template?
        if let text = optionalString(rule, "reason", at: path) {
            reason = template(text, at: path.appending("reason"), rule: id, references: &references)
        }
        let escalations = self.escalations(rule["escalate"], ofRuleAt: path, rule: id, references: &references)
        if recommendation == nil && escalations.isEmpty && rule["recommend"] == nil && rule["escalate"] == nil {
            report(.ruleWithoutAction, "rule \"\(id)\" neither recommends nor escalates", at: path, rule: id)
        }
        return CompiledRule(
            id: id, description: description, priority: priority, index: index, path: path, condition: condition,
            requires: requires,
            recommendation: recommendation, reason: reason, escalations: escalations,
            readFacts: readPaths.map { facts.fact($0) }, readFactNames: readPaths.map { $0.joined(separator: ".") },
            branchPoints: branchPoints)
    }

    /// The message template `text` (at `path`), with the facts it quotes added to `references`
    /// and its `near_list` placeholders checked against the document's lists; `nil` when it does
    /// not parse.
    mutating func template(_ text: String, at path: JSONPointer, rule: String, references: inout References)
        -> Template?
    {
        do {
            let template = try Template(parsing: text, facts: &facts, baseCurrency: baseCurrency)
            for fact in template.factPaths { references.add(fact) }
            noteFacts(of: template, at: path, rule: rule)
            for list in template.nearLists where !listNames.contains(list) {
                var message = "\"{{near_list.\(list)}}\" names an unknown list"
                if let guess = Suggestion.closest(to: list, among: listNames) {
                    message += "; did you mean \"\(guess)\"?"
                }
                report(.unknownList, message, at: path, rule: rule)
            }
            return template
        } catch {
            report(.invalidTemplate, error.message, at: path, rule: rule)
            return nil
        }
    }

    // MARK: - Field helpers

    /// The non-empty string at `key` of `object`; `nil`, reported, when it is absent or not one.
    mutating func requiredString(_ object: JSONObject, _ key: String, at path: JSONPointer, rule: String? = nil)
        -> String?
    {
        guard let value = object[key] else {
            report(.missingField, "missing field \"\(key)\"", at: path, rule: rule)
            return nil
        }
        guard case .string(let text) = value, !text.isEmpty else {
            report(
                .invalidFieldType, "\"\(key)\" must be a non-empty string, not \(value.typeName)",
                at: path.appending(key), rule: rule)
            return nil
        }
        if text.utf8.count > limits.stringLength {
            report(
                .limitExceeded, "\"\(key)\" is longer than \(limits.stringLength) bytes", at: path.appending(key),
                rule: rule)
        }
        return text
    }

    /// A rule's or a table's `priority`: an integer, `0` when absent (reported when it is not one).
    mutating func priority(_ object: JSONObject, at path: JSONPointer, rule: String) -> Int64 {
        guard let value = object["priority"] else { return 0 }
        guard case .integer(let number) = value else {
            report(.invalidFieldType, "\"priority\" must be an integer", at: path.appending("priority"), rule: rule)
            return 0
        }
        return number
    }

    /// The Boolean at `key` of `object`, when there is one (reported when it is not `true` or
    /// `false`).
    mutating func optionalBool(_ object: JSONObject, _ key: String, at path: JSONPointer, rule: String? = nil)
        -> Bool?
    {
        guard let value = object[key] else { return nil }
        guard let flag = value.bool else {
            report(
                .invalidFieldType, "\"\(key)\" must be true or false, not \(value.typeName)", at: path.appending(key),
                rule: rule)
            return nil
        }
        return flag
    }

    /// The non-empty string at `key` of `object`, when there is one (reported when it is not a string).
    mutating func optionalString(_ object: JSONObject, _ key: String, at path: JSONPointer, rule: String? = nil)
        -> String?
    {
        guard object[key] != nil else { return nil }
        return requiredString(object, key, at: path, rule: rule)
    }

    mutating func recommendation(_ object: JSONObject, _ key: String, at path: JSONPointer, rule: String? = nil)
        -> Recommendation?
    {
        guard let text = optionalString(object, key, at: path, rule: rule) else { return nil }
        guard let value = Recommendation(rawValue: text) else {
            var message = "unknown recommendation \"\(text)\"; expected approve, request_changes, hold or reject"
            if let guess = Suggestion.closest(to: text, among: Recommendation.allCases.map(\.rawValue)) {
                message += " (did you mean \"\(guess)\"?)"
            }
            report(.invalidRecommendation, message, at: path.appending(key), rule: rule)
            return nil
        }
        return value
    }
}
