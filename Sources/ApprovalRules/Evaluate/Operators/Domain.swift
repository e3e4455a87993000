import ApprovalJSON

/// Domain operators: what approval rules need and JSON Logic lacks. Each family has its file.
extension Operators {
    static let domain: [OperatorSpec] = files + email + dates + money + lists + duties

    /// Builds a two-argument operator whose arguments are evaluated first. Traced in words:
    /// `file name "a.pdf" ends with ".pdf"`, or, for operators on two `dates`,
    /// `days between 1 January 2025 and 1 March 2025`.
    static func binary(
        _ name: String, summary: String, pure: Bool = true, dates: Bool = false,
        _ apply: @escaping @Sendable (JSONValue, JSONValue, inout EvaluationContext) throws(LogicError) -> JSONValue
    ) -> OperatorSpec {
        let words = Readable.words(name)
        return OperatorSpec([name], arity: 2...2, pure: pure, summary: summary) { call in
            let (left, right) = (call.argument(0), call.argument(1))
            return Node(path: call.path) { context throws(LogicError) in
                let a = try left.run(&context)
                let b = try right.run(&context)
                let result = try apply(a, b, &context)
                context.record(
                    call.path,
                    dates
                        ? "\(words) \(left.describeDate(a)) and \(right.describeDate(b))"
                        : "\(left.describe(a)) \(words) \(right.describe(b))", result)
                return result
            }
        }
    }

    /// Builds a one-argument operator. Traced in words (`days since effective date 1 March
    /// 2025`, the argument read as a date for operators on `dates`); the node is labelled after
    /// its argument (`days since effective date`), so a comparison of its value names it.
    static func unary(
        _ name: String, summary: String, pure: Bool = true, dates: Bool = false,
        _ apply: @escaping @Sendable (JSONValue, inout EvaluationContext) throws(LogicError) -> JSONValue
    ) -> OperatorSpec {
        let words = Readable.words(name)
        return OperatorSpec([name], arity: 1...1, pure: pure, summary: summary) { call in
            let argument = call.argument(0)
            return Node(path: call.path, label: argument.label.map { "\(words) \($0)" }) {
                context throws(LogicError) in
                let value = try argument.run(&context)
                let result = try apply(value, &context)
                context.record(
                    call.path, "\(words) \(dates ? argument.describeDate(value) : argument.describe(value))", result)
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
