import ApprovalJSON

/// The type a required fact must have.
enum FactType: String, Sendable, CaseIterable {
    case string, number, money, integer, boolean, date, datetime, email, array, object, file, any

    /// Whether `value` (present, not null) has this type.
    func accepts(_ value: JSONValue) -> Bool {
        accepts(value, isAmount: { Money.amount(value) != nil }, timestamp: { value.string.flatMap(Timestamp.init(iso8601:)) })
    }

    /// Whether `value` has this type, given whether it reads as an amount and as what date (an
    /// evaluation passes the readings it caches).
    func accepts(
        _ value: JSONValue, isAmount: () -> Bool, timestamp: () -> Timestamp?
    ) -> Bool {
        switch self {
        case .any: return true
        case .string: return value.string != nil
        case .number: return value.number != nil
        case .money: return isAmount()
        case .integer:
            if case .integer = value { return true }
            if case .double(let number) = value { return number.rounded() == number }
            return false
        case .boolean: return value.bool != nil
        case .date, .datetime:
            guard timestamp() != nil else { return false }
            return self == .datetime || value.string?.utf8.count == 10
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
