package import ApprovalJSON

/// One place where a rule document reads a fact: a `var`, `val`, `exists` or `missing` path read
/// at the root, a message template's placeholder, a `requires` or `required_facts` key, or a
/// `has_file` test; with the JSON Pointer of the expression (or field) that names it.
///
/// The compiler checks them against a `variables` section (`unknown_variable`);
/// `approvalctl validate --snapshots` looks them up in saved snapshots.
///
/// ```swift
/// for reference in ruleSet.factReferences where reference.variableID == "contract_valu" {
///     print(reference.pointer, reference.ruleID ?? "-")
/// }
/// ```
package struct FactReference: Sendable, Hashable {
    /// What is read.
    package enum Kind: Sendable, Hashable {
        /// The value at ``FactReference/path``.
        case value
        /// Whether a file is attached for the variable (`has_file`); the path is
        /// `files_by_variable.<id>`.
        case file
    }

    /// The fact path, split at dots (`["variables", "contract_value"]`).
    package let path: [String]
    package let kind: Kind
    /// Where the document names it: the path's string in an expression, the template, the
    /// `requires` key.
    package let pointer: JSONPointer
    /// The rule that reads it (`nil` for the document's `required_facts`).
    package let ruleID: String?

    /// A reference to `path` at `pointer`, read by rule `ruleID`.
    package init(path: [String], kind: Kind, pointer: JSONPointer, ruleID: String?) {
        self.path = path
        self.kind = kind
        self.pointer = pointer
        self.ruleID = ruleID
    }

    /// The path as written (`variables.contract_value`).
    package var dotted: String { path.joined(separator: ".") }

    /// The variable id the path reads through a view (`variables.<id>`, `variable_types.<id>`,
    /// `files_by_variable.<id>`, `has_file`), if any.
    package var variableID: String? {
        guard path.count >= 2, ["variables", "variable_types", "files_by_variable"].contains(path[0]) else {
            return nil
        }
        return path[1]
    }
}

/// A variable read directly as an operator's argument (`{"money>": [{"var":
/// "variables.contract_value"}, 0]}`), or the id `has_file` tests: what the `type_mismatch`
/// check looks at.
struct VariableOperand: Sendable {
    let operatorName: String
    let argument: Int
    let variableID: String
    /// The argument's pointer.
    let pointer: JSONPointer
}

/// The facts an expression reads at the root, and the variables it hands straight to operators,
/// found by walking its parsed tree once (at compile time only).
///
/// Paths inside iterator bodies (`map`, `filter`, `reduce`, `all`, `some`, `none`) read the
/// element, not the snapshot, and are skipped; so are computed paths, `val` paths that climb
/// scopes, and `preserve`d data. `has_file` reads the snapshot wherever it is.
struct ExpressionFacts {
    private(set) var references: [(path: [String], kind: FactReference.Kind, pointer: JSONPointer)] = []
    private(set) var operands: [VariableOperand] = []

    private static let iterators: Set<String> = ["map", "filter", "reduce", "all", "some", "none"]

    init(_ expression: Expr) {
        walk(expression, atRoot: true)
    }

    private mutating func walk(_ expression: Expr, atRoot: Bool) {
        switch expression {
        case .literal: return
        case .array(let elements, _):
            for element in elements { walk(element, atRoot: atRoot) }
        case .operation(let operation):
            walk(operation, atRoot: atRoot)
        }
    }

    private mutating func walk(_ operation: Expr.Operation, atRoot: Bool) {
        let arguments = operation.arguments
        switch operation.name {
        case "preserve":
            return
        case "var":
            guard let first = arguments.first else { return }
            if case .literal(let key, let path) = first {
                if atRoot, case .path(let steps) = DataOperators.Key(key) {
                    references.append((steps, .value, path))
                }
            } else {
                walk(first, atRoot: atRoot)
            }
            for extra in arguments.dropFirst() { walk(extra, atRoot: atRoot) }
        case "val", "exists":
            // One key per argument, not split at dots; all literal, or the path is not known.
            let keys = arguments.compactMap { argument -> String? in
                guard case .literal(let value, _) = argument else { return nil }
                switch value {
                case .string(let text): return text
                case .integer(let number): return String(number)
                default: return nil
                }
            }
            if keys.count == arguments.count {
                if atRoot, !keys.isEmpty {
                    references.append((keys, .value, arguments[min(1, arguments.count - 1)].path))
                }
            } else {
                for argument in arguments { walk(argument, atRoot: atRoot) }
            }
        case "missing":
            for argument in arguments { walkMissing(argument, atRoot: atRoot) }
        case "missing_some":
            if let count = arguments.first { walk(count, atRoot: atRoot) }
            for argument in arguments.dropFirst() { walkMissing(argument, atRoot: atRoot) }
        case "has_file":
            if case .literal(.string(let id), let path)? = arguments.first {
                references.append((["files_by_variable", id], .file, path))
                operands.append(
                    VariableOperand(operatorName: operation.name, argument: 0, variableID: id, pointer: path))
            }
        case _ where Self.iterators.contains(operation.name):
            for (index, argument) in arguments.enumerated() {
                // The source (and a reduce's initial value) is read where the call is; bodies
                // read the element.
                let body = index == 1
                if index == 0 { noteOperand(operation.name, 0, argument, atRoot: atRoot) }
                walk(argument, atRoot: atRoot && !body)
            }
        default:
            for (index, argument) in arguments.enumerated() {
                noteOperand(operation.name, index, argument, atRoot: atRoot)
                walk(argument, atRoot: atRoot)
            }
        }
    }

    /// `missing` and `missing_some` name dotted paths as strings, or arrays of them.
    private mutating func walkMissing(_ argument: Expr, atRoot: Bool) {
        switch argument {
        case .literal(.string(let text), let path):
            if atRoot, let steps = FactPath.parse(text) { references.append((steps, .value, path)) }
        case .array(let elements, _):
            for element in elements { walkMissing(element, atRoot: atRoot) }
        default:
            walk(argument, atRoot: atRoot)
        }
    }

    /// Records `argument` when it reads a variable's whole value at the root.
    private mutating func noteOperand(_ name: String, _ index: Int, _ argument: Expr, atRoot: Bool) {
        guard atRoot, case .operation(let call) = argument, call.name == "var",
            case .literal(let key, _)? = call.arguments.first,
            case .path(let steps) = DataOperators.Key(key), steps.count == 2, steps[0] == "variables"
        else { return }
        operands.append(
            VariableOperand(operatorName: name, argument: index, variableID: steps[1], pointer: argument.path))
    }
}

// MARK: - Saved snapshots

extension RuleSet {
    /// Every place the rule document reads a fact, in document order, located in `file` when the
    /// document came from one (the document is compiled again to find them: a one-off cost for
    /// tools such as `approvalctl validate --snapshots`, none for evaluation).
    package func factReferences(file: String? = nil) -> [(reference: FactReference, location: SourceLocation?)] {
        let bytes = compiled.documentBytes
        guard let document = try? JSONParser(options: compiled.limits.ruleFileParsing).parse(bytes, file: file)
        else { return [] }
        var compiler = RuleCompiler(limits: compiled.limits)
        compiler.collectsFactReferences = true
        _ = compiler.compile(document)
        let locator = SourceLocator(bytes: bytes, file: file)
        return compiler.factReferences.map { reference in
            (reference, locator.location(of: reference.pointer) ?? locator.location(of: reference.pointer.parent))
        }
    }
}

extension ApprovalSnapshot {
    /// Whether the snapshot has what `reference` reads: a value that is not `null`, or (for
    /// `has_file` and `files_by_variable.<id>`) at least one file. `now` is the evaluation's
    /// clock, which every evaluation with `--now` has.
    package func has(_ reference: FactReference) -> Bool {
        let path = FactPath(reference.path)
        if path.head == .now { return true }
        guard let value = lookup(path), value != .null else { return false }
        if case .files = path.head, path.rest.isEmpty, case .array(let files) = value { return !files.isEmpty }
        return true
    }
}
