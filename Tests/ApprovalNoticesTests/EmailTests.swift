import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import Foundation
import Testing

/// E-mail notices through msmtp (Debian's sendmail-compatible client) to a real SMTP server.
@Suite(.serialized) struct EmailTests {
    static func configuration(port: Int, program: String = "/usr/bin/msmtp") -> String {
        """
        {"channels": {"mail": {"type": "email", "from": "approvals@example.com",
            "sendmail": ["\(program)", "--host=127.0.0.1", "--port=\(port)", "--auth=off", "--tls=off",
                         "--from=approvals@example.com", "-t", "-i"]}},
         "routes": [{"match": "*", "channel": "mail"}],
         "delivery": {"timeout": "PT10S", "lease": "PT30S"}}
        """
    }

    @Test func eachNoticeArrivesAsAProperMessage() async throws {
        let setup = try DeliveryTests.Setup(tasks: [9701])
        defer { setup.scratch.remove() }
        let sink = try await SMTPSink(in: setup.scratch.path)
        defer { sink.stop() }
        let deliverer = try setup.deliverer(Self.configuration(port: sink.port))
        let report = try await deliverer.deliverDue()
        let errors = try await setup.ledger.notices().compactMap(\.lastError)
        #expect(report.sent == 2, "\(errors)")
        let messages = try sink.messages().map(MailMessage.init)
        #expect(messages.count == 2)
        let notices = try await setup.ledger.notices()
        for notice in notices {
            let digest = String(notice.id.dropFirst("sha256:".count))
            let message = try #require(messages.first { $0.headers["message-id"] == "<\(digest)@example.com>" })
            #expect(message.headers["from"] == "approvals@example.com")
            #expect(message.headers["to"] == notice.recipients.joined(separator: ", "))
            #expect(message.headers["x-rcptto"] == notice.recipients.joined(separator: ", "))
            #expect(message.headers["x-approval-notice-id"] == notice.id)
            #expect(message.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(message.headers["mime-version"] == "1.0")
            #expect(message.headers["date"] == "Sun, 01 Jun 2025 00:00:00 +0000")
            #expect(message.subject.hasPrefix("[Approval] task 9701 (\(notice.severity.rawValue)): Task 9701 "))
            #expect(message.body.hasPrefix(notice.message + "\n"))
            #expect(message.body.contains("Rules: needs-cfo\n"))
            #expect(message.body.contains("Link: https://app.example.com/workflows/tasks/9701\n"))
            #expect(message.body.contains("Step run: sr_a\n"))
            #expect(message.body.contains("Notice: \(notice.id)\n"))
        }
        // The non-ASCII message: an encoded Subject, and the body in UTF-8 as written.
        let ops = try #require(messages.first { $0.headers["to"]?.hasPrefix("ops@") == true })
        #expect(ops.headers["subject"]?.hasPrefix("=?utf-8?B?") == true)
        #expect(ops.subject.contains("«naïve» check ✓"))
        #expect(ops.body.contains("«naïve» check ✓"))
        try await deliverer.shutdown()
    }

    @Test func aReminderThreadsUnderTheFirstNotice() async throws {
        let setup = try DeliveryTests.Setup(tasks: [9702])
        defer { setup.scratch.remove() }
        setup.clock.advance(hours: 49)
        try NoticeFixtures.record(setup.ledger, rules: setup.rules, task: 9702, stepRun: "sr_a")
        let sink = try await SMTPSink(in: setup.scratch.path)
        defer { sink.stop() }
        let deliverer = try setup.deliverer(Self.configuration(port: sink.port))
        #expect(try await deliverer.deliverDue().sent == 3)
        let reminder = try #require(
            try sink.messages().map(MailMessage.init).first { $0.subject.hasPrefix("[Reminder]") })
        let first = try await #require(
            try setup.ledger.notices().first { $0.kind == .notice && $0.recipients == ["cfo@example.com"] })
        #expect(reminder.headers["in-reply-to"] == "<\(first.id.dropFirst(7))@example.com>")
        #expect(reminder.body.contains("This is a reminder"))
        try await deliverer.shutdown()
    }

    @Test func anSMTPServerThatIsDownIsRetriedAndAMissingProgramFails() async throws {
        let setup = try DeliveryTests.Setup(tasks: [9703])
        defer { setup.scratch.remove() }
        let closed = try freePort()
        let down = try setup.deliverer(Self.configuration(port: closed))
        let report = try await down.deliverDue()
        #expect(report.retrying == 2)
        #expect(try await setup.ledger.notices().allSatisfy { $0.lastError?.contains("exited with 75") == true })
        setup.clock.advance(hours: 1)
        let missing = try setup.deliverer(Self.configuration(port: closed, program: "/nonexistent/sendmail"))
        #expect(try await missing.deliverDue().failed == 2)
        #expect(
            try await setup.ledger.notices().allSatisfy {
                $0.lastError?.contains("cannot run /nonexistent/sendmail") == true
            }
        )
    }
}
