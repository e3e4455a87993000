import ApprovalJSON

/// What a rule document declares once for every expression to use: named lists and the currency
/// rate table. Operators receive it at compile time, so names resolve once.
struct Declarations: Sendable {
    /// Named lists (`lists` in the document): name → members and how strings match them.
    var lists: [String: NamedList] = [:]
    /// The currency every amount is converted to before comparing.
    var baseCurrency: String?
    /// Rates: 1 unit of the currency = `rate` units of the base currency, as exact decimals.
    var rates: [String: DecimalNumber] = [:]

    static let none = Declarations()
}

/// A named list of a rule document: `"name": [...]`, or `"name": {"match": "...", "values": [...]}`.
struct NamedList: Sendable {
    /// How `in_list` and `near_list` compare strings with the list's strings (rules/README.md).
    enum Matching: String, Sendable, CaseIterable {
        /// As a person reads a name: look-alike letters, invisible characters, spacing,
        /// punctuation, case and legal forms ignored (``NameMatching``). The default.
        case name
        /// Case and white space ignored, nothing else.
        case text
        /// The string exactly as written.
        case exact
    }

    var members: [JSONValue]
    var matching: Matching
}
