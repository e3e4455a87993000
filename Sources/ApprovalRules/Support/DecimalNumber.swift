package import ApprovalJSON

/// An exact decimal number (up to 38 significant digits), for money: `"50000.00"` equals
/// `50000`, and `0.1 + 0.2` problems never arise in comparisons.
///
/// Reads integers, reals (through their shortest decimal form) and numeric strings such as
/// `"50000.00"`, `"-12.5"` or `"1e6"`. Anything else (`"50,000"`, `"abc"`, `""`) is not a number.
///
/// ```swift
/// DecimalNumber(text: "50000.00")! == DecimalNumber(50000)  // true
/// ```
package struct DecimalNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The digits, as an integer.
    var significand: Int128 {
        get { Int128(_low: low, _high: high) }
        set {
            low = newValue._low
            high = newValue._high
        }
    }
    /// How many of those digits are after the decimal point (0...38).
    var scale: Int
    /// The significand's two halves: stored as plain words, a value holding a decimal (an optional,
    /// an enum payload) is copied and destroyed inline rather than through `Int128`'s metadata.
    private var low: UInt64
    private var high: Int64

    private static let maxScale = 30

    init(significand: Int128, scale: Int) {
        self.low = significand._low
        self.high = significand._high
        self.scale = scale
    }

    /// An integer.
    package init(_ value: Int64) {
        self.init(significand: Int128(value), scale: 0)
    }

    /// Parses a decimal string: optional sign, digits with an optional fraction, optional exponent.
    package init?(text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    /// One pass over the bytes, no allocation.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> DecimalNumber? {
        var at = 0
        var negative = false
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") || bytes[at] == UInt8(ascii: "+") {
            negative = bytes[at] == UInt8(ascii: "-")
            at += 1
        }
        var significand: Int128 = 0
        var scale = 0
        var digits = 0
        var anyDigit = false
        var seenPoint = false
        while at < bytes.count {
            let byte = bytes[at]
            if byte >= 0x30 && byte <= 0x39 {
                anyDigit = true
                if significand != 0 || byte != 0x30 { digits += 1 }
                guard digits <= 38 else { return nil }
                significand = significand * 10 + Int128(byte - 0x30)
                if seenPoint { scale += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            at += 1
        }
        guard anyDigit else { return nil }
        if at < bytes.count {
            guard bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") else { return nil }
            at += 1
            var exponentNegative = false
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") || bytes[at] == UInt8(ascii: "+") {
                exponentNegative = bytes[at] == UInt8(ascii: "-")
                at += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
                exponent = exponent * 10 + Int(bytes[at] - 0x30)
                exponentDigits += 1
                guard exponent <= 40 else { return nil }
                at += 1
            }
            guard exponentDigits > 0, at == bytes.count else { return nil }
            scale -= exponentNegative ? -exponent : exponent
        }
        while scale < 0 {
            guard significand.magnitude < Int128.max.magnitude / 10 else { return nil }
            significand *= 10
            scale += 1
        }
        guard scale <= maxScale + 8 else { return nil }
        var result = DecimalNumber(significand: negative ? -significand : significand, scale: scale)
        result.normalize()
        return result
    }

    /// The shortest decimal (up to 9 places) that reads back as exactly `number`, without going
    /// through text; `nil` when there is none that short.
    private static func shortDecimal(_ number: Double) -> DecimalNumber? {
        var power = 1.0
        for scale in 0...9 {
            let scaled = (number * power).rounded()
            if abs(scaled) < 9.0e15, scaled / power == number {
                var result = DecimalNumber(significand: Int128(Int64(scaled)), scale: scale)
                result.normalize()
                return result
            }
            power *= 10
        }
        return nil
    }

    /// A JSON number or numeric string; `nil` for anything else (including non-finite reals).
    package init?(_ value: JSONValue) {
        switch value {
        case .integer(let number): self.init(number)
        case .double(let number):
            guard number.isFinite else { return nil }
            if let short = Self.shortDecimal(number) {
                self = short
            } else {
                self.init(text: number.description)
            }
        case .string(let text):
            if let parsed = DecimalNumber(text: text) {
                self = parsed
            } else {
                let trimmed = text.trimmingASCIIWhitespace()
                guard trimmed.utf8.count != text.utf8.count else { return nil }
                self.init(text: trimmed)
            }
        default: return nil
        }
    }

    private mutating func normalize() {
        while scale > 0 && significand % 10 == 0 {
            significand /= 10
            scale -= 1
        }
    }

    /// Both numbers brought to one scale; `nil` on overflow (never for realistic amounts).
    private static func aligned(_ a: DecimalNumber, _ b: DecimalNumber) -> (Int128, Int128)? {
        var (x, y) = (a.significand, b.significand)
        var (sx, sy) = (a.scale, b.scale)
        while sx < sy {
            let (product, overflow) = x.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            x = product
            sx += 1
        }
        while sy < sx {
            let (product, overflow) = y.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            y = product
            sy += 1
        }
        return (x, y)
    }

    package static func < (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        if let (x, y) = aligned(lhs, rhs) { return x < y }
        return lhs.doubleValue < rhs.doubleValue
    }

    package static func == (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        lhs.significand == rhs.significand && lhs.scale == rhs.scale  // both normalized
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(significand)
        hasher.combine(scale)
    }

    /// The product, rounded to 10 decimal places; `nil` on overflow.
    package func multiplied(by other: DecimalNumber) -> DecimalNumber? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        if overflow { return nil }
        var result = DecimalNumber(significand: product, scale: scale + other.scale)
        while result.scale > 10 {
            let (quotient, remainder) = result.significand.quotientAndRemainder(dividingBy: 10)
            result.significand = quotient + (remainder >= 5 ? 1 : remainder <= -5 ? -1 : 0)
            result.scale -= 1
        }
        result.normalize()
        return result
    }

    /// The nearest `Double`: the decimal text read back correctly rounded (dividing by 10 once
    /// per decimal place would round at every step, making `0.07` into `0.06999999999999999`).
    package var doubleValue: Double {
        // Both operands exact, so the one division is correctly rounded, like parsing the text.
        if scale < Self.powersOfTen.count, let small = Int64(exactly: significand), small.magnitude < 1 << 53 {
            return Double(small) / Self.powersOfTen[scale]
        }
        return Double(description) ?? .nan  // `description` is always a plain decimal numeral
    }

    /// 10^0 ... 10^22, every one exactly representable as a `Double`.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// As JSON: an integer when it has no fraction and fits, otherwise a real.
    package var json: JSONValue {
        if scale == 0, let integer = Int64(exactly: significand) { return .integer(integer) }
        return .double(doubleValue)
    }

    /// Plain decimal notation, e.g. `50000.25`.
    package var description: String {
        let digits = String(significand.magnitude)
        var text: String
        if scale == 0 {
            text = digits
        } else if digits.count > scale {
            text = String(digits.dropLast(scale)) + "." + String(digits.suffix(scale))
        } else {
            text = "0." + String(repeating: "0", count: scale - digits.count) + digits
        }
        if significand < 0 { text = "-" + text }
        return text
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
