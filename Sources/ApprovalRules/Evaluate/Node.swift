import ApprovalJSON

/// Runs one compiled expression against a context.
typealias Evaluator = @Sendable (inout EvaluationContext) throws(LogicError) -> JSONValue

/// A compiled expression: a closure, plus what the compiler knows about it.
struct Node: Sendable {
    /// Evaluates the expression.
    let run: Evaluator
    /// The value, when it is known at compile time (a literal or a folded pure subtree).
    let constant: JSONValue?
    /// Where the expression is in the rule document.
    let path: JSONPointer
    /// A business-readable name for the value (`contract_value` for `{"var": "variables.contract_value"}`),
    /// used by traces.
    let label: String?
    /// The root fact the node reads, when it is a plain `var` of a literal path (outside iterators,
    /// its value is that fact's). Operators use it to read a fact's typed form (an amount, a date)
    /// converted once per evaluation: see ``EvaluationContext/money(_:_:)``.
    let fact: FactTable.Fact?

    init(path: JSONPointer, label: String? = nil, fact: FactTable.Fact? = nil, run: @escaping Evaluator) {
        self.run = run
        self.constant = nil
        self.path = path
        self.label = label
        self.fact = fact
    }

    /// A node whose value is known.
    init(constant: JSONValue, path: JSONPointer) {
        self.run = { _ in constant }
        self.constant = constant
        self.path = path
        self.label = nil
        self.fact = nil
    }

    /// A node that always raises `error` (what the compiler substitutes for an invalid call, so the
    /// document still yields a tree and every problem gets reported).
    static func failing(_ error: LogicError, path: JSONPointer) -> Node {
        Node(path: path) { _ throws(LogicError) in throw error }
    }

    /// How the value reads in a trace: `contract_value 300000`, or just `300000`.
    func describe(_ value: JSONValue) -> String {
        let text = TraceText.value(value)
        guard let label else { return text }
        return "\(label) \(text)"
    }
}
