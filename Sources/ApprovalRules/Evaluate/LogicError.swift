public import ApprovalJSON

/// An error raised while evaluating an expression: JSON Logic's error value.
///
/// JSON Logic errors are values (`{"type": "NaN"}`, `{"type": "Invalid Arguments"}`, or whatever
/// a `throw` raised), which `try` can catch and inspect. When a rule's condition raises one, the
/// rule set treats the rule as failing closed (see ``Decision/dataProblems``).
///
/// ```swift
/// do {
///     _ = try LogicExpression(["/": [1, 0]]).evaluate(nil)
/// } catch let error as LogicError {
///     error.type  // "NaN"
/// }
/// ```
public struct LogicError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error value; an object with a `type` for the built-in errors.
    public var value: JSONValue

    /// An error carrying `value`.
    public init(value: JSONValue) {
        self.value = value
    }

    /// An error of the given type (`{"type": type}`).
    public init(type: String) {
        self.value = .object(JSONObject([("type", .string(type))]))
    }

    /// The error's `type` (or the thrown string), when it has one.
    public var type: String? {
        if let type = value["type"]?.string { return type }
        return value.string
    }

    /// A computation gave no number (JSON Logic's `NaN`).
    public static let nan = LogicError(type: "NaN")
    /// An operator got arguments it cannot use.
    public static let invalidArguments = LogicError(type: "Invalid Arguments")
    /// No operator by that name.
    public static let unknownOperator = LogicError(type: "Unknown Operator")
    /// The evaluation used up its step budget (a loop over too much data).
    public static let budgetExceeded = LogicError(type: "Step Budget Exceeded")
    /// A string or array grew past its length limit.
    public static let tooLong = LogicError(type: "Length Limit Exceeded")

    /// The text form, as printed in messages and reports.
    public var description: String { "error \(value)" }
}
