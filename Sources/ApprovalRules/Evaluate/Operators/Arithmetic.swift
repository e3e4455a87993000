import ApprovalJSON

/// Arithmetic: `+`, `-`, `*`, `/`, `%`, `max`, `min`.
///
/// Operands convert with ``Coercion/number(_:)`` (JavaScript's `Number()`: `"12"` is 12, `null`
/// and `false` are 0, `true` is 1); an operand that is no number (`"abc"`, an array, an object)
/// raises `NaN`, as does a result that is not a finite number (`0 / 0`, `1 / 0`). Integers stay
/// integers while the result is exact and fits in 64 bits (overflow falls back to a real), so
/// `{"/": [6, 3]}` is `2` and `{"/": [1, 2]}` is `0.5`.
///
/// A single bare argument that evaluates to an array supplies the operands
/// (`{"+": {"var": "amounts"}}` sums the list), as in the compat-tables "chained" cases; an array
/// written in place is one operand (`{"+": [[1]]}` is `NaN`).
extension Operators {
    static let arithmetic: [OperatorSpec] = [
        OperatorSpec(
            ["+"], arity: 0...Int.max, summary: "sum (0 when empty); one operand converts it to a number",
            build: { call throws(CompileProblem) in try ArithmeticOperator.add.build(call) }),
        OperatorSpec(
            ["-"], arity: 1...Int.max, summary: "first minus the others; one operand negates it",
            build: { call throws(CompileProblem) in try ArithmeticOperator.subtract.build(call) }),
        OperatorSpec(
            ["*"], arity: 0...Int.max, summary: "product (1 when empty)",
            build: { call throws(CompileProblem) in try ArithmeticOperator.multiply.build(call) }),
        OperatorSpec(
            ["/"], arity: 1...Int.max, summary: "first divided by the others; one operand gives 1/x",
            build: { call throws(CompileProblem) in try ArithmeticOperator.divide.build(call) }),
        OperatorSpec(
            ["%"], arity: 0...Int.max, summary: "remainder of the first by the others (sign of the dividend)",
            build: { call throws(CompileProblem) in try ArithmeticOperator.remainder.build(call) }),
        OperatorSpec(
            ["max"], arity: 0...Int.max, summary: "the largest of one or more numbers",
            build: { call throws(CompileProblem) in try ExtremeOperator(largest: true).build(call) }),
        OperatorSpec(
            ["min"], arity: 0...Int.max, summary: "the smallest of one or more numbers",
            build: { call throws(CompileProblem) in try ExtremeOperator(largest: false).build(call) }),
    ]
}

/// The operands of a variadic operator as the compiler sees them.
enum VariadicOperands {
    /// A fixed list of argument nodes.
    case nodes([Node])
    /// One bare argument computed at run time: an array result supplies the operands, any other
    /// value is the single operand.
    case spread(Node)

    /// The operands of `call`. A bare argument that is a constant array (a folded `preserve` or
    /// `merge`) is spread at compile time.
    init(_ call: OperatorCall) {
        guard !call.operation.argumentsWereArray, call.arguments.count == 1 else {
            self = .nodes(call.arguments)
            return
        }
        let argument = call.arguments[0]
        guard let value = argument.constant else {
            self = .spread(argument)
            return
        }
        if case .array(let elements) = value {
            self = .nodes(elements.map { Node(constant: $0, path: argument.path) })
        } else {
            self = .nodes([argument])
        }
    }
}

/// `+`, `-`, `*`, `/` and `%`.
enum ArithmeticOperator: Sendable {
    /// `+`: the sum; `[]` is 0; `[x]` (or bare `x`) converts x to a number (`{"+": "3"}` is 3).
    case add
    /// `-`: the first operand minus the others, left to right; `[x]` is `-x`; `[]` is
    /// `Invalid Arguments`.
    case subtract
    /// `*`: the product; `[]` is 1; `[x]` converts x to a number.
    case multiply
    /// `/`: the first operand divided by the others, left to right; `[x]` is `1 / x`; `[]` is
    /// `Invalid Arguments`; dividing by zero (or by `null`, `false`, `""`) raises `NaN`. Integers
    /// divide to an integer when exact, else to a real.
    case divide
    /// `%`: the remainder of the first operand by the others, left to right, with the sign of the
    /// dividend (`-8 % 3` is `-2`, as in JavaScript and Swift); fewer than two operands is
    /// `Invalid Arguments`; a zero divisor raises `NaN`.
    case remainder

    /// How many operands the operator needs.
    var minimumCount: Int {
        switch self {
        case .add, .multiply: return 0
        case .subtract, .divide: return 1
        case .remainder: return 2
        }
    }

    /// The name, for diagnostics.
    var symbol: String {
        switch self {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .remainder: return "%"
        }
    }

    // MARK: - Building

    /// Builds the node, with closures specialised for one and two operands.
    ///
    /// - Throws: ``CompileProblem`` when the operands written cannot be enough.
    func build(_ call: OperatorCall) throws(CompileProblem) -> Node {
        let path = call.path
        let operation = self
        switch VariadicOperands(call) {
        case .spread(let argument):
            return Node(path: path) { context throws(LogicError) in
                let value = try argument.run(&context)
                if case .array(let elements) = value { return try operation.apply(elements) }
                return try operation.apply(CollectionOfOne(value))
            }
        case .nodes(let operands):
            guard operands.count >= minimumCount else {
                let noun = minimumCount == 1 ? "operand" : "operands"
                throw CompileProblem(
                    .wrongArity, "\"\(symbol)\" takes at least \(minimumCount) \(noun), got \(operands.count)",
                    at: call.operation.namePath)
            }
            switch operands.count {
            case 0:
                return Node(constant: self == .add ? 0 : 1, path: path)
            case 1:
                let operand = operands[0]
                return Node(path: path) { context throws(LogicError) in
                    try operation.unary(try Coercion.requireNumber(try operand.run(&context))).json()
                }
            case 2:
                let lhs = operands[0]
                let rhs = operands[1]
                return Node(path: path) { context throws(LogicError) in
                    let a = try lhs.run(&context)
                    let b = try rhs.run(&context)
                    if case .integer(let x) = a, case .integer(let y) = b {
                        return try operation.combine(x, y).json()
                    }
                    return try operation.combine(try Coercion.requireNumber(a), try Coercion.requireNumber(b)).json()
                }
            default:
                return Node(path: path) { context throws(LogicError) in
                    var result = try Coercion.requireNumber(try operands[0].run(&context))
                    for index in 1..<operands.count {
                        result = try operation.combine(
                            result, try Coercion.requireNumber(try operands[index].run(&context)))
                    }
                    return try result.json()
                }
            }
        }
    }

    // MARK: - Semantics

    /// Applies the operator to operands known only at run time.
    ///
    /// - Throws: ``LogicError/invalidArguments`` for too few operands, ``LogicError/nan``.
    func apply<Values: Collection<JSONValue>>(_ values: Values) throws(LogicError) -> JSONValue {
        guard values.count >= minimumCount else { throw .invalidArguments }
        var iterator = values.makeIterator()
        guard let first = iterator.next() else { return self == .add ? 0 : 1 }
        var result = try Coercion.requireNumber(first)
        guard let second = iterator.next() else { return try unary(result).json() }
        result = try combine(result, try Coercion.requireNumber(second))
        while let next = iterator.next() {
            result = try combine(result, try Coercion.requireNumber(next))
        }
        return try result.json()
    }

    /// The operator on one operand.
    ///
    /// - Throws: ``LogicError/nan`` (`1 / 0`), ``LogicError/invalidArguments`` (`%`).
    func unary(_ value: Coercion.Number) throws(LogicError) -> Coercion.Number {
        switch self {
        case .add, .multiply: return value
        case .subtract: return Self.negate(value)
        case .divide: return try Self.divide(.integer(1), value)
        case .remainder: throw .invalidArguments
        }
    }

    /// The operator on two integers (the allocation-free common case).
    ///
    /// - Throws: ``LogicError/nan`` for a zero divisor.
    @inline(__always)
    func combine(_ x: Int64, _ y: Int64) throws(LogicError) -> Coercion.Number {
        switch self {
        case .add:
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .integer(sum)
        case .subtract:
            let (difference, overflow) = x.subtractingReportingOverflow(y)
            return overflow ? .double(Double(x) - Double(y)) : .integer(difference)
        case .multiply:
            let (product, overflow) = x.multipliedReportingOverflow(by: y)
            return overflow ? .double(Double(x) * Double(y)) : .integer(product)
        case .divide:
            return try Self.divide(.integer(x), .integer(y))
        case .remainder:
            guard y != 0 else { throw .nan }
            let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
            return .integer(overflow ? 0 : remainder)  // only Int64.min % -1 overflows; it is 0
        }
    }

    /// The operator on two numbers.
    ///
    /// - Throws: ``LogicError/nan`` for a zero divisor.
    @inline(__always)
    func combine(_ a: Coercion.Number, _ b: Coercion.Number) throws(LogicError) -> Coercion.Number {
        if case .integer(let x) = a, case .integer(let y) = b { return try combine(x, y) }
        let x = a.doubleValue
        let y = b.doubleValue
        switch self {
        case .add: return .double(x + y)
        case .subtract: return .double(x - y)
        case .multiply: return .double(x * y)
        case .divide: return try Self.divide(a, b)
        case .remainder:
            guard y != 0 else { throw .nan }
            return .double(x.truncatingRemainder(dividingBy: y))
        }
    }

    private static func negate(_ value: Coercion.Number) -> Coercion.Number {
        switch value {
        case .integer(let x):
            let (negated, overflow) = Int64(0).subtractingReportingOverflow(x)
            return overflow ? .double(-Double(x)) : .integer(negated)
        case .double(let x):
            return .double(-x)
        }
    }

    private static func divide(_ a: Coercion.Number, _ b: Coercion.Number) throws(LogicError) -> Coercion.Number {
        switch (a, b) {
        case (_, .integer(0)):
            throw .nan
        case (.integer(let x), .integer(let y)):
            let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
            if !overflow, remainder == 0 {
                let (quotient, overflow) = x.dividedReportingOverflow(by: y)
                if !overflow { return .integer(quotient) }
            }
            return .double(Double(x) / Double(y))
        default:
            let y = b.doubleValue
            guard y != 0 else { throw .nan }
            return .double(a.doubleValue / y)
        }
    }
}

/// `max` and `min`: the largest (smallest) of one or more numbers, returned as written (an integer
/// stays an integer). Following the json-logic-engine suites, operands are not converted: a string,
/// Boolean, `null`, array or object operand, or no operand at all, is `Invalid Arguments`. A bare
/// argument that evaluates to an array supplies the operands (`{"max": {"var": "bids"}}`).
struct ExtremeOperator: Sendable {
    let largest: Bool

    /// Builds the node.
    ///
    /// - Throws: ``CompileProblem`` for an empty operand list.
    func build(_ call: OperatorCall) throws(CompileProblem) -> Node {
        let path = call.path
        let extreme = self
        switch VariadicOperands(call) {
        case .spread(let argument):
            return Node(path: path) { context throws(LogicError) in
                let value = try argument.run(&context)
                if case .array(let elements) = value { return try extreme.apply(elements) }
                return try extreme.apply(CollectionOfOne(value))
            }
        case .nodes(let operands):
            guard !operands.isEmpty else {
                throw CompileProblem(
                    .wrongArity, "\"\(largest ? "max" : "min")\" takes at least 1 operand, got 0",
                    at: call.operation.namePath)
            }
            return Node(path: path) { context throws(LogicError) in
                var best = try operands[0].run(&context)
                guard let first = Self.number(best) else { throw .invalidArguments }
                var bestNumber = first
                for index in 1..<operands.count {
                    let value = try operands[index].run(&context)
                    guard let number = Self.number(value) else { throw .invalidArguments }
                    if extreme.prefers(number, over: bestNumber) {
                        best = value
                        bestNumber = number
                    }
                }
                return best
            }
        }
    }

    /// Applies the operator to operands known only at run time.
    ///
    /// - Throws: ``LogicError/invalidArguments``.
    func apply<Values: Collection<JSONValue>>(_ values: Values) throws(LogicError) -> JSONValue {
        var best: (value: JSONValue, number: Coercion.Number)?
        for value in values {
            guard let number = Self.number(value) else { throw .invalidArguments }
            if let current = best, !prefers(number, over: current.number) { continue }
            best = (value, number)
        }
        guard let best else { throw .invalidArguments }
        return best.value
    }

    private func prefers(_ candidate: Coercion.Number, over current: Coercion.Number) -> Bool {
        Coercion.order(candidate, current) == (largest ? .greater : .less)
    }

    /// The number an operand is, without conversion.
    private static func number(_ value: JSONValue) -> Coercion.Number? {
        switch value {
        case .integer(let x): return .integer(x)
        case .double(let x): return x.isNaN ? nil : .double(x)
        default: return nil
        }
    }
}
