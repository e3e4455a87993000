import ApprovalJSON

/// The `variables` section: reading the declarations, checking every fact reference against them
/// (`unknown_variable`) and every variable handed to an operator (`type_mismatch`, by the table
/// of ``OperandTypes``), and the required facts that required variables add. All of it runs at
/// compile time; a document without the section gets none of these checks.
extension RuleCompiler {
    // MARK: - Declarations

    /// Reads the `variables` section (`value`, at `path`); `nil` when the document has none, or
    /// when it is not an object (reported: nothing is checked against a section that says nothing).
    mutating func variableDeclarations(_ value: JSONValue?, at path: JSONPointer) -> VariableDeclarations? {
        guard let value else { return nil }
        guard case .object(let object) = value else {
            report(
                .invalidFieldType, "\"variables\" must be an object of variable ids to types, not \(value.typeName)",
                at: path)
            return nil
        }
        var declarations = VariableDeclarations()
        for (id, entry) in object.members {
            let entryPath = path.appending(id)
            if id.isEmpty || id.contains(".") {
                report(
                    .invalidValue,
                    "variable id \"\(id)\" cannot be read by a fact path: it must be non-empty, without dots",
                    at: entryPath)
            }
            switch entry {
            case .string(let name):
                declarations.declare(
                    DeclaredVariable(
                        id: id, type: variableType(name, at: entryPath), required: false, description: nil))
            case .object(let fields):
                for key in fields.keys where !VariableDeclarations.fields.contains(key) {
                    var message = "unknown field \"\(key)\" in variable \"\(id)\""
                    if let guess = Suggestion.closest(to: key, among: VariableDeclarations.fields) {
                        message += "; did you mean \"\(guess)\"?"
                    }
                    report(.unknownField, message, at: entryPath.appending(key))
                }
                var type: VariableType?
                switch fields["type"] {
                case nil:
                    report(.missingField, "variable \"\(id)\" has no \"type\"", at: entryPath)
                case .string(let name)?:
                    type = variableType(name, at: entryPath.appending("type"))
                case let other?:
                    report(
                        .invalidFieldType, "\"type\" must be a type name, not \(other.typeName)",
                        at: entryPath.appending("type"))
                }
                let required = optionalBool(fields, "required", at: entryPath) ?? false
                let description = optionalString(fields, "description", at: entryPath)
                declarations.declare(DeclaredVariable(id: id, type: type, required: required, description: description))
            default:
                report(
                    .invalidFieldType,
                    "variable \"\(id)\" must be a type name or an object with \"type\", not \(entry.typeName)",
                    at: entryPath)
                declarations.declare(DeclaredVariable(id: id, type: nil, required: false, description: nil))
            }
        }
        return declarations
    }

    /// The type called `name`; `nil`, reported as `invalid_fact_type`, when there is none.
    private mutating func variableType(_ name: String, at path: JSONPointer) -> VariableType? {
        if let type = VariableType.named(name) { return type }
        var message = "unknown variable type \"\(name)\"; expected one of \(VariableType.names.joined(separator: ", "))"
        if let guess = Suggestion.closest(to: name, among: VariableType.names) {
            message += " (did you mean \"\(guess)\"?)"
        }
        report(.invalidFactType, message, at: path)
        return nil
    }

    /// The facts the required variables add to the required facts (`variables.<id>` with the
    /// declared type's fact type), in declaration order, but for those `listed` already.
    func requiredVariableFacts(besides listed: [RequiredFact]) -> [(path: [String], type: FactType)] {
        guard let variables else { return [] }
        let known = Set(listed.map(\.dotted))
        return variables.variables.compactMap { variable in
            guard variable.required, let type = variable.type, !known.contains("variables.\(variable.id)") else {
                return nil
            }
            return (["variables", variable.id], type.factType)
        }
    }

    // MARK: - References

    /// Checks (and, when collecting, keeps) what a rule's condition `when` (at `path`) reads.
    mutating func noteFacts(inCondition when: JSONValue, at path: JSONPointer, rule: String) {
        guard variables != nil || collectsFactReferences else { return }
        let found = ExpressionFacts(Expr.parse(when, at: path))
        for reference in found.references {
            noteFact(
                FactReference(path: reference.path, kind: reference.kind, pointer: reference.pointer, ruleID: rule))
        }
        for operand in found.operands { check(operand, rule: rule) }
    }

    /// Checks (and keeps) the keys of `required_facts` or of a rule's `requires` (at `path`).
    mutating func noteFacts(of required: [RequiredFact], at path: JSONPointer, rule: String?) {
        for fact in required {
            noteFact(FactReference(path: fact.path, kind: .value, pointer: path.appending(fact.dotted), ruleID: rule))
        }
    }

    /// Checks (and keeps) the placeholders of a message template (at `path`), each fact once.
    mutating func noteFacts(of template: Template, at path: JSONPointer, rule: String) {
        var seen: Set<[String]> = []
        for fact in template.factPaths where seen.insert(fact).inserted {
            noteFact(FactReference(path: fact, kind: .value, pointer: path, ruleID: rule))
        }
    }

    /// Checks (and keeps) one fact path read at `pointer` by `rule` (a decision table's input,
    /// say): `has_file` reads are `.file` references to `files_by_variable.<id>`.
    mutating func noteFact(_ path: [String], kind: FactReference.Kind = .value, at pointer: JSONPointer, rule: String) {
        noteFact(FactReference(path: path, kind: kind, pointer: pointer, ruleID: rule))
    }

    private mutating func noteFact(_ reference: FactReference) {
        if collectsFactReferences { factReferences.append(reference) }
        guard let variables, let id = reference.variableID, variables[id] == nil else { return }
        var message = "variable \"\(id)\" is not declared in \"variables\""
        if let guess = Suggestion.closest(to: id, among: variables.ids) {
            message += "; did you mean \"\(guess)\"?"
        }
        report(.unknownVariable, message, at: reference.pointer, rule: reference.ruleID)
    }

    /// Reports an operator given a declared variable of a type it cannot use.
    private mutating func check(_ operand: VariableOperand, rule: String) {
        guard let type = variables?[operand.variableID]?.type,
            !OperandTypes.accepts(operand.operatorName, argument: operand.argument, type.factType),
            let accepted = OperandTypes.accepted(operand.operatorName, argument: operand.argument)
        else { return }
        let names = FactType.allCases.filter(accepted.contains).map(\.rawValue)
        report(
            .typeMismatch,
            "\"\(operand.operatorName)\" cannot use variable \"\(operand.variableID)\" of type \(type.label); "
                + "it takes \(names.joined(separator: ", ")) or any",
            at: operand.pointer, rule: rule)
    }
}
