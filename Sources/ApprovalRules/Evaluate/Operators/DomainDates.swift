import ApprovalJSON

/// Dates and date-times (ISO 8601), compared as instants in UTC, and differences in days.
/// A value that is not a date raises `Invalid Date`, so a rule never passes on a missing date.
extension Operators {
    static let dates: [OperatorSpec] = [
        dateComparison("before") { $0 < $1 },
        dateComparison("after") { $0 > $1 },
        dateComparison("on_or_before") { $0 <= $1 },
        dateComparison("on_or_after") { $0 >= $1 },
        dateComparison("same_day") { $0.day == $1.day },
        binary("days_between", summary: "whole calendar days from the first date to the second") { a, b, _ throws(LogicError) in
            .integer(try timestamp(a).days(until: try timestamp(b)))
        },
        unary("days_until", summary: "whole calendar days from now until the date", pure: false) { value, context throws(LogicError) in
            .integer(try clock(context).days(until: try timestamp(value)))
        },
        unary("days_since", summary: "whole calendar days from the date until now", pure: false) { value, context throws(LogicError) in
            .integer(try timestamp(value).days(until: try clock(context)))
        },
    ]

    private static func dateComparison(_ name: String, _ test: @escaping @Sendable (Timestamp, Timestamp) -> Bool)
        -> OperatorSpec
    {
        binary(name, summary: "compares two dates or date-times") { a, b, _ throws(LogicError) in
            .bool(test(try timestamp(a), try timestamp(b)))
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
    static func clock(_ context: EvaluationContext) throws(LogicError) -> Timestamp {
        guard let now = context.now else { throw .domain("No Clock", "this rule needs the current date; none was given") }
        return now
    }
}
