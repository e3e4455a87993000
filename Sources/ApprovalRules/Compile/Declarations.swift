import ApprovalJSON

/// What a rule document declares once for every expression to use: named lists and the currency
/// rate table. Operators receive it at compile time, so names resolve once.
struct Declarations: Sendable {
    /// Named lists (`lists` in the document): name → members.
    var lists: [String: [JSONValue]] = [:]
    /// The currency every amount is converted to before comparing.
    var baseCurrency: String?
    /// Rates: 1 unit of the currency = `rate` units of the base currency, as exact decimals.
    var rates: [String: DecimalNumber] = [:]

    static let none = Declarations()
}
