import ApprovalJSON
import ApprovalLedger
import ApprovalRules
import Foundation

/// What a notice says on each channel: the webhook's JSON body and the e-mail's RFC 5322 message.
enum NoticeMessage {
    /// The JSON body POSTed to a webhook (compact, keys in a fixed order).
    static func webhookBody(_ notice: Notice, recipients: [String]) -> [UInt8] {
        var object = JSONObject()
        object["id"] = .string(notice.id)
        object["kind"] = .string(notice.kind.rawValue)
        object["task_id"] = notice.taskID
        object["step_run_id"] = notice.stepRunID.map(JSONValue.string) ?? .null
        object["task_url"] = notice.taskURL.map(JSONValue.string) ?? .null
        object["severity"] = .string(notice.severity.rawValue)
        object["recipients"] = .array(recipients.map(JSONValue.string))
        object["message"] = .string(notice.message)
        object["rules"] = .array(notice.rules.map(JSONValue.string))
        object["rule_set_hash"] = .string(notice.ruleSetHash)
        object["created_at"] = .string(notice.createdAt.description)
        return JSONWriter.compact.bytes(.object(object))
    }

    /// The task's id as people read it (`12345`, `abc`).
    static func task(_ notice: Notice) -> String {
        if case .string(let text) = notice.taskID { return text }
        return notice.taskID == .null ? "(no task id)" : JSONWriter.compact.string(notice.taskID)
    }

    /// The subject line: kind, task id, severity and the start of the message.
    static func subject(_ notice: Notice) -> String {
        let prefix: String
        switch notice.kind {
        case .notice: prefix = "Approval"
        case .reminder: prefix = "Reminder"
        case .escalation: prefix = "Escalation"
        }
        var summary = oneLine(notice.message)
        if summary.count > 72 { summary = String(summary.prefix(71)) + "…" }
        return "[\(prefix)] task \(task(notice)) (\(notice.severity.rawValue)): \(summary)"
    }

    /// The e-mail: headers (From, To, Subject, Date, Message-ID from the notice id, MIME) and a
    /// UTF-8 body with the message, the task, the rules and the link when known.
    static func email(_ notice: Notice, from: String, recipients: [String], date: Timestamp) -> [UInt8] {
        let digest = notice.id.hasPrefix("sha256:") ? String(notice.id.dropFirst(7)) : notice.id
        let domain = from.split(separator: "@").last.map(String.init) ?? "approvalctl.invalid"
        // Values are single lines (the addresses were checked; the rest is cleaned here); the
        // Subject's encoded words are folded onto continuation lines.
        var headers = [
            ("From", oneLine(from)),
            ("To", oneLine(recipients.joined(separator: ", "))),
            ("Subject", encodedWord(subject(notice))),
            ("Date", rfc5322Date(date)),
            ("Message-ID", oneLine("<\(digest)@\(domain)>")),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "8bit"),
            ("Auto-Submitted", "auto-generated"),
            ("X-Approval-Notice-Id", oneLine(notice.id)),
        ]
        if notice.kind != .notice {
            // Threads with the first notice of the escalation in mail readers.
            let first =
                notice.escalationKey.hasPrefix("sha256:")
                ? String(notice.escalationKey.dropFirst(7)) : notice.escalationKey
            headers.append(("In-Reply-To", oneLine("<\(first)@\(domain)>")))
            headers.append(("References", oneLine("<\(first)@\(domain)>")))
        }
        var body = notice.message + "\n\n"
        switch notice.kind {
        case .notice: break
        case .reminder: body += "This is a reminder: the task still waits at the same step.\n\n"
        case .escalation: body += "This is a further escalation: the task has waited too long at the same step.\n\n"
        }
        body += "Task: \(task(notice))\n"
        if let step = notice.stepRunID { body += "Step run: \(step)\n" }
        body += "Severity: \(notice.severity.rawValue)\n"
        if !notice.rules.isEmpty { body += "Rules: \(notice.rules.joined(separator: ", "))\n" }
        if let link = notice.taskURL { body += "Link: \(link)\n" }
        body += "Rule set: \(notice.ruleSetHash)\n"
        body += "Notice: \(notice.id)\n"
        var text = ""
        for (name, value) in headers { text += "\(name): \(value)\n" }
        text += "\n"
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            text += wrapped(String(line)) + "\n"
        }
        return Array(text.utf8)
    }

    /// `text` with line breaks and other control characters turned into spaces (no header
    /// injection).
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// RFC 2047 `=?utf-8?B?…?=` words when `text` is not plain ASCII (each under 75 characters,
    /// whole characters per word, folded onto continuation lines).
    static func encodedWord(_ text: String) -> String {
        let clean = oneLine(text)
        guard clean.utf8.contains(where: { $0 >= 0x80 }) else { return clean }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in clean {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\n ")
    }

    /// Breaks a body line longer than 900 bytes (RFC 5322 allows 998) between characters.
    static func wrapped(_ line: String) -> String {
        guard line.utf8.count > 900 else { return line }
        var lines: [String] = []
        var current = ""
        for character in line {
            if current.utf8.count + character.utf8.count > 900 {
                lines.append(current)
                current = ""
            }
            current.append(character)
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    /// `Mon, 07 Dec 2026 03:35:34 +0000`.
    static func rfc5322Date(_ time: Timestamp) -> String {
        let seconds = time.millisecondsSinceEpoch.floorDivided(by: 1000)
        let days = seconds.floorDivided(by: 86_400)
        let (year, month, day) = CivilCalendar.date(days: days)
        let second = seconds - days * 86_400
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(day)) \(months[Int(month) - 1]) \(year) \(two(second / 3600)):"
            + "\(two(second / 60 % 60)):\(two(second % 60)) +0000"
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
