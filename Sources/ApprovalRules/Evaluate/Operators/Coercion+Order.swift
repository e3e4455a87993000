import ApprovalJSON

extension Coercion {
    /// How two values order.
    enum Order: Sendable {
        case less, equal, greater
        /// Not comparable (a `NaN` on one side): every relation is false.
        case unordered
    }

    /// JSON Logic's `==`.
    ///
    /// Two strings compare as strings; `null` equals only `null` among strings and `null`. Any
    /// other pair compares as numbers (``number(_:)``, so `1 == "1"`, `0 == false` and
    /// `null == 0`); a side that is no number (a non-numeric string against a number, an array,
    /// an object) raises `NaN`.
    ///
    /// - Throws: ``LogicError/nan``.
    @inline(__always)
    static func looseEquals(_ a: JSONValue, _ b: JSONValue) throws(LogicError) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x == y
        case (.string(let x), .string(let y)): return sameText(x, y)
        case (.null, .null): return true
        case (.null, .string), (.string, .null): return false
        default: return try numericOrder(a, b) == .equal
        }
    }

    /// JSON Logic's `<`, `<=`, `>` and `>=` ordering.
    ///
    /// Two strings order by code point (so ISO dates order correctly); `null` against a string
    /// compares `0` with the string's number (unordered when it has none, as in JavaScript); any
    /// other pair compares as numbers, and a side that is no number raises `NaN`.
    ///
    /// - Throws: ``LogicError/nan``.
    @inline(__always)
    static func looseOrder(_ a: JSONValue, _ b: JSONValue) throws(LogicError) -> Order {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return textOrder(x, y)
        case (.null, .null): return .equal
        case (.null, .string(let text)):
            guard let number = number(parsing: text) else { return .unordered }
            return order(.integer(0), number)
        case (.string(let text), .null):
            guard let number = number(parsing: text) else { return .unordered }
            return order(number, .integer(0))
        default: return try numericOrder(a, b)
        }
    }

    private static func numericOrder(_ a: JSONValue, _ b: JSONValue) throws(LogicError) -> Order {
        guard let x = number(a), let y = number(b) else { throw .nan }
        return order(x, y)
    }

    /// JSON Logic's `===`: same type and value. Integers and reals are one type (`1 === 1.0`), as
    /// in JavaScript; arrays and objects compare member by member (JavaScript would compare
    /// references, which JSON data does not have).
    static func strictEquals(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x == y
        case (.string(let x), .string(let y)): return sameText(x, y)
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.integer(let x), .double(let y)): return order(x, y) == .equal
        case (.double(let x), .integer(let y)): return order(y, x) == .equal
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for index in x.indices where !strictEquals(x[index], y[index]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x.members {
                guard let other = y[key], strictEquals(value, other) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Numeric order, exact between integers and reals of any size.
    @inline(__always)
    static func order(_ a: Number, _ b: Number) -> Order {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return order(x, y)
        case (.integer(let x), .double(let y)): return order(x, y)
        case (.double(let x), .integer(let y)):
            switch order(y, x) {
            case .less: return .greater
            case .greater: return .less
            case let other: return other
            }
        case (.double(let x), .double(let y)):
            if x < y { return .less }
            if x > y { return .greater }
            return x == y ? .equal : .unordered
        }
    }

    @inline(__always)
    static func order(_ x: Int64, _ y: Int64) -> Order {
        x < y ? .less : x == y ? .equal : .greater
    }

    /// Compares an integer with a real without rounding the integer.
    static func order(_ x: Int64, _ y: Double) -> Order {
        if y.isNaN { return .unordered }
        if y >= 9_223_372_036_854_775_808.0 { return .less }  // 2^63
        if y < -9_223_372_036_854_775_808.0 { return .greater }
        let whole = y.rounded(.towardZero)  // within Int64's range here
        let truncated = Int64(whole)
        if x < truncated { return .less }
        if x > truncated { return .greater }
        let fraction = y - whole
        return fraction > 0 ? .less : fraction < 0 ? .greater : .equal
    }
}
