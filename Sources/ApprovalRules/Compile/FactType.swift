import ApprovalJSON

/// The type a required fact must have.
enum FactType: String, Sendable, CaseIterable {
    case string, number, money, integer, boolean, date, datetime, email, array, object, file, any

    /// Whether `value` (present, not null) has this type. (Cases are matched without binding
    /// payloads they do not need: checking a required fact copies nothing.)
    @inline(__always)
    func accepts(_ value: JSONValue) -> Bool {
        switch self {
        case .any: return true
        case .string:
            if case .string = value { return true }
            return false
        case .number:
            switch value {
            case .integer, .double: return true
            default: return false
            }
        case .money: return Money.amount(value) != nil
        case .integer:
            if case .integer = value { return true }
            if case .double(let number) = value { return number.rounded() == number }
            return false
        case .boolean:
            if case .bool = value { return true }
            return false
        case .date, .datetime:
            guard case .string(let text) = value else { return false }
            return acceptsDate(value, parsed: Timestamp(iso8601: text) != nil)
        case .email:
            guard case .string(let text) = value else { return false }
            return Email.domain(text) != nil
        case .array:
            if case .array = value { return true }
            return false
        case .object:
            if case .object = value { return true }
            return false
        case .file:
            if case .string(let text) = value { return !text.isEmpty }
            if case .array(let files) = value { return !files.isEmpty }
            return false
        }
    }

    /// For `date` and `datetime`: whether `value` has this type, given whether it `parsed` as an
    /// ISO 8601 date or date-time (an evaluation passes the reading it caches). A `date` is a
    /// calendar date alone (`2025-06-01`).
    @inline(__always)
    func acceptsDate(_ value: JSONValue, parsed: Bool) -> Bool {
        guard parsed else { return false }
        if self == .datetime { return true }
        guard case .string(let text) = value else { return false }
        return text.utf8.count == 10
    }
}
