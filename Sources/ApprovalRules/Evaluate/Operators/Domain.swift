import ApprovalJSON

/// Domain operators: what approval rules need and JSON Logic lacks. Each family has its file.
extension Operators {
    static let domain: [OperatorSpec] = files + email + dates + money + lists + duties

    /// Builds a two-argument operator whose arguments are evaluated first.
    static func binary(
        _ name: String, summary: String, pure: Bool = true,
        _ apply: @escaping @Sendable (JSONValue, JSONValue, inout EvaluationContext) throws(LogicError) -> JSONValue
    ) -> OperatorSpec {
        OperatorSpec([name], arity: 2...2, pure: pure, summary: summary) { call in
            let (left, right) = (call.argument(0), call.argument(1))
            return Node(path: call.path) { context throws(LogicError) in
                let a = try left.run(&context)
                let b = try right.run(&context)
                let result = try apply(a, b, &context)
                context.record(call.path, "\(left.describe(a)) \(name) \(right.describe(b))", result)
                return result
            }
        }
    }

    /// Builds a one-argument operator.
    static func unary(
        _ name: String, summary: String, pure: Bool = true,
        _ apply: @escaping @Sendable (JSONValue, inout EvaluationContext) throws(LogicError) -> JSONValue
    ) -> OperatorSpec {
        OperatorSpec([name], arity: 1...1, pure: pure, summary: summary) { call in
            let argument = call.argument(0)
            return Node(path: call.path) { context throws(LogicError) in
                let value = try argument.run(&context)
                let result = try apply(value, &context)
                context.record(call.path, "\(name) \(argument.describe(value))", result)
                return result
            }
        }
    }
}

extension LogicError {
    /// An error with a type and a readable detail (`{"type": ..., "detail": ...}`).
    static func domain(_ type: String, _ detail: String) -> LogicError {
        LogicError(value: ["type": .string(type), "detail": .string(detail)])
    }
}
