import ApprovalJSON

/// JSON Logic's value conversions, in one place: truthiness, numbers, strings, equality and order.
///
/// The rules follow JavaScript, which JSON Logic was defined in, where that is well defined, and the
/// json-logic org's compatibility suite where JavaScript is not (it raises `NaN` instead of
/// comparing an array with a number, for instance). Strings compare by Unicode code point (their
/// UTF-8 bytes); JavaScript compares UTF-16 code units, which orders differently only characters
/// beyond U+FFFF against U+E000–U+FFFF.
enum Coercion {
    /// JSON Logic truthiness: `false`, `null`, `0`, `""` and `[]` are false; everything else,
    /// including `{}` and `"0"`, is true.
    @inline(__always)
    static func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .integer(let number): return number != 0
        case .double(let number): return number != 0 && !number.isNaN
        case .string(let text): return !text.isEmpty
        case .array(let elements): return !elements.isEmpty
        case .object: return true
        }
    }
}

// MARK: - Numbers

extension Coercion {
    /// A number as JSON Logic computes with it: an exact integer while the values are integers and
    /// the results fit in 64 bits, otherwise a real.
    enum Number: Sendable, Hashable {
        case integer(Int64)
        case double(Double)

        /// The value as a `Double` (rounded when the integer has more than 53 bits).
        var doubleValue: Double {
            switch self {
            case .integer(let value): return Double(value)
            case .double(let value): return value
            }
        }

        /// The number as a JSON value, as it is (no check for finiteness; for messages and traces).
        var jsonValue: JSONValue {
            switch self {
            case .integer(let value): return .integer(value)
            case .double(let value): return .double(value)
            }
        }

        /// The number as a JSON value. A non-finite real (which JSON cannot hold) raises `NaN`;
        /// `-0` becomes `0`.
        ///
        /// - Throws: ``LogicError/nan``.
        @inline(__always)
        func json() throws(LogicError) -> JSONValue {
            switch self {
            case .integer(let value): return .integer(value)
            case .double(let value):
                guard value.isFinite else { throw .nan }
                return .double(value == 0 ? 0 : value)
            }
        }
    }

    /// JavaScript's `Number(value)`, or `nil` where that is `NaN`: `null` is 0, Booleans are 0 and
    /// 1, strings are parsed (see ``number(parsing:)``), arrays and objects are not numbers.
    @inline(__always)
    static func number(_ value: JSONValue) -> Number? {
        switch value {
        case .integer(let number): return .integer(number)
        case .double(let number): return number.isNaN ? nil : .double(number)
        case .null: return .integer(0)
        case .bool(let flag): return .integer(flag ? 1 : 0)
        case .string(let text): return number(parsing: text)
        case .array, .object: return nil
        }
    }

    /// ``number(_:)``, raising `NaN` where there is no number.
    ///
    /// - Throws: ``LogicError/nan``.
    @inline(__always)
    static func requireNumber(_ value: JSONValue) throws(LogicError) -> Number {
        guard let number = number(value) else { throw .nan }
        return number
    }

    /// JavaScript's `Number(string)`: surrounding white space is ignored, an empty string is 0,
    /// decimal literals (`"12"`, `"-1.5"`, `".5"`, `"1e2"`), `0x`/`0o`/`0b` integers and
    /// `Infinity` are numbers, anything else is `nil` (`NaN`). Integer literals that fit stay
    /// integers.
    ///
    /// Plain ASCII literals (the usual `"1250.50"`) are read in place without allocating; a real
    /// whose digits and exponent are small enough to be exact in a `Double` is computed directly
    /// (one correctly rounded multiplication or division), anything else goes to `strtod`.
    static func number(parsing text: String) -> Number? {
        var contiguous = text
        switch contiguous.withUTF8(quickNumber) {
        case .number(let number): return number
        case .notANumber: return nil
        case .undecided: break
        }
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isWhiteSpace(scalars[start]) { start = scalars.index(after: start) }
        while start < end, isWhiteSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        let body = Substring(scalars[start..<end])
        if body.isEmpty { return .integer(0) }
        return numericLiteral(body)
    }

    private enum QuickParse {
        case number(Number)
        case notANumber
        /// Needs the general parser (Unicode white space, radix prefixes, `Infinity`, many digits,
        /// a large exponent).
        case undecided
    }

    /// Powers of ten that a `Double` holds exactly.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The allocation-free reading of ASCII decimal literals.
    private static func quickNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> QuickParse {
        var start = 0
        var end = bytes.count
        while start < end, isASCIIWhiteSpace(bytes[start]) { start += 1 }
        while end > start, isASCIIWhiteSpace(bytes[end - 1]) { end -= 1 }
        if start == end { return .number(.integer(0)) }
        if bytes[start] >= 0x80 || bytes[end - 1] >= 0x80 { return .undecided }  // maybe Unicode white space
        var index = start
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digits = 0
        var exponent = 0
        var exact = true
        var isInteger = true
        while index < end, isDigit(bytes[index]) {
            let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
            digits += 1
            if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ digit
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exponent += 1
                if digit != 0 { exact = false }
            }
            index += 1
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            while index < end, isDigit(bytes[index]) {
                let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
                digits += 1
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ digit
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                } else if digit != 0 {
                    exact = false
                }
                index += 1
            }
        }
        guard digits > 0 else { return isInteger ? .undecided : .notANumber }  // "Infinity" / "."
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var exponentDigits = 0
            while index < end, isDigit(bytes[index]) {
                if written < 100_000 { written = written * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return .notANumber }
            exponent += exponentNegative ? -written : written
        }
        guard index == end else { return .undecided }  // "0x1F" and friends, or not a number
        guard exact else { return .undecided }
        if isInteger && exponent == 0 {
            if mantissa <= UInt64(Int64.max) { return .number(.integer(negative ? -Int64(mantissa) : Int64(mantissa))) }
            if negative && mantissa == UInt64(Int64.max) + 1 { return .number(.integer(.min)) }
            return .undecided
        }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return .undecided }
        var value = Double(mantissa)
        value = exponent < 0 ? value / exactPowersOfTen[-exponent] : value * exactPowersOfTen[exponent]
        return .number(.double(negative ? -value : value))
    }

    @inline(__always)
    private static func isASCIIWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// JavaScript's `StrWhiteSpaceChar` (white space and line terminators).
    private static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// Parses a trimmed, non-empty `StrNumericLiteral`.
    private static func numericLiteral(_ body: Substring) -> Number? {
        let bytes = body.utf8
        var index = bytes.startIndex
        // 0x / 0o / 0b integers (no sign allowed, as in JavaScript).
        if bytes.count > 2, bytes[index] == UInt8(ascii: "0") {
            let marker = bytes[bytes.index(after: index)] | 0x20
            let radix: Int?
            switch marker {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: radix = nil
            }
            if let radix {
                return radixInteger(bytes[bytes.index(index, offsetBy: 2)...], radix: radix)
            }
        }
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        if bytes[index...].elementsEqual("Infinity".utf8) {
            return .double(negative ? -.infinity : .infinity)
        }
        // Decimal: digits [. digits] [e [sign] digits], with at least one digit before the exponent.
        var mantissaDigits = 0
        var isInteger = true
        while index < bytes.endIndex, isDigit(bytes[index]) {
            mantissaDigits += 1
            index = bytes.index(after: index)
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index = bytes.index(after: index)
            while index < bytes.endIndex, isDigit(bytes[index]) {
                mantissaDigits += 1
                index = bytes.index(after: index)
            }
        }
        guard mantissaDigits > 0 else { return nil }
        if index < bytes.endIndex, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index = bytes.index(after: index)
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index = bytes.index(after: index)
            }
            var exponentDigits = 0
            while index < bytes.endIndex, isDigit(bytes[index]) {
                exponentDigits += 1
                index = bytes.index(after: index)
            }
            guard exponentDigits > 0 else { return nil }
        }
        guard index == bytes.endIndex else { return nil }
        if isInteger, let integer = Int64(body) { return .integer(integer) }
        // The grammar is checked, so this is a plain decimal literal that strtod reads exactly.
        return Double(body).map(Number.double)
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func radixInteger(_ digits: Substring.UTF8View.SubSequence, radix: Int) -> Number? {
        guard !digits.isEmpty else { return nil }
        var exact: Int64? = 0
        var approximate: Double = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            guard digit < radix else { return nil }
            approximate = approximate * Double(radix) + Double(digit)
            if let value = exact {
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: Int64(radix))
                let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digit))
                exact = overflow1 || overflow2 ? nil : sum
            }
        }
        if let exact { return .integer(exact) }
        return .double(approximate)
    }
}

// MARK: - Strings

extension Coercion {
    /// JavaScript's `String(value)`: `null` is `"null"`, numbers print as JavaScript prints them
    /// (`1.0` as `"1"`, `1e21` as `"1e+21"`), arrays join their elements with commas (`null`
    /// elements as empty), and objects are `"[object Object]"`.
    static func string(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return numberText(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let elements):
            var text = ""
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                if case .null = element { continue }
                text += string(element)
            }
            return text
        case .object: return "[object Object]"
        }
    }

    /// How JavaScript prints a number (`Number.prototype.toString()`): the shortest digits that
    /// read back to the same value, positional from 1e-6 up to 1e21, exponential outside.
    static func numberText(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == 0 { return "0" }
        if number.rounded(.towardZero) == number, abs(number) < 9.0e18 { return String(Int64(number)) }
        // Swift's description is the shortest round-trip form too; take its digits and exponent.
        let negative = number < 0
        let description = (negative ? -number : number).description
        let parts = description.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        var exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa.utf8 {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        exponent += integerDigits  // value = 0.d1d2... × 10^exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            exponent -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let n = exponent
        var output: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            output += digits
            output += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            output += digits[..<n]
            output.append(UInt8(ascii: "."))
            output += digits[n...]
        } else if -6 < n && n <= 0 {
            output += "0.".utf8
            output += repeatElement(UInt8(ascii: "0"), count: -n)
            output += digits
        } else {
            output.append(digits[0])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output += digits[1...]
            }
            output.append(UInt8(ascii: "e"))
            output.append(n - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            output += String(abs(n - 1)).utf8
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether two strings hold the same Unicode scalars (no canonical equivalence, as in JSON).
    @inline(__always)
    static func sameText(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// Code-point order of two strings.
    static func textOrder(_ a: String, _ b: String) -> Order {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return .equal
            case (nil, _): return .less
            case (_, nil): return .greater
            case (let x?, let y?):
                if x < y { return .less }
                if x > y { return .greater }
            }
        }
    }

    /// Whether `needle`'s scalars occur in `haystack` (JavaScript's `String.prototype.includes`).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in needle.withUTF8 { pin in contains(hay, pin) } }
    }

    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ pin: UnsafeBufferPointer<UInt8>) -> Bool {
        guard pin.count <= hay.count, let first = pin.first else { return pin.isEmpty }
        var start = 0
        let last = hay.count - pin.count
        while start <= last {
            if hay[start] == first {
                var offset = 1
                while offset < pin.count, hay[start + offset] == pin[offset] { offset += 1 }
                if offset == pin.count { return true }
            }
            start += 1
        }
        return false
    }
}

// MARK: - Equality and order

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

// MARK: - Set membership

extension Coercion {
    /// A scalar (`null`, Boolean, number or string) hashed so that values equal under
    /// ``strictEquals(_:_:)`` hash alike (`1` and `1.0` included), for `in` over literal lists.
    struct StrictKey: Hashable, Sendable {
        let value: JSONValue

        /// The key for `value`, or `nil` for an array or object.
        init?(_ value: JSONValue) {
            switch value {
            case .array, .object: return nil
            default: self.value = value
            }
        }

        static func == (lhs: StrictKey, rhs: StrictKey) -> Bool {
            Coercion.strictEquals(lhs.value, rhs.value)
        }

        func hash(into hasher: inout Hasher) {
            switch value {
            case .null: hasher.combine(0 as UInt8)
            case .bool(let flag): hasher.combine(flag ? 2 as UInt8 : 1)
            case .integer(let number):
                hasher.combine(3 as UInt8)
                hasher.combine(Double(number))
            case .double(let number):
                hasher.combine(3 as UInt8)
                hasher.combine(number)
            case .string(let text):
                hasher.combine(4 as UInt8)
                var text = text
                text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            case .array, .object:
                hasher.combine(5 as UInt8)
            }
        }
    }
}
