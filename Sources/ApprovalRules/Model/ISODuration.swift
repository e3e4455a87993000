/// An ISO 8601 duration of fixed length: weeks, days, hours, minutes and seconds, never years or
/// months (whose length varies).
///
/// Escalations use it for `remind_after` and `escalate_after.after`. Days are 24 hours and weeks 7
/// days; seconds may have up to three decimal places. Two durations are equal when they are
/// written the same way (`PT48H` and `P2D` have the same ``milliseconds`` but differ).
///
/// ```swift
/// ISODuration("PT48H")?.milliseconds    // 172_800_000
/// ISODuration("P1DT12H")?.description   // "P1DT12H"
/// ISODuration("P1M")                    // nil: a month has no fixed length
/// ISODuration.problem(in: "P1M")        // "years and months have no fixed length; use days (P30D) or weeks (P4W)"
/// ```
public struct ISODuration: Sendable, Hashable, CustomStringConvertible {
    /// Whole length in milliseconds (days are 24 hours).
    public let milliseconds: Int64
    /// The text as written.
    private let text: String

    /// Parses `PnW`, or `P[nD][T[nH][nM][n[.fff]S]]` (at least one component; integers; seconds
    /// may have up to 3 fractional digits with '.' or ','). Years and months (`P1Y`, `P1M`) are
    /// refused: their length varies. Returns nil for anything else (also for an empty "P" or "PT",
    /// negative values, overflow).
    ///
    /// A zero duration (`PT0S`) parses; callers that need a positive one check ``milliseconds``.
    ///
    /// - Parameter text: the duration, e.g. `PT48H`.
    public init?(_ text: String) {
        guard case .success(let milliseconds) = Self.parse(text) else { return nil }
        self.milliseconds = milliseconds
        self.text = text
    }

    /// The text as written (e.g. "PT48H").
    public var description: String { text }

    /// Why `text` is not a duration ``init(_:)`` accepts, readably, or `nil` when it is one.
    ///
    /// ```swift
    /// ISODuration.problem(in: "48H")   // "a duration starts with \"P\", as in PT48H (48 hours) or P2D (2 days)"
    /// ISODuration.problem(in: "PT48H") // nil
    /// ```
    ///
    /// - Parameter text: the candidate duration.
    /// - Returns: the reason, without the text itself, or `nil`.
    public static func problem(in text: String) -> String? {
        if case .failure(let problem) = parse(text) { return problem.message }
        return nil
    }

    // MARK: - Parsing

    private struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private static let millisecondsPerSecond: Int64 = 1000
    private static let millisecondsPerMinute: Int64 = 60 * millisecondsPerSecond
    private static let millisecondsPerHour: Int64 = 60 * millisecondsPerMinute
    private static let millisecondsPerDay: Int64 = 24 * millisecondsPerHour
    private static let millisecondsPerWeek: Int64 = 7 * millisecondsPerDay

    /// The length of `text` in milliseconds, or why it is not a duration.
    private static func parse(_ text: String) -> Result<Int64, Problem> {
        do {
            return .success(try milliseconds(in: Array(text.utf8)))
        } catch {
            return .failure(error)
        }
    }

    /// How the messages show what a duration looks like.
    private static let example = "as in PT48H (48 hours) or P2D (2 days)"

    /// The length of the duration `bytes` in milliseconds: after the "P", components (a number and
    /// its unit) and at most one "T", each unit once and in order.
    private static func milliseconds(in bytes: [UInt8]) throws(Problem) -> Int64 {
        try checkStart(bytes)
        var total: Int64 = 0
        var index = 1
        var inTime = false
        var components = 0
        var timeComponents = 0
        /// The rank of the last unit read: D 1, H 2, M 3, S 4 (units must come in this order).
        var lastRank = 0
        var sawWeeks = false
        while index < bytes.count {
            let byte = bytes[index]
            if sawWeeks {
                throw Problem("weeks cannot be combined with other units; write days (P10D, not P1W3D)")
            }
            if byte == UInt8(ascii: "T") {
                guard !inTime else { throw Problem("\"T\" appears twice") }
                inTime = true
                index += 1
                continue
            }
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                throw Problem("a duration cannot have a sign; it must be positive")
            }
            let number = try readNumber(bytes, at: &index)
            guard index < bytes.count else {
                throw Problem("the number at the end has no unit; add W, D, H, M or S")
            }
            let unit = bytes[index]
            index += 1
            let (rank, scale) = try rankAndScale(of: unit, inTime: inTime, components: components)
            if unit == UInt8(ascii: "W") { sawWeeks = true }
            guard rank > lastRank else {
                throw Problem("each unit may appear once, in the order D, T, H, M, S")
            }
            if number.fraction != nil && unit != UInt8(ascii: "S") {
                throw Problem("only seconds may have a fraction (PT90M, not PT1.5H)")
            }
            lastRank = rank
            total = try add(number, scale: scale, to: total)
            components += 1
            if inTime { timeComponents += 1 }
        }
        guard components > 0 else { throw Problem("the duration gives no length; write one \(example)") }
        guard !inTime || timeComponents > 0 else {
            throw Problem("\"T\" must be followed by hours, minutes or seconds (P1DT12H)")
        }
        return total
    }

    /// Checks that `bytes` starts with "P", saying what is wrong when it does not.
    private static func checkStart(_ bytes: [UInt8]) throws(Problem) {
        guard !bytes.isEmpty else { throw Problem("a duration cannot be empty; write one \(example)") }
        guard bytes[0] == UInt8(ascii: "P") else {
            if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
                throw Problem("a duration cannot have a sign; it must be positive")
            }
            if bytes[0] == UInt8(ascii: "p") {
                throw Problem("write the letters of a duration in upper case, \(example)")
            }
            throw Problem("a duration starts with \"P\", \(example)")
        }
    }

    /// A component's number: its whole part, and for seconds up to 3 decimal places, in thousandths.
    private struct Number {
        let value: Int64
        let fraction: Int64?
    }

    /// Reads the number at `index` of `bytes` (digits, then perhaps a decimal separator and up to
    /// 3 digits), leaving `index` after it.
    private static func readNumber(_ bytes: [UInt8], at index: inout Int) throws(Problem) -> Number {
        let byte = bytes[index]
        var value: Int64 = 0
        let digitsStart = index
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { throw tooLong }
            value = sum
            index += 1
        }
        guard index > digitsStart else {
            if Self.isLetter(byte) && byte >= UInt8(ascii: "a") {
                throw Problem("write the letters of a duration in upper case, \(example)")
            }
            if Self.isLetter(byte) {
                throw Problem("expected a number before \"\(Self.character(byte))\"")
            }
            throw Problem("unexpected character \"\(Self.character(byte))\"")
        }
        var fraction: Int64?
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var digits: [Int64] = []
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                digits.append(digit)
                index += 1
            }
            guard !digits.isEmpty else {
                throw Problem("expected digits after the decimal separator")
            }
            guard digits.count <= 3 else {
                throw Problem("seconds take at most 3 decimal places (milliseconds)")
            }
            while digits.count < 3 { digits.append(0) }
            fraction = digits.reduce(0) { $0 * 10 + $1 }
        }
        return Number(value: value, fraction: fraction)
    }

    /// The rank (D 1, H 2, M 3, S 4; W 1) and length in milliseconds of `unit`, read after
    /// `components` components, in the time part or not.
    private static func rankAndScale(of unit: UInt8, inTime: Bool, components: Int) throws(Problem) -> (Int, Int64) {
        switch unit {
        case UInt8(ascii: "Y"):
            throw Problem("years and months have no fixed length; use days (P365D) or weeks (P52W)")
        case UInt8(ascii: "M") where !inTime:
            throw Problem("years and months have no fixed length; use days (P30D) or weeks (P4W)")
        case UInt8(ascii: "W"):
            guard components == 0, !inTime else {
                throw Problem("weeks cannot be combined with other units; write days (P10D, not P1W3D)")
            }
            return (1, Self.millisecondsPerWeek)
        case UInt8(ascii: "D"):
            guard !inTime else {
                throw Problem("days come before \"T\" (P1DT12H)")
            }
            return (1, Self.millisecondsPerDay)
        case UInt8(ascii: "H"), UInt8(ascii: "M"), UInt8(ascii: "S"):
            guard inTime else {
                throw Problem("hours and seconds come after \"T\" (PT48H, P1DT12H)")
            }
            switch unit {
            case UInt8(ascii: "H"): return (2, Self.millisecondsPerHour)
            case UInt8(ascii: "M"): return (3, Self.millisecondsPerMinute)
            default: return (4, Self.millisecondsPerSecond)
            }
        default:
            if Self.isLetter(unit) && unit >= UInt8(ascii: "a") {
                throw Problem("write the letters of a duration in upper case, \(example)")
            }
            throw Problem("unknown unit \"\(Self.character(unit))\"; expected W, D, H, M or S")
        }
    }

    /// `total` plus `number` of `scale` milliseconds (and its thousandths), or ``tooLong``.
    private static func add(_ number: Number, scale: Int64, to total: Int64) throws(Problem) -> Int64 {
        let (length, overflow) = number.value.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw tooLong }
        let (withFraction, carry) = length.addingReportingOverflow(number.fraction ?? 0)
        guard !carry else { throw tooLong }
        let (sum, tooMuch) = total.addingReportingOverflow(withFraction)
        guard !tooMuch else { throw tooLong }
        return sum
    }

    /// A duration longer than `Int64` milliseconds.
    private static let tooLong = Problem("the duration is too long")

    private static func digit(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }

    /// The character starting at `byte`, for messages (a non-ASCII byte shows as `?`).
    private static func character(_ byte: UInt8) -> String {
        byte < 0x80 ? String(UnicodeScalar(byte)) : "?"
    }
}
