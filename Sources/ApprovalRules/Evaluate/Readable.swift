import ApprovalJSON

/// How facts read for people: the one place that words fact paths and formats amounts of money,
/// dates and lists, for explanations (``TraceEvent/text``) and for message templates (the
/// `| money`, `| date` and `| list` formatters), so both say the same thing the same way.
///
/// ```swift
/// Readable.label(["variables", "contract_value"])          // "contract value"
/// Readable.money(.string("EUR 240000"), declarations)       // "EUR 240,000.00 (= USD 259,200.00 at 1.08)"
/// Readable.date(.string("2025-03-01"))                     // "1 March 2025"
/// Readable.list(["a@example.com", "b@example.com"])        // "a@example.com, b@example.com"
/// ```
///
/// Only explanations and rendered messages call these: deciding never builds text.
enum Readable {
    // MARK: - Names

    /// A fact path as words: `variables.contract_value` reads `contract value`, the views by what
    /// they hold (`approvers.active` reads `active approvers`, `owner` reads `task owner`).
    static func label(_ steps: [String]) -> String {
        switch steps.count {
        case 1:
            switch steps[0] {
            case "owner": return "task owner"
            case "now": return "evaluation date"
            case "task_id": return "task"
            default: break
            }
        case 2:
            switch (steps[0], steps[1]) {
            case ("approvers", "active"): return "active approvers"
            case ("approvers", "next"): return "next approvers"
            case ("approvers", "all"): return "approvers"
            case ("step_run", "step_name"): return "step"
            default: break
            }
        default: break
        }
        if steps.count > 1 {
            let rest = words(steps.dropFirst())
            switch steps[0] {
            case "variables": return rest
            case "variable_types": return "type of \(rest)"
            case "files_by_variable": return "files for \(rest)"
            default: break
            }
        }
        return words(steps[...])
    }

    /// Identifiers as words: underscores become spaces, path steps are joined by spaces.
    static func words(_ steps: ArraySlice<String>) -> String {
        steps.map { words($0) }.joined(separator: " ")
    }

    /// One identifier as words (`contract_file` reads `contract file`).
    static func words(_ name: String) -> String {
        String(name.map { $0 == "_" ? " " : $0 })
    }

    // MARK: - Values

    /// A value inside an explanation: strings quoted (names keep their exact spelling), lists of
    /// plain values comma-separated (`none` when empty), amounts with a currency as money,
    /// `(missing)` for `null`, anything else as compact JSON; long values shortened and presigned
    /// URL signatures redacted.
    static func value(_ value: JSONValue) -> String {
        switch value {
        case .null:
            return missing
        case .array(let items) where items.allSatisfy(isScalar):
            return TraceText.shortened(list(value))
        case .object:
            if let amount = Money.amount(value), let currency = amount.currency {
                return money(amount.number, currency: currency)
            }
            return TraceText.value(value)
        default:
            return TraceText.value(value)
        }
    }

    /// A labelled value: `contract value EUR 240,000.00`, or the value alone without a label.
    static func labelled(_ label: String?, _ text: String) -> String {
        guard let label else { return text }
        return "\(label) \(text)"
    }

    /// `yes` or `no`.
    static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }

    /// What a missing or `null` fact reads as.
    static let missing = "(missing)"

    // MARK: - Money

    /// An amount as people write it: the currency code, then the number with thousands separators
    /// and at least two decimals (`EUR 240,000.00`; more decimals when the amount has them).
    static func money(_ number: DecimalNumber, currency: String?) -> String {
        let digits = groupedDigits(number)
        guard let currency else { return digits }
        return "\(currency) \(digits)"
    }

    /// A value as an amount, in its own currency (the base currency when it states none), with
    /// its conversion to the base currency when it is in another one:
    /// `EUR 240,000.00 (= USD 259,200.00 at 1.08)`. `nil` when the value is no amount.
    static func money(_ value: JSONValue, _ declarations: Declarations) -> String? {
        guard let amount = Money.amount(value) else { return nil }
        var text = money(amount.number, currency: amount.currency ?? declarations.baseCurrency)
        if let currency = amount.currency, currency != declarations.baseCurrency,
            let rate = declarations.rates[currency], let converted = amount.number.multiplied(by: rate)
        {
            text += " (= \(money(converted, currency: declarations.baseCurrency)) at \(rate))"
        }
        return text
    }

    /// A value as an amount in its own currency (`baseCurrency` when it states none), without
    /// conversion: what `{{... | money}}` prints. `nil` when the value is no amount.
    static func money(_ value: JSONValue, baseCurrency: String?) -> String? {
        guard let amount = Money.amount(value) else { return nil }
        return money(amount.number, currency: amount.currency ?? baseCurrency)
    }

    /// `240000` → `240,000.00`; `-0.0067` → `-0.0067`.
    private static func groupedDigits(_ number: DecimalNumber) -> String {
        var text = number.description
        var sign = ""
        if text.hasPrefix("-") {
            sign = "-"
            text.removeFirst()
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Array(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < 2 { fraction += "0" }
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return "\(sign)\(grouped).\(fraction)"
    }

    // MARK: - Dates

    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// A date as people write it, unambiguously: `1 March 2025` (a date-time reads as its UTC
    /// calendar day). `nil` when the value is not an ISO 8601 date.
    static func date(_ value: JSONValue) -> String? {
        guard case .string(let text) = value, let timestamp = Timestamp(iso8601: text) else { return nil }
        return date(timestamp)
    }

    /// The UTC calendar day of `timestamp`: `1 March 2025`.
    static func date(_ timestamp: Timestamp) -> String {
        let (year, month, day) = Timestamp.civil(fromDays: timestamp.day)
        return "\(day) \(months[Int(month) - 1]) \(year)"
    }

    /// A value that should be a date, in an explanation: the date, or the value as it is.
    static func dateValue(_ value: JSONValue) -> String {
        date(value) ?? self.value(value)
    }

    // MARK: - Lists

    /// A list as text: its items comma-separated, strings unquoted (`a@example.com, b@example.com`),
    /// `none` when empty; anything that is not a list reads as itself. Presigned URL signatures
    /// are redacted.
    static func list(_ value: JSONValue) -> String {
        guard case .array(let items) = value else { return TraceText.plain(value) }
        guard !items.isEmpty else { return "none" }
        return items.map { $0.isNull ? missing : TraceText.plain($0) }.joined(separator: ", ")
    }

    /// Whether `value` is a string, number, Boolean or `null`.
    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: return false
        default: return true
        }
    }
}
