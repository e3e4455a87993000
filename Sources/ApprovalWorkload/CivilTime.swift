import ApprovalJSON

/// UTC dates and ISO 8601 formatting for generated snapshots, on ApprovalJSON's `CivilCalendar`.
enum CivilTime {
    /// Days since 1970-01-01 for a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        Int(CivilCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    /// The date of a day count since 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let date = CivilCalendar.date(days: Int64(days))
        return (Int(date.year), Int(date.month), Int(date.day))
    }

    /// Seconds since the epoch for a date at midnight UTC.
    static func seconds(year: Int, month: Int, day: Int) -> Int {
        days(year: year, month: month, day: day) * 86_400
    }

    /// `YYYY-MM-DD` for a day count.
    static func dateString(days: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        appendDate(days: days, separator: true, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
    static func timestampString(seconds: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendTimestamp(seconds: seconds, compact: false, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DD` (or `YYYYMMDD` without separators).
    static func appendDate(days: Int, separator: Bool, to bytes: inout [UInt8]) {
        let date = date(days: days)
        appendDigits(date.year, width: 4, to: &bytes)
        if separator { bytes.append(UInt8(ascii: "-")) }
        appendDigits(date.month, width: 2, to: &bytes)
        if separator { bytes.append(UInt8(ascii: "-")) }
        appendDigits(date.day, width: 2, to: &bytes)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ`, or the AWS form `YYYYMMDDTHHMMSSZ` when `compact`.
    static func appendTimestamp(seconds: Int, compact: Bool, to bytes: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        appendDate(days: days, separator: !compact, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(second / 3600, width: 2, to: &bytes)
        if !compact { bytes.append(UInt8(ascii: ":")) }
        appendDigits(second / 60 % 60, width: 2, to: &bytes)
        if !compact { bytes.append(UInt8(ascii: ":")) }
        appendDigits(second % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Appends a non-negative number, left-padded with zeros to `width` digits.
    static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor *= 10
            digits += 1
        }
        var padding = width - digits
        while padding > 0 {
            bytes.append(UInt8(ascii: "0"))
            padding -= 1
        }
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: 48 + value / divisor % 10))
            divisor /= 10
        }
    }
}
