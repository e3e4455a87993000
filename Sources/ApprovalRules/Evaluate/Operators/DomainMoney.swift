import ApprovalJSON

/// Amounts of money: exact decimals, from numbers, numeric strings (`"50000.00"`) and values with
/// a currency (`{"amount": "1200.50", "currency": "EUR"}`, `"EUR 1200.50"`), converted to the
/// rule document's base currency through its rate table before comparing.
enum Money {
    /// A number with the currency it states, if any.
    struct Amount {
        let number: DecimalNumber
        let currency: String?
    }

    /// The amount and its currency (when stated), or `nil` when the value is no amount.
    static func amount(_ value: JSONValue) -> Amount? {
        switch value {
        case .integer, .double:
            return DecimalNumber(value).map { Amount(number: $0, currency: nil) }
        case .string:
            if let number = DecimalNumber(value) { return Amount(number: number, currency: nil) }
            guard case .string(let text) = value else { return nil }
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { return nil }
            if isCurrencyCode(parts[0]), let number = DecimalNumber(text: String(parts[1])) {
                return Amount(number: number, currency: parts[0].uppercased())
            }
            if isCurrencyCode(parts[1]), let number = DecimalNumber(text: String(parts[0])) {
                return Amount(number: number, currency: parts[1].uppercased())
            }
            return nil
        case .object(let object):
            guard let raw = object["amount"] ?? object["value"], let number = DecimalNumber(raw) else { return nil }
            guard let currency = object["currency"] else { return Amount(number: number, currency: nil) }
            guard case .string(let code) = currency, isCurrencyCode(Substring(code)) else { return nil }
            return Amount(number: number, currency: code.uppercased())
        default:
            return nil
        }
    }

    static func isCurrencyCode(_ text: Substring) -> Bool {
        text.utf8.count == 3 && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
    }

    /// The amount in the base currency; raises `NaN` for no amount and `Unknown Currency` for a
    /// currency without a rate.
    static func base(_ value: JSONValue, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        guard let amount = amount(value) else {
            throw .domain("NaN", "\(TraceText.value(value)) is not an amount")
        }
        return try convert(amount, declarations)
    }

    /// An amount converted to the base currency; raises `Unknown Currency` for a currency without
    /// a rate.
    static func convert(_ amount: Amount, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        let number = amount.number
        guard let currency = amount.currency, currency != declarations.baseCurrency else { return number }
        guard let rate = declarations.rates[currency] else {
            throw .domain("Unknown Currency", "no rate for \(currency) in the rule document's currency table")
        }
        guard let converted = number.multiplied(by: rate) else { throw .domain("NaN", "amount too large") }
        return converted
    }
}

extension Node {
    /// The node's value as an amount in the base currency (``Money/base(_:_:)``). A root fact is
    /// parsed once per evaluation, however many comparisons quote it.
    func money(_ context: inout EvaluationContext, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        guard let fact, context.scopes.isEmpty else { return try Money.base(try run(&context), declarations) }
        return try context.money(fact)
    }

    /// How the value reads as an amount in a trace: `contract value EUR 240,000.00 (= USD
    /// 259,200.00 at 1.08)` (``Readable/money(_:_:)``).
    func describeMoney(_ value: JSONValue, _ declarations: Declarations) -> String {
        Readable.labelled(label, Readable.money(value, declarations) ?? Readable.value(value))
    }

    /// The operand's label, else its amount (what the opposite of a comparison names).
    func nameMoney(_ value: JSONValue, _ declarations: Declarations) -> String {
        label ?? Readable.money(value, baseCurrency: declarations.baseCurrency) ?? Readable.value(value)
    }
}

extension Operators {
    static let money: [OperatorSpec] =
        [
            moneyComparison("money>", ">", opposite: "≤") { $0 > $1 },
            moneyComparison("money>=", "≥", opposite: "<") { $0 >= $1 },
            moneyComparison("money<", "<", opposite: "≥") { $0 < $1 },
            moneyComparison("money<=", "≤", opposite: ">") { $0 <= $1 },
            moneyComparison("money==", "=", opposite: "≠") { $0 == $1 },
            OperatorSpec(["money"], arity: 1...1, summary: "the amount in the base currency, as a number") { call in
                let argument = call.argument(0)
                let declarations = call.declarations
                return Node(path: call.path, label: argument.label) { context throws(LogicError) in
                    try Money.base(try argument.run(&context), declarations).json
                }
            },
        ]

    /// A comparison of two amounts; traced with both amounts in their currencies and any
    /// conversion (`contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) ≥ USD 250,000.00`),
    /// `opposite` naming the relation of its negation.
    private static func moneyComparison(
        _ name: String, _ symbol: String, opposite: String,
        _ test: @escaping @Sendable (DecimalNumber, DecimalNumber) -> Bool
    ) -> OperatorSpec {
        OperatorSpec(
            [name], arity: 2...2, reads: .amount,
            summary: "compares two amounts exactly (\(symbol)), converting currencies"
        ) {
            call throws(CompileProblem) in
            let (left, right) = (call.argument(0), call.argument(1))
            let declarations = call.declarations
            for node in [left, right] {
                if let constant = node.constant, let currency = Money.amount(constant)?.currency,
                    currency != declarations.baseCurrency, declarations.rates[currency] == nil
                {
                    throw CompileProblem(.unknownCurrency, "no rate declared for currency \(currency)", at: node.path)
                }
            }
            // A constant side is converted once.
            let constantRight = right.constant.flatMap { try? Money.base($0, declarations) }
            return Node(
                path: call.path,
                test: { context throws(LogicError) in
                    if context.trace == nil {
                        let amountA = try left.money(&context, declarations)
                        if let constantRight { return test(amountA, constantRight) }
                        return test(amountA, try right.money(&context, declarations))
                    }
                    let a = try left.run(&context)
                    let amountA = try Money.base(a, declarations)
                    let b: JSONValue
                    let amountB: DecimalNumber
                    if let constantRight {
                        b = right.constant ?? .null
                        amountB = constantRight
                    } else {
                        b = try right.run(&context)
                        amountB = try Money.base(b, declarations)
                    }
                    let result = test(amountA, amountB)
                    context.record(
                        call.path,
                        "\(left.describeMoney(a, declarations)) \(symbol) \(right.describeMoney(b, declarations))",
                        .bool(result),
                        negation: "\(left.nameMoney(a, declarations)) \(opposite) \(right.nameMoney(b, declarations))")
                    return result
                })
        }
    }
}
