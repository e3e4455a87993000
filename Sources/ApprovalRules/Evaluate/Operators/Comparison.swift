import ApprovalJSON

/// Comparison operators: `==`, `===`, `!=`, `!==`, `<`, `<=`, `>`, `>=`.
///
/// Every comparison takes an array of at least two arguments (`{"<": 5}` and `{"<": [5]}` are
/// `Invalid Arguments`) and chains: `{"<": [a, b, c]}` is `a < b && b < c` (the "between" form),
/// evaluated left to right and lazily, so a later argument is not evaluated once a pair fails.
/// The result is always a Boolean. The coercions are ``Coercion/looseEquals(_:_:)``,
/// ``Coercion/looseOrder(_:_:)`` and ``Coercion/strictEquals(_:_:)``; in short, two strings compare
/// as strings, other pairs as numbers, and a pair that has no numeric meaning (`1` against `"A"`,
/// an array, an object) raises `NaN` instead of quietly comparing false.
///
/// With tracing on, each comparison records `<lhs> <op> <rhs>` in words (operands labelled by
/// their variable, operators as people write them, e.g. `contract value 300000 ≥ 250000`).
extension Operators {
    static let comparison: [OperatorSpec] = ComparisonOperator.allCases.map { comparison in
        OperatorSpec(
            [comparison.symbol], arity: 2...Int.max, needsArgumentArray: true, summary: comparison.summary
        ) { call throws(CompileProblem) in
            ComparisonOperator.build(comparison, call)
        }
    }
}

/// One comparison operator, with its semantics.
enum ComparisonOperator: CaseIterable, Sendable {
    /// `==`: loose equality (``Coercion/looseEquals(_:_:)``): `1 == "1"`, `null == 0`, `"a" == "a"`.
    case equal
    /// `!=`: the negation of `==` (raises `NaN` where `==` does).
    case notEqual
    /// `===`: strict equality (``Coercion/strictEquals(_:_:)``): same type and value; `1 === 1.0`.
    case strictEqual
    /// `!==`: the negation of `===`.
    case strictNotEqual
    /// `<`: loose order (``Coercion/looseOrder(_:_:)``); `{"<": [a, b, c]}` is "b strictly between".
    case less
    /// `<=`: loose order; `{"<=": [a, b, c]}` is "b between, inclusive".
    case lessOrEqual
    /// `>`: loose order.
    case greater
    /// `>=`: loose order.
    case greaterOrEqual

    var symbol: String {
        switch self {
        case .equal: return "=="
        case .notEqual: return "!="
        case .strictEqual: return "==="
        case .strictNotEqual: return "!=="
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .greater: return ">"
        case .greaterOrEqual: return ">="
        }
    }

    /// How the operator reads in an explanation: `≥` for `>=`, `=` for `==`, `is exactly` for
    /// `===`.
    var readable: String {
        switch self {
        case .equal: return "="
        case .notEqual: return "≠"
        case .strictEqual: return "is exactly"
        case .strictNotEqual: return "is not exactly"
        case .less: return "<"
        case .lessOrEqual: return "≤"
        case .greater: return ">"
        case .greaterOrEqual: return "≥"
        }
    }

    /// The operator that holds exactly when this one does not (for two operands): `<` for `>=`.
    var opposite: ComparisonOperator {
        switch self {
        case .equal: return .notEqual
        case .notEqual: return .equal
        case .strictEqual: return .strictNotEqual
        case .strictNotEqual: return .strictEqual
        case .less: return .greaterOrEqual
        case .lessOrEqual: return .greater
        case .greater: return .lessOrEqual
        case .greaterOrEqual: return .less
        }
    }

    var summary: String {
        switch self {
        case .equal: return "equal after coercion (1 == \"1\"); chains over more arguments"
        case .notEqual: return "not equal after coercion"
        case .strictEqual: return "equal in type and value (1 === 1.0, 1 !== \"1\")"
        case .strictNotEqual: return "not strictly equal"
        case .less: return "less than; [a, b, c] tests a < b < c"
        case .lessOrEqual: return "less than or equal; [a, b, c] tests a <= b <= c"
        case .greater: return "greater than; chains over more arguments"
        case .greaterOrEqual: return "greater than or equal; chains over more arguments"
        }
    }

    /// Whether the relation holds between two integers (the common, allocation-free case).
    @inline(__always)
    func holds(_ x: Int64, _ y: Int64) -> Bool {
        switch self {
        case .equal, .strictEqual: return x == y
        case .notEqual, .strictNotEqual: return x != y
        case .less: return x < y
        case .lessOrEqual: return x <= y
        case .greater: return x > y
        case .greaterOrEqual: return x >= y
        }
    }

    /// Whether the relation holds between two values.
    ///
    /// - Throws: ``LogicError/nan`` for a loose comparison without numeric meaning.
    @inline(__always)
    func holds(_ a: JSONValue, _ b: JSONValue) throws(LogicError) -> Bool {
        if case .integer(let x) = a, case .integer(let y) = b { return holds(x, y) }
        switch self {
        case .equal: return try Coercion.looseEquals(a, b)
        case .notEqual: return try !Coercion.looseEquals(a, b)
        case .strictEqual: return Coercion.strictEquals(a, b)
        case .strictNotEqual: return !Coercion.strictEquals(a, b)
        case .less: return try Coercion.looseOrder(a, b) == .less
        case .lessOrEqual:
            let order = try Coercion.looseOrder(a, b)
            return order == .less || order == .equal
        case .greater: return try Coercion.looseOrder(a, b) == .greater
        case .greaterOrEqual:
            let order = try Coercion.looseOrder(a, b)
            return order == .greater || order == .equal
        }
    }

    // MARK: - Building

    /// Builds the node: two operands (the common case) read a constant right-hand side once; three
    /// get one trace event for the whole "between"; more chain pairwise.
    static func build(_ comparison: ComparisonOperator, _ call: OperatorCall) -> Node {
        let arguments = call.arguments
        switch arguments.count {
        case 2: return buildPair(comparison, arguments[0], arguments[1], at: call.path)
        case 3: return buildBetween(comparison, arguments[0], arguments[1], arguments[2], at: call.path)
        default: return buildChain(comparison, arguments, at: call.path)
        }
    }

    /// `lhs <op> rhs`. Against a constant (the usual `{"<": [{"var": ...}, 250000]}`), without a
    /// trace, the left operand is read in place: a root fact straight from the evaluation's
    /// ``FactBlock``, compared without copying it (``holds(_:_:)`` takes integers first).
    private static func buildPair(_ comparison: ComparisonOperator, _ lhs: Node, _ rhs: Node, at path: JSONPointer)
        -> Node
    {
        let right = rhs.constant
        return Node(
            path: path,
            test: { context throws(LogicError) in
                if let right, context.trace == nil {
                    return try lhs.withValue(&context) { left throws(LogicError) in
                        try comparison.holds(left.pointee, right)
                    }
                }
                let left = try lhs.run(&context)
                return try decide(comparison, lhs, left, rhs, try rhs.run(&context), at: path, in: &context)
            })
    }

    /// Decides `left <op> right` and adds the pair to the trace: how a two-operand comparison
    /// reports itself.
    @inline(__always)
    private static func decide(
        _ comparison: ComparisonOperator, _ lhs: Node, _ left: JSONValue, _ rhs: Node, _ right: JSONValue,
        at path: JSONPointer, in context: inout EvaluationContext
    ) throws(LogicError) -> Bool {
        let result = try comparison.holds(left, right)
        context.record(
            path, "\(lhs.describe(left)) \(comparison.readable) \(rhs.describe(right))", .bool(result),
            negation: "\(lhs.name(left)) \(comparison.opposite.readable) \(rhs.name(right))")
        return result
    }

    /// `low <op> middle <op> high`, lazily, with one trace event for the whole "between".
    private static func buildBetween(
        _ comparison: ComparisonOperator, _ low: Node, _ middle: Node, _ high: Node, at path: JSONPointer
    ) -> Node {
        let symbol = comparison.readable
        return Node(
            path: path,
            test: { context throws(LogicError) in
                let a = try low.run(&context)
                let b = try middle.run(&context)
                guard try comparison.holds(a, b) else {
                    context.record(path, "\(low.describe(a)) \(symbol) \(middle.describe(b))", false)
                    return false
                }
                let c = try high.run(&context)
                let result = try comparison.holds(b, c)
                context.record(
                    path, "\(low.describe(a)) \(symbol) \(middle.describe(b)) \(symbol) \(high.describe(c))",
                    .bool(result))
                return result
            })
    }

    /// `a <op> b <op> c <op> ...` for four operands or more, pair by pair, stopping at the first
    /// pair that fails.
    private static func buildChain(_ comparison: ComparisonOperator, _ arguments: [Node], at path: JSONPointer)
        -> Node
    {
        let symbol = comparison.readable
        return Node(
            path: path,
            test: { context throws(LogicError) in
                var previous = try arguments[0].run(&context)
                for index in 1..<arguments.count {
                    let current = try arguments[index].run(&context)
                    let result = try comparison.holds(previous, current)
                    context.record(
                        path,
                        "\(arguments[index - 1].describe(previous)) \(symbol) \(arguments[index].describe(current))",
                        .bool(result))
                    guard result else { return false }
                    previous = current
                }
                return true
            })
    }
}
