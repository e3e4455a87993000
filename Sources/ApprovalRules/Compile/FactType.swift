import ApprovalJSON

/// The type a required fact must have.
enum FactType: String, Sendable, CaseIterable {
    case string, number, money, integer, boolean, date, datetime, email, array, object, file, any

    /// Whether `value` (present, not null) has this type.
    func accepts(_ value: JSONValue) -> Bool {
        switch self {
        case .any: return true
        case .string: return value.string != nil
        case .number: return value.number != nil
        case .money: return Money.amount(value) != nil
        case .integer:
            if case .integer = value { return true }
            if case .double(let number) = value { return number.rounded() == number }
            return false
        case .boolean: return value.bool != nil
        case .date, .datetime: return acceptsDate(value, parsed: value.string.flatMap(Timestamp.init(iso8601:)) != nil)
        case .email: return value.string.flatMap(Email.domain) != nil
        case .array: return value.array != nil
        case .object: return value.object != nil
        case .file:
            if case .string(let text) = value { return !text.isEmpty }
            if case .array(let files) = value { return !files.isEmpty }
            return false
        }
    }

    /// For `date` and `datetime`: whether `value` has this type, given whether it `parsed` as an
    /// ISO 8601 date or date-time (an evaluation passes the reading it caches). A `date` is a
    /// calendar date alone (`2025-06-01`).
    func acceptsDate(_ value: JSONValue, parsed: Bool) -> Bool {
        guard parsed else { return false }
        return self == .datetime || value.string?.utf8.count == 10
    }
}
