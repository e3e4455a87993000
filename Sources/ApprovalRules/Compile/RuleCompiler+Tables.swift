import ApprovalJSON

/// Compiling a document's decision tables (`tables`, rules/README.md#decision-tables): each row
/// becomes a rule (`doa/row-3`) whose condition is its cells, narrowed by the hit policy, and the
/// table's findings (``DecisionTableAnalysis``) become diagnostics.
extension RuleCompiler {
    static let tableFields: Set<String> = [
        "id", "description", "hit_policy", "priority", "inputs", "rows", "default",
    ]
    static let inputFields: Set<String> = ["name", "fact", "type", "has_file", "required"]
    static let rowFields: Set<String> = ["when", "description", "recommend", "reason", "escalate"]
    static let outputFields: Set<String> = ["description", "recommend", "reason", "escalate"]

    /// The rules of the document's `tables` (numbered from `firstIndex` on, after the document's
    /// rules); the inputs decisions need are added to `requiredFacts`. `takenIDs` holds the ids in
    /// use, and gets the tables' rule ids.
    mutating func tables(
        _ value: JSONValue, at path: JSONPointer, declarations: Declarations, firstIndex: Int,
        takenIDs: inout Set<String>, requiredFacts: inout [RequiredFact], references: inout References
    ) -> [CompiledRule] {
        guard case .array(let tables) = value else {
            report(.invalidFieldType, "\"tables\" must be an array of decision tables, not \(value.typeName)", at: path)
            return []
        }
        var compiled: [CompiledRule] = []
        var tableIDs: Set<String> = []
        for (index, table) in tables.enumerated() {
            let tablePath = path.appending(index)
            guard case .object(let object) = table else {
                report(.invalidFieldType, "a decision table must be an object, not \(table.typeName)", at: tablePath)
                continue
            }
            let id = requiredString(object, "id", at: tablePath) ?? "#\(index)"
            if !tableIDs.insert(id).inserted {
                report(.duplicateRuleID, "table id \"\(id)\" is already used", at: tablePath.appending("id"), rule: id)
                continue
            }
            let context = TableContext(
                declarations: declarations, firstIndex: firstIndex + compiled.count, path: tablePath)
            compiled += self.table(
                object, id: id, context: context, takenIDs: &takenIDs, requiredFacts: &requiredFacts,
                references: &references)
        }
        return compiled
    }

    private struct TableContext {
        var declarations: Declarations
        var firstIndex: Int
        var path: JSONPointer
    }

    /// One table: its header, inputs and rows read, its findings reported, its rules built.
    private mutating func table(
        _ object: JSONObject, id: String, context: TableContext, takenIDs: inout Set<String>,
        requiredFacts: inout [RequiredFact], references: inout References
    ) -> [CompiledRule] {
        let path = context.path
        reportUnknownFields(of: object, known: Self.tableFields, at: path, rule: id)
        _ = optionalString(object, "description", at: path, rule: id)
        let hitPolicy = self.hitPolicy(object, at: path, table: id)
        let priority = self.priority(object, at: path, rule: id)
        guard let inputs = tableInputs(object["inputs"], at: path, table: id) else { return [] }
        guard case .array(let rowValues)? = object["rows"], !rowValues.isEmpty else {
            report(.missingField, "table \"\(id)\" needs a non-empty \"rows\" array", at: path, rule: id)
            return []
        }
        var readPaths: [[String]] = []
        for input in inputs {
            if input.type == .file {
                _ = References.scan(["has_file": .string(input.fact)], into: &references)
            } else if let steps = FactPath.parse(input.fact) {
                readPaths.append(steps)
                references.add(steps)
            }
        }
        var rows: [CompiledRow] = []
        for (index, value) in rowValues.enumerated() {
            if let row = tableRow(
                value, index: index, inputs: inputs, table: id, context: context, references: &references)
            {
                rows.append(row)
            }
        }
        guard rows.count == rowValues.count else { return [] }
        let defaultOutput = self.defaultOutput(
            object["default"], at: path.appending("default"), table: id, references: &references)

        let table = DecisionTable(
            id: id, hitPolicy: hitPolicy, inputs: inputs, rows: rows.map(\.row), hasDefault: defaultOutput != nil)
        let analysis = DecisionTableAnalysis(table)
        guard analysis.complete else {
            report(
                .limitExceeded,
                "table \"\(id)\" is too large to check (more than \(DecisionTableAnalysis.combinationLimit) input combinations, or too many rows matching the same inputs); split it into smaller tables",
                at: path, rule: id)
            return []
        }
        report(analysis.findings, of: id, at: path)
        require(inputs, into: &requiredFacts, references: &references)

        // One rule per row, and one for the default.
        let readFacts = readPaths.map { facts.fact($0) }
        let readFactNames = readPaths.map { $0.joined(separator: ".") }
        let cells = rows.map(\.tests)
        var rules: [CompiledRule] = []
        for (index, row) in rows.enumerated() {
            let ruleID = DecisionTable.ruleID(table: id, row: index)
            let rowPath = path.appending("rows").appending(index)
            if !takenIDs.insert(ruleID).inserted {
                report(.duplicateRuleID, "rule id \"\(ruleID)\" of table \"\(id)\" is already used", at: rowPath)
            }
            let condition = Self.rowCondition(
                index, cells: cells, first: analysis.precedence[index], table: id, policy: hitPolicy, at: rowPath)
            rules.append(
                row.output.rule(
                    id: ruleID, priority: priority, index: context.firstIndex + index, condition: condition,
                    readFacts: readFacts, readFactNames: readFactNames))
        }
        if let defaultOutput {
            let ruleID = "\(id)/default"
            if !takenIDs.insert(ruleID).inserted {
                report(.duplicateRuleID, "rule id \"\(ruleID)\" is already used", at: path.appending("default"))
            }
            let condition = Self.defaultCondition(cells: cells, table: id, at: path.appending("default"))
            rules.append(
                defaultOutput.rule(
                    id: ruleID, priority: priority, index: context.firstIndex + rows.count, condition: condition,
                    readFacts: readFacts, readFactNames: readFactNames))
        }
        return rules
    }

    /// A row read: its cells as the analysis reads them, their compiled tests, its outputs.
    private struct CompiledRow {
        var row: DecisionTable.Row
        var tests: [Node]
        var output: RowOutput
    }

    private mutating func hitPolicy(_ object: JSONObject, at path: JSONPointer, table: String)
        -> DecisionTable.HitPolicy
    {
        guard let text = optionalString(object, "hit_policy", at: path, rule: table) else { return .unique }
        guard let policy = DecisionTable.HitPolicy(rawValue: text) else {
            let known = DecisionTable.HitPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            report(
                .invalidValue, "unknown hit_policy \"\(text)\"; expected one of \(known)",
                at: path.appending("hit_policy"), rule: table)
            return .unique
        }
        return policy
    }

    /// Row `index`: `nil` (reported) when it is malformed.
    private mutating func tableRow(
        _ value: JSONValue, index: Int, inputs: [DecisionTable.Input], table id: String, context: TableContext,
        references: inout References
    ) -> CompiledRow? {
        let rowPath = context.path.appending("rows").appending(index)
        let ruleID = DecisionTable.ruleID(table: id, row: index)
        guard case .object(let row) = value else {
            report(.invalidFieldType, "a table row must be an object, not \(value.typeName)", at: rowPath)
            return nil
        }
        reportUnknownFields(of: row, known: Self.rowFields, at: rowPath, rule: ruleID)
        guard case .array(let cellValues)? = row["when"] else {
            report(
                .missingField, "row \(index + 1) of table \"\(id)\" needs \"when\": one cell per input", at: rowPath,
                rule: ruleID)
            return nil
        }
        guard cellValues.count == inputs.count else {
            report(
                .invalidValue,
                "row \(index + 1) of table \"\(id)\" has \(cellValues.count) cells; the table has \(inputs.count) inputs",
                at: rowPath.appending("when"), rule: ruleID)
            return nil
        }
        var cells: [DecisionTable.Cell] = []
        var tests: [Node] = []
        for (position, cellValue) in cellValues.enumerated() {
            let cellPath = rowPath.appending("when").appending(position)
            switch DecisionTable.Cell.parse(cellValue, type: inputs[position].type) {
            case .success(let cell):
                cells.append(cell)
                tests += cellTests(cell, input: inputs[position], at: cellPath, context: context, rule: ruleID)
            case .failure(let error):
                report(.invalidValue, "cell for \(inputs[position].name): \(error.message)", at: cellPath, rule: ruleID)
            }
        }
        guard cells.count == inputs.count else { return nil }
        let output = rowOutput(row, at: rowPath, rule: ruleID, references: &references)
        return CompiledRow(
            row: DecisionTable.Row(cells: cells, recommendation: output.recommendation, outputs: output.written),
            tests: tests, output: output)
    }

    /// The table's `default` outputs, when it has them.
    private mutating func defaultOutput(
        _ value: JSONValue?, at path: JSONPointer, table id: String, references: inout References
    ) -> RowOutput? {
        guard let value else { return nil }
        guard case .object(let fields) = value else {
            report(
                .invalidFieldType, "\"default\" must be an object of outputs (recommend, reason, escalate)", at: path,
                rule: id)
            return nil
        }
        reportUnknownFields(of: fields, known: Self.outputFields, at: path, rule: "\(id)/default")
        return rowOutput(fields, at: path, rule: "\(id)/default", references: &references)
    }

    /// The analysis' findings as diagnostics, at the row each is about (else the table).
    private mutating func report(_ findings: [DecisionTableAnalysis.Finding], of id: String, at path: JSONPointer) {
        for finding in findings {
            diagnostics.append(
                RuleDiagnostic(
                    code: finding.code, message: finding.message,
                    path: finding.row.map { path.appending("rows").appending($0) } ?? path,
                    ruleID: finding.row.map { DecisionTable.ruleID(table: id, row: $0) } ?? id,
                    example: finding.example,
                    rules: finding.rows.map { DecisionTable.ruleID(table: id, row: $0) }))
        }
    }

    /// What decisions need: the required inputs join the document's required facts, once each.
    private mutating func require(
        _ inputs: [DecisionTable.Input], into requiredFacts: inout [RequiredFact], references: inout References
    ) {
        for input in inputs where input.required {
            guard let type = input.type.factType, let steps = FactPath.parse(input.fact) else { continue }
            guard !requiredFacts.contains(where: { $0.path == steps }) else { continue }
            requiredFacts.append(
                RequiredFact(fact: facts.fact(steps, readAs: FactReadings(type)), type: type, path: steps))
            references.add(steps)
        }
    }

    // MARK: - Inputs

    private mutating func tableInputs(_ value: JSONValue?, at path: JSONPointer, table: String)
        -> [DecisionTable.Input]?
    {
        guard case .array(let values)? = value, !values.isEmpty else {
            report(.missingField, "table \"\(table)\" needs a non-empty \"inputs\" array", at: path, rule: table)
            return nil
        }
        var inputs: [DecisionTable.Input] = []
        for (index, value) in values.enumerated() {
            let inputPath = path.appending("inputs").appending(index)
            guard case .object(let object) = value else {
                report(.invalidFieldType, "a table input must be an object, not \(value.typeName)", at: inputPath)
                continue
            }
            reportUnknownFields(of: object, known: Self.inputFields, at: inputPath, rule: table)
            let required = optionalBool(object, "required", at: inputPath, rule: table) ?? true
            if object["has_file"] != nil {
                guard let variable = requiredString(object, "has_file", at: inputPath, rule: table) else { continue }
                if object["fact"] != nil || object["type"] != nil {
                    report(
                        .invalidValue, "a file input names its variable in \"has_file\" alone, without fact or type",
                        at: inputPath, rule: table)
                }
                noteFact(
                    ["files_by_variable", variable], kind: .file, at: inputPath.appending("has_file"), rule: table)
                let name = optionalString(object, "name", at: inputPath, rule: table) ?? "\(variable) file"
                inputs.append(DecisionTable.Input(name: name, fact: variable, type: .file, required: false))
                continue
            }
            guard let fact = requiredString(object, "fact", at: inputPath, rule: table) else { continue }
            guard let steps = FactPath.parse(fact) else {
                report(.invalidFactPath, "invalid fact path \"\(fact)\"", at: inputPath.appending("fact"), rule: table)
                continue
            }
            let known = DecisionTable.InputType.allCases.filter { $0 != .file }.map(\.rawValue)
            guard let typeName = requiredString(object, "type", at: inputPath, rule: table) else { continue }
            guard let type = DecisionTable.InputType(rawValue: typeName), type != .file else {
                report(
                    .invalidFactType,
                    "unknown input type \"\(typeName)\"; expected one of \(known.joined(separator: ", ")) (or \"has_file\")",
                    at: inputPath.appending("type"), rule: table)
                continue
            }
            noteFact(steps, at: inputPath.appending("fact"), rule: table)
            checkDeclaredType(of: steps, for: type, at: inputPath.appending("type"), table: table)
            let name = optionalString(object, "name", at: inputPath, rule: table) ?? fact
            inputs.append(DecisionTable.Input(name: name, fact: fact, type: type, required: required))
        }
        return inputs.count == values.count ? inputs : nil
    }

    /// With a `variables` section: reports an input of `type` reading a declared variable whose
    /// type its cells cannot compare (`type_mismatch`).
    private mutating func checkDeclaredType(
        of steps: [String], for type: DecisionTable.InputType, at path: JSONPointer, table: String
    ) {
        guard steps.count == 2, steps[0] == "variables", let declared = variables?[steps[1]]?.type else { return }
        let accepted: [FactType]
        switch type {
        case .money: accepted = [.money, .number, .integer, .any]
        case .number: accepted = [.number, .integer, .any]
        case .string: accepted = [.string, .email, .date, .datetime, .any]
        case .boolean: accepted = [.boolean, .any]
        case .file: return
        }
        guard !accepted.contains(declared.factType) else { return }
        report(
            .typeMismatch,
            "a \(type.rawValue) input cannot read variable \"\(steps[1])\" of type \(declared.label); "
                + "it takes \(accepted.map(\.rawValue).joined(separator: ", "))",
            at: path, rule: table)
    }

    // MARK: - Cells

    /// The tests a cell makes, each compiled at the cell's pointer (`-` makes none).
    private mutating func cellTests(
        _ cell: DecisionTable.Cell, input: DecisionTable.Input, at path: JSONPointer, context: TableContext,
        rule: String
    ) -> [Node] {
        let fact: JSONValue = ["var": .string(input.fact)]
        var expressions: [JSONValue] = []
        switch cell {
        case .any: return []
        case .interval(let interval):
            let prefix = input.type == .money ? "money" : ""
            if interval.lower.isFinite {
                expressions.append(
                    [prefix + (interval.lowerClosed ? ">=" : ">"): [fact, DecisionTable.json(interval.lower)]])
            }
            if interval.upper.isFinite {
                expressions.append(
                    [prefix + (interval.upperClosed ? "<=" : "<"): [fact, DecisionTable.json(interval.upper)]])
            }
        case .strings(let strings):
            expressions.append(["in": [fact, .array(strings.map(JSONValue.string))]])
        case .bool(let wanted):
            if input.type == .file {
                let test: JSONValue = ["has_file": .string(input.fact)]
                expressions.append(wanted ? test : ["!": test])
            } else {
                expressions.append(["===": [fact, .bool(wanted)]])
            }
        }
        var nodes: [Node] = []
        for expression in expressions {
            var compiler = LogicCompiler(declarations: context.declarations, limits: limits, facts: facts)
            nodes.append(compiler.compile(expression, at: path))
            facts = compiler.facts
            for diagnostic in compiler.diagnostics {
                var copy = diagnostic
                copy.ruleID = rule
                diagnostics.append(copy)
            }
        }
        return nodes
    }

    // MARK: - Conditions

    /// Row `index` fires when its cells all hold and none of the rows that take precedence over it
    /// (`first`: rows the analysis found matching some of the same inputs) matches.
    private static func rowCondition(
        _ index: Int, cells: [[Node]], first: Set<Int>, table: String, policy: DecisionTable.HitPolicy,
        at path: JSONPointer
    ) -> Node {
        let own = cells[index]
        let earlier = first.sorted().map { (row: $0, cells: cells[$0]) }
        let why = policy == .priority ? "takes priority" : "comes first"
        return Node(path: path) { context throws(LogicError) in
            for cell in own {
                if try !cell.test(&context) { return false }
            }
            for other in earlier {
                // Whether the other row matches is not this row's explanation: only its outcome is.
                let trace = context.trace
                context.trace = nil
                var matches = true
                do throws(LogicError) {
                    for cell in other.cells {
                        if try !cell.test(&context) {
                            matches = false
                            break
                        }
                    }
                } catch {
                    context.trace = trace
                    throw error
                }
                context.trace = trace
                if matches {
                    context.record(
                        path, "\(DecisionTable.ruleID(table: table, row: other.row)) matches too and \(why)",
                        .bool(true))
                    return false
                }
            }
            return true
        }
    }

    /// The default fires when no row's cells all hold.
    private static func defaultCondition(cells: [[Node]], table: String, at path: JSONPointer) -> Node {
        Node(path: path) { context throws(LogicError) in
            rows: for row in cells {
                for cell in row {
                    if try !cell.test(&context) { continue rows }
                }
                return false
            }
            context.record(path, "no row of table \(table) matches", .bool(true))
            return true
        }
    }

    // MARK: - Outputs

    /// A row's (or the default's) outputs, compiled.
    private struct RowOutput {
        var description: String?
        var recommendation: Recommendation?
        var reason: Template?
        var escalations: [EscalationSpec]
        /// The outputs as written, to compare rows.
        var written: JSONValue

        func rule(
            id: String, priority: Int64, index: Int, condition: Node, readFacts: [FactTable.Fact],
            readFactNames: [String]
        ) -> CompiledRule {
            CompiledRule(
                id: id, description: description, priority: priority, index: index, path: condition.path,
                condition: condition,
                requires: [], recommendation: recommendation, reason: reason, escalations: escalations,
                readFacts: readFacts, readFactNames: readFactNames)
        }
    }

    private mutating func rowOutput(
        _ object: JSONObject, at path: JSONPointer, rule: String, references: inout References
    ) -> RowOutput {
        let description = optionalString(object, "description", at: path, rule: rule)
        let recommendation = self.recommendation(object, "recommend", at: path, rule: rule)
        var reason: Template?
        if let text = optionalString(object, "reason", at: path, rule: rule) {
            reason = template(text, at: path.appending("reason"), rule: rule, references: &references)
        }
        let escalations = self.escalations(object["escalate"], ofRuleAt: path, rule: rule, references: &references)
        if object["recommend"] == nil && object["escalate"] == nil {
            report(.ruleWithoutAction, "\(rule) neither recommends nor escalates", at: path, rule: rule)
        }
        var written = JSONObject()
        for key in ["recommend", "reason", "escalate"] { written[key] = object[key] }
        return RowOutput(
            description: description, recommendation: recommendation, reason: reason, escalations: escalations,
            written: .object(written))
    }
}
