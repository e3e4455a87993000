import ApprovalJSON
import Foundation

/// Simulated presigned links: `http://HOST:PORT/_sim/download/{task}/{file_id}?X-Amz-...`, valid
/// for an hour from the response (or already expired, with the `expired_urls` fault). The
/// signature is a made-up but stable 64-hex-digit value, so redaction can be tested.
extension APISimulator {
    /// How long a simulated link stays valid.
    static let linkLifetime: Int64 = 3600

    /// `object` with a fresh (or expired) `download_url` and `expires_at`.
    func presign(_ value: JSONValue, taskID: Int64, expired: Bool) -> JSONValue {
        guard case .object(var object) = value else { return value }
        let now = Int64(Date().timeIntervalSince1970)
        let issued = expired ? now - 2 * Self.linkLifetime : now
        let expires = issued + Self.linkLifetime
        object["expires_at"] = .string(CivilTime.iso8601(expires))
        if configuration.keepStoredURLs, object["download_url"]?.string.map({ !$0.isEmpty }) == true {
            return .object(object)
        }
        let fileID = object["file_id"]?.string ?? object["file_name"]?.string ?? "document"
        let host = configuration.host
        let port = self.port ?? configuration.port
        let stamp = CivilTime.amzDate(issued)
        let day = String(stamp.prefix(8))
        let path = "/_sim/download/\(taskID)/\(Self.encode(fileID))"
        let signature = Self.signature(of: "\(path)|\(stamp)")
        object["download_url"] = .string(
            "http://\(host):\(port)\(path)?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=SIMULATEDKEY%2F\(day)%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=\(stamp)"
                + "&X-Amz-Expires=\(Self.linkLifetime)&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)")
        return .object(object)
    }

    /// Answers `GET /_sim/download/...`: the file's simulated content, or S3's 403 once expired.
    func download(path: String, query: [String: String]) -> Reply {
        guard let stamp = query["X-Amz-Date"], let issued = CivilTime.parseAmzDate(stamp),
            let lifetime = query["X-Amz-Expires"].flatMap({ Int64($0) }), let signature = query["X-Amz-Signature"],
            signature == Self.signature(of: "\(path)|\(stamp)")
        else {
            return Reply(
                status: 403,
                bytes: Array(
                    ("<Error><Code>SignatureDoesNotMatch</Code>"
                        + "<Message>The request signature does not match</Message></Error>").utf8),
                contentType: "application/xml")
        }
        if Int64(Date().timeIntervalSince1970) > issued + lifetime {
            return Reply(
                status: 403,
                bytes: Array("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".utf8),
                contentType: "application/xml")
        }
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        return Reply(
            status: 200, bytes: Array("simulated content of \(name.removingPercentEncoding ?? name)\n".utf8),
            contentType: "application/octet-stream")
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }

    /// 64 hex digits derived from `text` (FNV-1a, four lanes); not cryptographic, only stable.
    static func signature(of text: String) -> String {
        var result = ""
        for lane in UInt64(0)..<4 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ lane &* 0x1000_0000_01b3
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            result += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return result
    }
}

/// UTC timestamps for presigned URLs, on ApprovalJSON's `CivilCalendar`.
enum CivilTime {
    static func components(_ epoch: Int64) -> (
        year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    ) {
        let days = CivilCalendar.day(ofSeconds: epoch)
        let seconds = epoch - days * 86_400
        let (year, month, day) = CivilCalendar.date(days: days)
        return (year, month, day, seconds / 3600, seconds % 3600 / 60, seconds % 60)
    }

    static func epoch(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) -> Int64 {
        let days = CivilCalendar.days(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `2025-01-20T12:00:00Z`.
    static func iso8601(_ epoch: Int64) -> String {
        let c = components(epoch)
        let date = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
        return date + "T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }

    /// `20250120T120000Z`.
    static func amzDate(_ epoch: Int64) -> String {
        let c = components(epoch)
        let date = "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))"
        return date + "T\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2))Z"
    }

    static func parseAmzDate(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? { Int64(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(9..<11),
            let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        return epoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}
