import ApprovalJSON

/// Control flow and Boolean logic: `if`/`?:`, `and`, `or`, `!`, `!!`, `??`, `try`, `throw`.
///
/// All of them are lazy: an argument is evaluated only when the result depends on it. Truthiness is
/// ``Coercion/truthy(_:)`` (`false`, `null`, `0`, `""` and `[]` are falsy; `{}` and `"0"` are truthy).
/// `if`, `and`, `or` and `??` need their arguments as an array (`{"if": 5}` is `Invalid Arguments`),
/// so a rule cannot hand them a computed list of branches.
extension Operators {
    static let logic: [OperatorSpec] = [
        OperatorSpec(
            ["if", "?:"], arity: 0...Int.max, needsArgumentArray: true,
            summary: "[cond, then, cond2, then2, ..., else]: the branch of the first truthy condition",
            build: { call throws(CompileProblem) in LogicOperators.conditional(call) }),
        OperatorSpec(
            ["and"], arity: 0...Int.max, needsArgumentArray: true,
            summary: "the first falsy argument, else the last (false when empty)",
            build: { call throws(CompileProblem) in LogicOperators.junction(call, stopsWhenTruthy: false) }),
        OperatorSpec(
            ["or"], arity: 0...Int.max, needsArgumentArray: true,
            summary: "the first truthy argument, else the last (false when empty)",
            build: { call throws(CompileProblem) in LogicOperators.junction(call, stopsWhenTruthy: true) }),
        OperatorSpec(
            ["!"], arity: 0...1, summary: "true when the argument is falsy",
            build: { call throws(CompileProblem) in LogicOperators.truthiness(call, negated: true) }),
        OperatorSpec(
            ["!!"], arity: 0...1, summary: "true when the argument is truthy",
            build: { call throws(CompileProblem) in LogicOperators.truthiness(call, negated: false) }),
        OperatorSpec(
            ["??"], arity: 0...Int.max, needsArgumentArray: true,
            summary: "the first argument that is not null (null when none)",
            build: { call throws(CompileProblem) in LogicOperators.coalesce(call) }),
        OperatorSpec(
            ["try"], arity: 1...Int.max,
            summary: "the first argument that raises no error; fallbacks read the error as their data",
            build: { call throws(CompileProblem) in LogicOperators.attempt(call) }),
        OperatorSpec(
            ["throw"], arity: 1...1, pure: false,
            summary: "raises an error: a string s as {\"type\": s}, an object as it is",
            build: { call throws(CompileProblem) in LogicOperators.raise(call) }),
    ]
}

/// The builders of the logic family.
enum LogicOperators {
    /// `if` (also `?:`): `[c1, v1, c2, v2, ..., else]` evaluates the conditions in order and returns
    /// the value after the first truthy one, else the trailing `else` (`null` when absent).
    /// `[]` is `null`; `[x]` is `x`.
    ///
    /// Constant conditions are decided at compile time: a falsy one drops its branch, a truthy one
    /// ends the chain.
    static func conditional(_ call: OperatorCall) -> Node {
        let arguments = call.arguments
        let path = call.path
        var conditions: [Node] = []
        var branches: [Node] = []
        var fallback = arguments.count % 2 == 1 ? arguments[arguments.count - 1] : Node(constant: .null, path: path)
        var index = 0
        while index + 1 < arguments.count {
            let condition = arguments[index]
            let branch = arguments[index + 1]
            index += 2
            if let value = condition.constant {
                if Coercion.truthy(value) {
                    fallback = branch
                    break
                }
                continue
            }
            conditions.append(condition)
            branches.append(branch)
        }
        let otherwise = fallback
        switch conditions.count {
        case 0:
            return otherwise
        case 1:
            let condition = conditions[0]
            let branch = branches[0]
            return Node(
                path: path,
                run: { context throws(LogicError) in
                    if try condition.test(&context) { return try branch.run(&context) }
                    return try otherwise.run(&context)
                },
                test: { context throws(LogicError) in
                    if try condition.test(&context) { return try branch.test(&context) }
                    return try otherwise.test(&context)
                })
        default:
            let conditions = conditions
            let branches = branches
            return Node(
                path: path,
                run: { context throws(LogicError) in
                    for index in conditions.indices where try conditions[index].test(&context) {
                        return try branches[index].run(&context)
                    }
                    return try otherwise.run(&context)
                },
                test: { context throws(LogicError) in
                    for index in conditions.indices where try conditions[index].test(&context) {
                        return try branches[index].test(&context)
                    }
                    return try otherwise.test(&context)
                })
        }
    }

    /// `and` (`stopsWhenTruthy` false) returns the first falsy argument, or the last one when all
    /// are truthy; `or` returns the first truthy argument, or the last one. Both return `false`
    /// with no arguments (the compat-tables rule; the classic suite does not say).
    ///
    /// Constant arguments are simplified at compile time: one that decides the result ends the
    /// list, one that cannot (and is not last) is dropped.
    static func junction(_ call: OperatorCall, stopsWhenTruthy: Bool) -> Node {
        let path = call.path
        var operands: [Node] = []
        for (index, argument) in call.arguments.enumerated() {
            if let value = argument.constant {
                if Coercion.truthy(value) == stopsWhenTruthy {
                    operands.append(argument)
                    break
                }
                if index < call.arguments.count - 1 { continue }
            }
            operands.append(argument)
        }
        switch operands.count {
        case 0:
            return Node(constant: false, path: path)
        case 1:
            return operands[0]
        case 2:
            let first = operands[0]
            let second = operands[1]
            return Node(
                path: path,
                run: { context throws(LogicError) in
                    let value = try first.run(&context)
                    if Coercion.truthy(value) == stopsWhenTruthy { return value }
                    return try second.run(&context)
                },
                test: { context throws(LogicError) in
                    if try first.test(&context) == stopsWhenTruthy { return stopsWhenTruthy }
                    return try second.test(&context)
                })
        default:
            let operands = operands
            let last = operands.count - 1
            return Node(
                path: path,
                run: { context throws(LogicError) in
                    for index in 0..<last {
                        let value = try operands[index].run(&context)
                        if Coercion.truthy(value) == stopsWhenTruthy { return value }
                    }
                    return try operands[last].run(&context)
                },
                test: { context throws(LogicError) in
                    for index in 0..<last where try operands[index].test(&context) == stopsWhenTruthy {
                        return stopsWhenTruthy
                    }
                    return try operands[last].test(&context)
                })
        }
    }

    /// `!` (`negated`) is true when its argument is falsy; `!!` when it is truthy. The argument may
    /// be bare (`{"!": x}`) or in a one-element array (`{"!": [x]}`); with none, it is `null`'s
    /// truthiness (`{"!": []}` is `true`). A bare argument that evaluates to an array is tested as
    /// that array.
    ///
    /// Traced as the operand's test and its opposite on one line
    /// (``EvaluationContext/recordTruthiness(at:of:value:negated:eventsBefore:)``):
    /// `contract file attached: yes → "no contract file"` (false).
    static func truthiness(_ call: OperatorCall, negated: Bool) -> Node {
        let path = call.path
        guard let operand = call.arguments.first else { return Node(constant: .bool(negated), path: path) }
        return Node(
            path: path,
            test: { context throws(LogicError) in
                // The trace shows the operand's value; otherwise its truthiness is all that is needed.
                guard context.trace != nil else { return try operand.test(&context) != negated }
                let before = context.trace?.events.count ?? 0
                let value = try operand.run(&context)
                let result = Coercion.truthy(value) != negated
                context.recordTruthiness(at: path, of: operand, value: value, negated: negated, eventsBefore: before)
                return result
            })
    }

    /// `??`: the first argument that is not `null` (a missing value reads as `null`); `null` when
    /// every argument is (or there are none). `false`, `0` and `""` are values, not `null`.
    static func coalesce(_ call: OperatorCall) -> Node {
        let path = call.path
        var operands: [Node] = []
        for argument in call.arguments {
            if let value = argument.constant {
                if case .null = value { continue }
                operands.append(argument)
                break
            }
            operands.append(argument)
        }
        switch operands.count {
        case 0:
            return Node(constant: .null, path: path)
        case 1:
            return operands[0]
        default:
            let operands = operands
            return Node(path: path) { context throws(LogicError) in
                for operand in operands {
                    let value = try operand.run(&context)
                    if case .null = value { continue }
                    return value
                }
                return .null
            }
        }
    }

    /// `try`: the value of the first argument that raises no error. When one raises, the next is
    /// evaluated with the error value (e.g. `{"type": "NaN"}`) as its data, so `{"val": "type"}`
    /// reads the error's type; one scope up (`{"val": [[1]]}`) is `null` and two scopes up is the
    /// data around the `try`. When the last argument raises too, its error propagates.
    ///
    /// Resource limits (``LogicError/budgetExceeded``, ``LogicError/tooLong``) are not caught:
    /// they end the evaluation, so a rule cannot hide that it ran out of budget.
    static func attempt(_ call: OperatorCall) -> Node {
        let path = call.path
        let first = call.arguments[0]
        let fallbacks = Array(call.arguments.dropFirst())
        return Node(path: path) { context throws(LogicError) in
            var failure: LogicError
            do throws(LogicError) {
                return try first.run(&context)
            } catch {
                failure = error
            }
            for fallback in fallbacks {
                if isResourceLimit(failure) { throw failure }
                var outer = JSONValue.null
                var caught = failure.value
                let outcome: Result<JSONValue, LogicError> = withUnsafePointer(to: &outer) { outer in
                    withUnsafePointer(to: &caught) { caught in
                        context.scopes.push(outer)
                        context.scopes.push(caught)
                        defer { context.scopes.pop(2) }
                        do throws(LogicError) {
                            return .success(try fallback.run(&context))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                switch outcome {
                case .success(let value): return value
                case .failure(let error): failure = error
                }
            }
            throw failure
        }
    }

    private static func isResourceLimit(_ error: LogicError) -> Bool {
        error == .budgetExceeded || error == .tooLong
    }

    /// `throw`: raises a ``LogicError``. An object is raised as it is (`{"throw": {"var": "e"}}`);
    /// any other value `v` as `{"type": v}`, so `{"throw": "NaN"}` is the same error as a failed
    /// division. `try` catches it.
    static func raise(_ call: OperatorCall) -> Node {
        let operand = call.arguments[0]
        return Node(path: call.path) { context throws(LogicError) in
            let value = try operand.run(&context)
            if case .object = value { throw LogicError(value: value) }
            throw LogicError(value: .object(JSONObject([("type", value)])))
        }
    }
}
