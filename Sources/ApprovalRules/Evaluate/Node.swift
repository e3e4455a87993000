import ApprovalJSON

/// Runs one compiled expression against a context, giving its value.
typealias Evaluator = @Sendable (inout EvaluationContext) throws(LogicError) -> JSONValue

/// Runs one compiled expression against a context, giving only its truthiness
/// (``Coercion/truthy(_:)`` of its value).
typealias Tester = @Sendable (inout EvaluationContext) throws(LogicError) -> Bool

/// A compiled expression: two closures over the same semantics, plus what the compiler knows
/// about it.
///
/// Every node can give its value (``run``) and its truthiness (``test``). Where the result is only
/// tested (rule conditions, the operands of `!`, `and`, `or`, the conditions of `if` and the
/// quantifiers), evaluation takes ``test``: operators whose result is a Boolean (comparisons,
/// `in`, the domain tests) then never box it into a `JSONValue`, and `and`/`or` need not return
/// the operand that decided. `test` is exactly `Coercion.truthy(try run(&context))`, with the same
/// errors raised in the same order and the same trace events recorded (the conformance tests
/// check both entry points on every case).
struct Node: Sendable {
    /// Evaluates the expression.
    let run: Evaluator
    /// Evaluates the expression's truthiness.
    let test: Tester
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

    /// A node computing a value; its truthiness is derived from the value.
    init(path: JSONPointer, label: String? = nil, fact: FactTable.Fact? = nil, run: @escaping Evaluator) {
        self.run = run
        self.test = { context throws(LogicError) in Coercion.truthy(try run(&context)) }
        self.constant = nil
        self.path = path
        self.label = label
        self.fact = fact
    }

    /// A node whose value is a Boolean: `test` computes it, and the value is derived from it.
    init(path: JSONPointer, test: @escaping Tester) {
        self.run = { context throws(LogicError) in .bool(try test(&context)) }
        self.test = test
        self.constant = nil
        self.path = path
        self.label = nil
        self.fact = nil
    }

    /// A node with both entry points given (`and`, `or`, `if`: the value is an operand's, the
    /// truthiness is computed from the operands' truthiness).
    init(path: JSONPointer, run: @escaping Evaluator, test: @escaping Tester) {
        self.run = run
        self.test = test
        self.constant = nil
        self.path = path
        self.label = nil
        self.fact = nil
    }

    /// A node whose value is known.
    init(constant: JSONValue, path: JSONPointer) {
        let truthy = Coercion.truthy(constant)
        self.run = { _ in constant }
        self.test = { _ in truthy }
        self.constant = constant
        self.path = path
        self.label = nil
        self.fact = nil
    }

    /// A node that always raises `error` (what the compiler substitutes for an invalid call, so the
    /// document still yields a tree and every problem gets reported).
    static func failing(_ error: LogicError, path: JSONPointer) -> Node {
        Node(path: path, run: { _ throws(LogicError) in throw error }, test: { _ throws(LogicError) in throw error })
    }

    /// How the value reads in a trace: `contract_value 300000`, or just `300000`.
    func describe(_ value: JSONValue) -> String {
        let text = TraceText.value(value)
        guard let label else { return text }
        return "\(label) \(text)"
    }
}
