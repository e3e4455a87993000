import ApprovalJSON

/// A moment in UTC, to the millisecond, parsed from ISO 8601 text without Foundation (and so
/// without the process's locale or time zone).
///
/// Dates (`2025-01-20`) are midnight UTC; date-times need a `Z` or an offset (`+02:00`), since a
/// date-time without a zone would depend on where the process runs.
///
/// ```swift
/// let now = Timestamp(iso8601: "2025-01-20T12:00:00Z")!
/// let due = Timestamp(iso8601: "2025-02-19")!
/// now.days(until: due)  // 29
/// ```
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// A timestamp from milliseconds since the epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`; `nil` for anything else,
    /// including impossible dates such as `2025-02-30`.
    public init?(iso8601 text: String) {
        var text = text
        guard let milliseconds = text.withUTF8({ Self.parse(DigitReader($0)) }) else { return nil }
        self.millisecondsSinceEpoch = milliseconds
    }

    /// Milliseconds since the epoch of the text `reader` holds; one pass, no allocation.
    private static func parse(_ reader: DigitReader) -> Int64? {
        var reader = reader
        guard let year = reader.number(4), reader.expect(UInt8(ascii: "-")), let month = reader.number(2),
            reader.expect(UInt8(ascii: "-")), let day = reader.number(2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var milliseconds = daysFromCivil(year: year, month: month, day: day) * 86_400_000
        if reader.atEnd { return milliseconds }
        guard reader.expect(UInt8(ascii: "T")) || reader.expect(UInt8(ascii: "t")) || reader.expect(0x20),
            let hour = reader.number(2), hour < 24, reader.expect(UInt8(ascii: ":")), let minute = reader.number(2),
            minute < 60
        else { return nil }
        var second: Int64 = 0
        var fraction: Int64 = 0
        if reader.expect(UInt8(ascii: ":")) {
            guard let value = reader.number(2), value < 61 else { return nil }
            second = value
            if reader.expect(UInt8(ascii: ".")) {
                var digits = 0
                while let digit = reader.digit() {
                    if digits < 3 { fraction = fraction * 10 + digit }
                    digits += 1
                }
                guard digits > 0 else { return nil }
                // Digits past the third are read and dropped (the clock counts milliseconds).
                if digits < 3 {
                    for _ in digits..<3 { fraction *= 10 }
                }
            }
        }
        milliseconds += ((hour * 60 + minute) * 60 + second) * 1000 + fraction
        if reader.expect(UInt8(ascii: "Z")) || reader.expect(UInt8(ascii: "z")) {
            // UTC
        } else if let sign = reader.sign(), let offsetHours = reader.number(2), offsetHours < 24,
            reader.expect(UInt8(ascii: ":")), let offsetMinutes = reader.number(2), offsetMinutes < 60
        {
            milliseconds -= sign * (offsetHours * 60 + offsetMinutes) * 60_000
        } else {
            return nil
        }
        return reader.atEnd ? milliseconds : nil
    }

    /// Whole days since the epoch (floor), i.e. the UTC calendar day.
    public var day: Int64 {
        millisecondsSinceEpoch >= 0
            ? millisecondsSinceEpoch / 86_400_000 : (millisecondsSinceEpoch - 86_399_999) / 86_400_000
    }

    /// Calendar days from this moment's UTC day to `other`'s (negative when `other` is earlier).
    public func days(until other: Timestamp) -> Int64 {
        other.day - day
    }

    /// Whether `lhs` comes before `rhs` in this type's order.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (with `.fff` when there are milliseconds).
    public var description: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``description``'s bytes to `output` (what log lines call, without making a string).
    package func write(into output: inout [UInt8]) {
        let rest = millisecondsSinceEpoch - self.day * 86_400_000
        let seconds = rest / 1000
        output.reserveCapacity(output.count + 24)
        writeDate(into: &output)
        output.append(UInt8(ascii: "T"))
        Self.append(seconds / 3600, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        Self.append(seconds / 60 % 60, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        Self.append(seconds % 60, width: 2, to: &output)
        if rest % 1000 != 0 {
            output.append(UInt8(ascii: "."))
            Self.append(rest % 1000, width: 3, to: &output)
        }
        output.append(UInt8(ascii: "Z"))
    }

    /// `value` in decimal, zero-padded to `width` digits (a negative year keeps its sign first).
    private static func append(_ value: Int64, width: Int, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var scale: UInt64 = 1
        var digits = 1
        while digits < width || magnitude / scale >= 10 {
            scale *= 10
            digits += 1
        }
        while scale > 0 {
            output.append(UInt8(ascii: "0") + UInt8(magnitude / scale % 10))
            scale /= 10
        }
    }

    /// The UTC calendar date, `YYYY-MM-DD`.
    public var dateString: String {
        var bytes: [UInt8] = []
        writeDate(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``dateString``'s bytes to `output`.
    private func writeDate(into output: inout [UInt8]) {
        let (year, month, day) = Self.civil(fromDays: self.day)
        Self.append(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        Self.append(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        Self.append(day, width: 2, to: &output)
    }

    // MARK: - Civil calendar (one implementation, in ApprovalJSON)

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        CivilCalendar.days(year: year, month: month, day: day)
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let date = CivilCalendar.date(days: days)
        return (date.year, date.month, date.day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Reads fixed-width ASCII digits.
private struct DigitReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { at == bytes.count }

    mutating func digit() -> Int64? {
        guard at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 else { return nil }
        defer { at += 1 }
        return Int64(bytes[at] - 0x30)
    }

    mutating func number(_ width: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<width {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    mutating func sign() -> Int64? {
        if expect(UInt8(ascii: "+")) { return 1 }
        if expect(UInt8(ascii: "-")) { return -1 }
        return nil
    }
}
