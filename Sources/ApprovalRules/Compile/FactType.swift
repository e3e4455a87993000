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
        case .date, .datetime:
            guard let text = value.string, let _ = Timestamp(iso8601: text) else { return false }
            return self == .datetime || text.utf8.count == 10
        case .email: return value.string.flatMap(Email.domain) != nil
        case .array: return value.array != nil
        case .object: return value.object != nil
        case .file:
            if case .string(let text) = value { return !text.isEmpty }
            if case .array(let files) = value { return !files.isEmpty }
            return false
        }
    }
}
