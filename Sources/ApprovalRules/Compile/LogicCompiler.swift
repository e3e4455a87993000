import ApprovalJSON

/// Compiles expression trees into closures, collecting every diagnostic instead of stopping at
/// the first. An invalid call still yields a node (one that raises the matching JSON Logic
/// error), so the whole document is checked in one pass.
struct LogicCompiler {
    let table: [String: OperatorSpec]
    let declarations: Declarations
    let limits: Limits
    /// The root facts the compiled expressions read; pass it on to the evaluation.
    var facts: FactTable
    private(set) var diagnostics: [RuleDiagnostic] = []
    private var nodeCount = 0
    /// Whether `and`/`or` operands and `if` conditions record their outcomes in the trace (a
    /// coverage run; ``RuleCoverage``). Off, the compiled nodes are exactly the plain ones.
    var instrumentsBranches = false
    /// The branch points instrumented so far, in document order.
    private(set) var branchPoints: [BranchPoint] = []

    init(
        declarations: Declarations = .none, limits: Limits = .default, facts: FactTable = FactTable(),
        table: [String: OperatorSpec] = Operators.table
    ) {
        self.table = table
        self.declarations = declarations
        self.limits = limits
        self.facts = facts
    }

    /// Compiles the expression written at `path`.
    mutating func compile(_ value: JSONValue, at path: JSONPointer) -> Node {
        nodeCount = 0
        return compile(Expr.parse(value, at: path), depth: 1)
    }

    private mutating func report(_ code: RuleDiagnostic.Code, _ message: String, at path: JSONPointer) {
        diagnostics.append(RuleDiagnostic(code: code, message: message, path: path))
    }

    private mutating func compile(_ expr: Expr, depth: Int) -> Node {
        nodeCount += 1
        if nodeCount == limits.expressionNodes + 1 {
            report(.limitExceeded, "expression has more than \(limits.expressionNodes) nodes", at: expr.path)
        }
        if depth > limits.expressionDepth {
            report(.limitExceeded, "expression nested deeper than \(limits.expressionDepth) levels", at: expr.path)
            return .failing(.invalidArguments, path: expr.path)
        }
        switch expr {
        case .literal(let value, let path):
            if case .string(let text) = value, text.utf8.count > limits.stringLength {
                report(.limitExceeded, "string longer than \(limits.stringLength) bytes", at: path)
            }
            return Node(constant: value, path: path)
        case .array(let elements, let path):
            let nodes = elements.map { compile($0, depth: depth + 1) }
            if nodes.allSatisfy({ $0.constant != nil }) {
                return Node(constant: .array(nodes.map { $0.constant! }), path: path)
            }
            return Node(path: path) { context throws(LogicError) in
                var values: [JSONValue] = []
                values.reserveCapacity(nodes.count)
                for node in nodes { values.append(try node.run(&context)) }
                return .array(values)
            }
        case .operation(let operation):
            return compile(operation, depth: depth)
        }
    }

    private mutating func compile(_ operation: Expr.Operation, depth: Int) -> Node {
        guard let spec = table[operation.name] else {
            var message = "unknown operator \"\(operation.name)\""
            if let suggestion = Suggestion.closest(to: operation.name, among: table.keys) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            report(.unknownOperator, message, at: operation.path)
            return .failing(.unknownOperator, path: operation.path)
        }
        if spec.needsArgumentArray && !operation.argumentsWereArray {
            report(.invalidArgument, "\"\(operation.name)\" takes an array of arguments", at: operation.namePath)
            return .failing(.invalidArguments, path: operation.path)
        }
        let count = operation.arguments.count
        if !spec.arity.contains(count) {
            let expected =
                spec.arity.lowerBound == spec.arity.upperBound
                ? "\(spec.arity.lowerBound)"
                : spec.arity.upperBound == Int.max
                    ? "at least \(spec.arity.lowerBound)" : "\(spec.arity.lowerBound) to \(spec.arity.upperBound)"
            report(
                .wrongArity,
                "\"\(operation.name)\" takes \(expected) argument\(expected == "1" ? "" : "s"), got \(count)",
                at: operation.namePath)
            return .failing(.invalidArguments, path: operation.path)
        }
        var arguments = spec.rawArguments ? [] : operation.arguments.map { compile($0, depth: depth + 1) }
        if instrumentsBranches, let kind = BranchPoint.Kind(operator: operation.name) {
            for index in arguments.indices where kind.isBranch(index, of: arguments.count) {
                guard arguments[index].constant == nil else { continue }  // a constant has one outcome
                branchPoints.append(BranchPoint(path: arguments[index].path, kind: kind))
                arguments[index] = BranchPoint.recording(arguments[index])
            }
        }
        var call = OperatorCall(operation: operation, arguments: arguments, declarations: declarations)
        if operation.name == "var", let key = arguments.first?.constant, case .path(let steps) = DataOperators.Key(key)
        {
            call.fact = facts.fact(steps)
        }
        if !spec.reads.isEmpty {
            for fact in arguments.compactMap(\.fact) { facts.note(fact, readAs: spec.reads) }
        }
        let node: Node
        do {
            node = try spec.build(call)
        } catch {
            report(error.code, error.message, at: error.path ?? operation.path)
            return .failing(error.runtimeError, path: operation.path)
        }
        // Fold pure calls whose arguments are all known: evaluate once, keep the value. A call
        // that raises is kept as it is, so the error still happens at run time (inside `try`).
        if spec.pure, node.constant == nil, arguments.allSatisfy({ $0.constant != nil }) {
            var context = EvaluationContext(root: .value(.null))
            if let value = try? node.run(&context) {
                return Node(constant: value, path: operation.path)
            }
        }
        return node
    }
}

/// "Did you mean": the closest name by edit distance, when it is close enough to be a typo.
package enum Suggestion {
    package static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        var best: (String, Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
            if distance <= max(1, min(3, target.count / 3)), distance < (best?.1 ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
