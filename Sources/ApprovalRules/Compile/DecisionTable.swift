import ApprovalJSON

/// A decision table of a rule document (`tables`), as the compiler reads it: named inputs, rows of
/// cells, and how the rows that match one input combine (the hit policy).
///
/// ```json
/// {"id": "doa", "hit_policy": "first",
///  "inputs": [{"name": "contract value", "fact": "variables.contract_value", "type": "money"},
///             {"name": "department", "fact": "variables.department", "type": "string"}],
///  "rows": [{"when": ["< 50000", "-"], "recommend": "approve"},
///           {"when": ["[50000, 250000)", ["legal", "it"]], "recommend": "hold", "escalate": {...}}]}
/// ```
///
/// Each row compiles to a rule (`doa/row-2`); ``DecisionTableAnalysis`` finds gaps, overlaps,
/// rows that never win and conflicting outputs, each with an example input.
struct DecisionTable {
    /// How the rows that match one input combine.
    enum HitPolicy: String, CaseIterable {
        /// The first matching row, in table order, fires.
        case first
        /// At most one row may match any input (overlaps are errors); that row fires.
        case unique
        /// Every matching row fires (their recommendations combine by the document's strategy).
        case collect
        /// The matching row with the most restrictive recommendation fires (ties: the first).
        case priority
    }

    /// What kind of value an input holds, which decides the cells it accepts.
    enum InputType: String, CaseIterable {
        /// An amount (`{"amount": "1200.50", "currency": "EUR"}`, a number in the base currency),
        /// compared with the `money` operators after conversion; cells are intervals.
        case money
        /// A JSON number; cells are intervals.
        case number
        /// A string; cells are a string or an array of strings (exact match).
        case string
        /// `true` or `false`; cells are `true` or `false`.
        case boolean
        /// Whether a file is attached for a variable (`has_file`); cells are `true` or `false`.
        case file

        /// The fact type a required input of this type must have.
        var factType: FactType? {
            switch self {
            case .money: return .money
            case .number: return .number
            case .string: return .string
            case .boolean: return .boolean
            case .file: return nil
            }
        }
    }

    struct Input {
        /// How messages name the input (`contract value`).
        var name: String
        /// The fact path (`variables.contract_value`); for a file input, the variable id.
        var fact: String
        var type: InputType
        /// Whether a decision needs the input (it then joins the document's required facts).
        var required: Bool
    }

    /// What a cell accepts.
    enum Cell: Equatable {
        /// `-`: any value (also a missing one).
        case any
        /// An interval of numbers or amounts (`[50000, 250000)`, `>= 1000000`, `100`).
        case interval(TierAnalysis.Interval)
        /// A string or one of several (`"legal"`, `["msa", "sow"]`).
        case strings([String])
        /// `true` or `false` (a Boolean input, or whether a file is attached).
        case bool(Bool)

        /// Whether `value` (a representative of the input's domain) falls in the cell.
        func contains(_ value: Sample) -> Bool {
            switch (self, value) {
            case (.any, _): return true
            case (.interval(let interval), .number(let number)):
                return interval.contains(TierAnalysis.Interval(point: number))
            case (.strings(let strings), .string(let text)): return strings.contains(text)
            case (.bool(let wanted), .bool(let actual)): return wanted == actual
            default: return false
            }
        }
    }

    /// One value of an input's domain, standing for a region of values no cell tells apart.
    enum Sample: Equatable {
        case number(Double)
        case string(String)
        case bool(Bool)
    }

    struct Row {
        var cells: [Cell]
        /// The recommendation, for the `priority` hit policy and conflict findings.
        var recommendation: Recommendation?
        /// The row's outputs as written (recommendation, reason, escalations), to tell conflicting
        /// rows from rows that agree.
        var outputs: JSONValue
    }

    var id: String
    var hitPolicy: HitPolicy
    var inputs: [Input]
    var rows: [Row]
    /// Whether the table has a `default` output (no row matching is then no gap).
    var hasDefault: Bool

    /// A bound or sample as JSON: an integer when it is one, else a real.
    static func json(_ number: Double) -> JSONValue {
        if number.rounded() == number, abs(number) < 1e15 { return .integer(Int64(number)) }
        return .double(number)
    }

    /// The id of the rule row `index` (0-based) compiles to: `doa/row-3` for the third row.
    static func ruleID(table: String, row index: Int) -> String { "\(table)/row-\(index + 1)" }
}

extension DecisionTable.Cell {
    /// Reads a cell of an input of type `type`; the message says what was expected when it is
    /// not one.
    static func parse(_ value: JSONValue, type: DecisionTable.InputType) -> Result<Self, CellError> {
        if case .string("-") = value { return .success(.any) }
        switch type {
        case .money, .number:
            switch value {
            case .integer, .double:
                guard let number = DecimalNumber(value)?.doubleValue else { break }
                return .success(.interval(TierAnalysis.Interval(point: number)))
            case .string(let text):
                if let interval = Self.interval(text) { return .success(.interval(interval)) }
            default: break
            }
            return .failure(
                CellError(
                    "expected an interval such as \"[50000, 250000)\", a comparison such as \">= 1000000\", a number or \"-\", not \(TraceText.value(value))"
                ))
        case .string:
            switch value {
            case .string(let text): return .success(.strings([text]))
            case .array(let elements) where !elements.isEmpty:
                let strings = elements.compactMap(\.string)
                if strings.count == elements.count { return .success(.strings(strings)) }
            default: break
            }
            return .failure(
                CellError("expected a string, a non-empty array of strings or \"-\", not \(TraceText.value(value))"))
        case .boolean, .file:
            if case .bool(let flag) = value { return .success(.bool(flag)) }
            return .failure(CellError("expected true, false or \"-\", not \(TraceText.value(value))"))
        }
    }

    struct CellError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// `[a, b]`, `[a, b)`, `(a, b]`, `(a, b)`, `< a`, `<= a`, `> a`, `>= a`, `= a`, or a number.
    private static func interval(_ text: String) -> TierAnalysis.Interval? {
        let trimmed = text.trimmingASCIIWhitespace()
        guard let first = trimmed.first else { return nil }
        func number(_ part: Substring) -> Double? {
            DecimalNumber(text: String(part).trimmingASCIIWhitespace())?.doubleValue
        }
        if first == "[" || first == "(" {
            guard let last = trimmed.last, last == "]" || last == ")" else { return nil }
            let parts = trimmed.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let low = number(parts[0]), let high = number(parts[1]) else { return nil }
            return TierAnalysis.Interval(lower: low, lowerClosed: first == "[", upper: high, upperClosed: last == "]")
        }
        for symbol in ["<=", ">=", "<", ">", "="] where trimmed.hasPrefix(symbol) {
            // Longest symbols first, so `<=` is not read as `<` followed by `=...`.
            guard let bound = number(trimmed.dropFirst(symbol.count)) else { return nil }
            switch symbol {
            case "<=": return TierAnalysis.Interval(upper: bound, upperClosed: true)
            case ">=": return TierAnalysis.Interval(lower: bound, lowerClosed: true)
            case "<": return TierAnalysis.Interval(upper: bound, upperClosed: false)
            case ">": return TierAnalysis.Interval(lower: bound, lowerClosed: false)
            default: return TierAnalysis.Interval(point: bound)
            }
        }
        return number(Substring(trimmed)).map { TierAnalysis.Interval(point: $0) }
    }
}

extension TierAnalysis.Interval {
    /// The interval holding `value` alone.
    init(point value: Double) {
        self.init(lower: value, lowerClosed: true, upper: value, upperClosed: true)
    }

    /// The finite bounds, for cutting a domain into regions no interval tells apart.
    var finiteBounds: [Double] { [lower, upper].filter(\.isFinite) }
}
