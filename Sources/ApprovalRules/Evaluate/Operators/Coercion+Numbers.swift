import ApprovalJSON

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
