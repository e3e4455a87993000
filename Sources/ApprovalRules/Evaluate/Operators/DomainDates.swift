import ApprovalJSON

/// Dates and date-times (ISO 8601), compared as instants in UTC, and differences in days.
/// A value that is not a date raises `Invalid Date`, so a rule never passes on a missing date.
extension Operators {
    static let dates: [OperatorSpec] = [
        dateComparison("before", opposite: "on or after") { $0 < $1 },
        dateComparison("after", opposite: "on or before") { $0 > $1 },
        dateComparison("on_or_before", opposite: "after") { $0 <= $1 },
        dateComparison("on_or_after", opposite: "before") { $0 >= $1 },
        dateComparison("same_day", reads: "on the same day as", opposite: "not on the same day as") {
            $0.day == $1.day
        },
        binary("days_between", summary: "whole calendar days from the first date to the second", dates: true) {
            a, b, _ throws(LogicError) in
            .integer(try timestamp(a).days(until: try timestamp(b)))
        },
        unary("days_until", summary: "whole calendar days from now until the date", pure: false, dates: true) {
            value, context throws(LogicError) in
            .integer(try clock(context).days(until: try timestamp(value)))
        },
        unary("days_since", summary: "whole calendar days from the date until now", pure: false, dates: true) {
            value, context throws(LogicError) in
            .integer(try timestamp(value).days(until: try clock(context)))
        },
    ]

    /// A comparison of two dates. A literal side is parsed once, a root fact once per evaluation.
    /// Traced in words (`effective date 1 March 2025 before 1 January 2024`); `reads` is how the
    /// relation reads (the name in words by default), `opposite` how its negation does.
    private static func dateComparison(
        _ name: String, reads: String? = nil, opposite: String,
        _ test: @escaping @Sendable (Timestamp, Timestamp) -> Bool
    ) -> OperatorSpec {
        let relation = reads ?? Readable.words(name)
        return OperatorSpec([name], arity: 2...2, reads: .date, summary: "compares two dates or date-times") { call in
            let (left, right) = (call.argument(0), call.argument(1))
            let constantRight = right.constant.flatMap { try? timestamp($0) }
            // Typed reads change which error comes first only when the right side can raise.
            let typed = right.constant != nil || right.fact != nil
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    if typed, context.trace == nil {
                        let a = try left.timestamp(&context)
                        if let constantRight { return test(a, constantRight) }
                        return test(a, try right.timestamp(&context))
                    }
                    let a = try left.run(&context)
                    let b = try right.run(&context)
                    let result = test(try timestamp(a), try timestamp(b))
                    context.record(
                        call.path, "\(left.describeDate(a)) \(relation) \(right.describeDate(b))", .bool(result),
                        negation: "\(left.nameDate(a)) \(opposite) \(right.nameDate(b))")
                    return result
                })
        }
    }

    /// A date from a string; raises `Invalid Date` otherwise.
    static func timestamp(_ value: JSONValue) throws(LogicError) -> Timestamp {
        guard case .string(let text) = value, let timestamp = Timestamp(iso8601: text) else {
            throw .domain("Invalid Date", "\(TraceText.value(value)) is not an ISO 8601 date")
        }
        return timestamp
    }

    /// The evaluation's clock; raises `No Clock` when none was given.
    static func clock(_ context: borrowing EvaluationContext) throws(LogicError) -> Timestamp {
        guard let now = context.now else {
            throw .domain("No Clock", "this rule needs the current date; none was given")
        }
        return now
    }
}

extension Node {
    /// How the value reads as a date in a trace: `effective date 1 March 2025`
    /// (``Readable/date(_:)``; a value that is no date reads as it is).
    func describeDate(_ value: JSONValue) -> String {
        Readable.labelled(label, Readable.dateValue(value))
    }

    /// The operand's label, else its date (what the opposite of a comparison names).
    func nameDate(_ value: JSONValue) -> String {
        label ?? Readable.dateValue(value)
    }

    /// The node's value as a date (``Operators/timestamp(_:)``). A root fact is parsed once, in
    /// the evaluation's ``FactBlock``.
    func timestamp(_ context: inout EvaluationContext) throws(LogicError) -> Timestamp {
        guard let fact, context.scopes.isEmpty else { return try Operators.timestamp(try run(&context)) }
        if let date = context.date(fact) { return date }
        return try Operators.timestamp(context[fact].pointee.value)  // raises Invalid Date
    }
}
