import Crypto

/// How webhook deliveries are signed, the way well-known webhook senders do it: the header
/// `X-Approval-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
/// channel's secret. A receiver recomputes the HMAC over the timestamp, a dot and the raw body,
/// compares it in constant time, and refuses a timestamp too far from its clock (replays).
///
/// ```swift
/// let header = WebhookSignature.header(body: body, secret: secret, time: 1_733_550_000)
/// WebhookSignature.verify(header: header, body: body, secret: secret, now: 1_733_550_030)  // true
/// ```
public enum WebhookSignature {
    /// The header's name.
    public static let headerName = "X-Approval-Signature"

    /// The header's value for `body` signed at `time` (seconds since the epoch).
    public static func header(body: [UInt8], secret: [UInt8], time: Int64) -> String {
        "t=\(time),v1=\(hex(mac(body: body, secret: secret, time: time)))"
    }

    /// Whether `header` is a valid signature of `body` with `secret`, made within `tolerance`
    /// seconds of `now`.
    public static func verify(
        header: String, body: [UInt8], secret: [UInt8], now: Int64, tolerance: Int64 = 300
    ) -> Bool {
        var time: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " ") }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { time = Int64(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let time, abs(now - time) <= tolerance else { return false }
        let expected = hex(mac(body: body, secret: secret, time: time))
        return signatures.contains { constantTimeEqual(Array($0.utf8), Array(expected.utf8)) }
    }

    private static func mac(body: [UInt8], secret: [UInt8], time: Int64) -> [UInt8] {
        var message = Array("\(time).".utf8)
        message += body
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
