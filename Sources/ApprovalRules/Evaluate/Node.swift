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
    /// A business-readable name for the value, in words (`contract value` for
    /// `{"var": "variables.contract_value"}`, ``Readable/label(_:)``), used by traces.
    let label: String?
    /// The root fact the node reads, when it is a plain `var` of a literal path (outside iterators,
    /// its value is that fact's). Operators use it to read a fact's typed form (an amount, a date)
    /// from the evaluation's ``FactBlock``, parsed once.
    let fact: FactTable.Fact?
    /// How the node's value can be read in place, when the node only reads data
    /// (``withValue(_:_:)``).
    let access: Access?

    /// A node that only reads data, so that its value can be borrowed where it is kept.
    enum Access: Sendable {
        /// `{"var": "a.b"}` (a literal path, no default): the root fact outside iterators, the
        /// path inside the current element within one.
        case fact(FactTable.Fact)
        /// `{"var": ""}`: the current element, or the whole data outside iterators.
        case current
    }

    /// A node computing a value; its truthiness is derived from the value.
    init(path: JSONPointer, label: String? = nil, run: @escaping Evaluator) {
        self.run = run
        self.test = { context throws(LogicError) in Coercion.truthy(try run(&context)) }
        self.constant = nil
        self.path = path
        self.label = label
        self.fact = nil
        self.access = nil
    }

    /// A node that only reads data (`var`): both entry points are given, and the value can be read
    /// in place through `access`.
    init(path: JSONPointer, label: String?, access: Access, run: @escaping Evaluator, test: @escaping Tester) {
        self.run = run
        self.test = test
        self.constant = nil
        self.path = path
        self.label = label
        if case .fact(let fact) = access { self.fact = fact } else { self.fact = nil }
        self.access = access
    }

    /// A node whose value is a Boolean: `test` computes it, and the value is derived from it.
    init(path: JSONPointer, test: @escaping Tester) {
        self.run = { context throws(LogicError) in .bool(try test(&context)) }
        self.test = test
        self.constant = nil
        self.path = path
        self.label = nil
        self.fact = nil
        self.access = nil
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
        self.access = nil
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
        self.access = nil
    }

    /// A node that always raises `error` (what the compiler substitutes for an invalid call, so the
    /// document still yields a tree and every problem gets reported).
    static func failing(_ error: LogicError, path: JSONPointer) -> Node {
        Node(path: path, run: { _ throws(LogicError) in throw error }, test: { _ throws(LogicError) in throw error })
    }

    /// Calls `body` with where the node's value is: where it is kept when the node only reads
    /// data (see ``access``), a temporary otherwise. `body` reads it through the pointer (a
    /// `switch` on `pointee` binds what it needs without copying the value, which passing the
    /// value itself would) and must not need the context, which may hold the value for the call.
    @inline(__always)
    func withValue<Result>(
        _ context: inout EvaluationContext, _ body: (UnsafePointer<JSONValue>) throws(LogicError) -> Result
    ) throws(LogicError) -> Result {
        switch access {
        case .fact(let fact)?:
            if context.scopes.isEmpty {
                let entry = context[fact]
                return try body(UnsafePointer(entry).pointer(to: \.value)!)
            }
            return try Self.with(context.lookup(fact) ?? .null, body)
        case .current?:
            if let scope = context.scopes.last { return try body(scope) }
            return try Self.with(context.current, body)
        case nil:
            return try Self.with(try run(&context), body)
        }
    }

    @inline(__always)
    private static func with<Result>(
        _ value: JSONValue, _ body: (UnsafePointer<JSONValue>) throws(LogicError) -> Result
    ) throws(LogicError) -> Result {
        var value = value
        return try withUnsafePointer(to: &value) { pointer throws(LogicError) in try body(pointer) }
    }

    /// How the value reads in a trace: `contract value 300000`, or just `300000`
    /// (``Readable/value(_:)``).
    func describe(_ value: JSONValue) -> String {
        Readable.labelled(label, Readable.value(value))
    }

    /// How the operand is named where its value is not shown (the opposite of a test, as in
    /// `"contract value < USD 250,000.00"`): its label, else the value.
    func name(_ value: JSONValue) -> String {
        label ?? Readable.value(value)
    }
}
