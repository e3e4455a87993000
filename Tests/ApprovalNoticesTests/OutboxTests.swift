import ApprovalJSON
import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import LedgerTestSupport
import Testing

@Suite struct OutboxTests {
    /// What the outbox must hold after 20 evaluations of task 7001, 12 hours apart: 10 at step run
    /// `sr_a` (hours 0 to 108), then 10 at `sr_b` (hours 120 to 228). Per step run: one notice per
    /// escalation when first seen; the CFO's reminders 48 and 96 hours after it (the n-th reminder
    /// is due n × 48 h after the first notice); the CEO's further notice 72 hours after it, once.
    static let expected: [(hour: Int64, stepRun: String, kind: Notice.Kind, to: [String], severity: String)] = [
        (0, "sr_a", .notice, ["cfo@example.com"], "high"),
        (0, "sr_a", .notice, ["ops@example.com", "legal@example.org"], "medium"),
        (48, "sr_a", .reminder, ["cfo@example.com"], "high"),
        (72, "sr_a", .escalation, ["ceo@example.com"], "critical"),
        (96, "sr_a", .reminder, ["cfo@example.com"], "high"),
        (120, "sr_b", .notice, ["cfo@example.com"], "high"),
        (120, "sr_b", .notice, ["ops@example.com", "legal@example.org"], "medium"),
        (168, "sr_b", .reminder, ["cfo@example.com"], "high"),
        (192, "sr_b", .escalation, ["ceo@example.com"], "critical"),
        (216, "sr_b", .reminder, ["cfo@example.com"], "high"),
    ]

    @Test func twentyEvaluationsAcrossTwoStepRunsQueueEachNoticeOnceAndTheFollowUpsOnTime() async throws {
        let setup = try DeliveryTests.Setup(tasks: [])
        defer { setup.scratch.remove() }
        let (clock, ledger, rules) = (setup.clock, setup.ledger, setup.rules)
        var queuedByEvaluation: [[String]] = []
        for evaluation in 0..<20 {
            let receipt = try NoticeFixtures.record(
                ledger, rules: rules, task: 7001, stepRun: evaluation < 10 ? "sr_a" : "sr_b")
            queuedByEvaluation.append(receipt.queuedNotices)
            clock.advance(hours: 12)
        }
        let notices = try await ledger.notices()
        #expect(notices.count == Self.expected.count)
        for (notice, expected) in zip(notices, Self.expected) {
            let hour =
                (notice.createdAt.millisecondsSinceEpoch - NoticeFixtures.start.millisecondsSinceEpoch) / 3_600_000
            #expect(hour == expected.hour, "\(notice.kind) \(notice.recipients)")
            #expect(notice.stepRunID == expected.stepRun)
            #expect(notice.kind == expected.kind)
            #expect(notice.recipients == expected.to)
            #expect(notice.severity.rawValue == expected.severity)
            #expect(notice.state == .pending)
            #expect(notice.taskID == .integer(7001))
            #expect(notice.taskURL == "https://app.example.com/workflows/tasks/7001")
            #expect(notice.rules == ["needs-cfo"])
            #expect(notice.ruleSetHash == rules.contentHash)
        }
        // Exactly one first notice per step run and escalation, and its id is the escalation's key.
        let firsts = notices.filter { $0.kind == .notice }
        #expect(Set(firsts.map(\.id)).count == 4)
        #expect(firsts.allSatisfy { $0.id == $0.escalationKey })
        // Follow-ups belong to the CFO's escalation of their step run, with their own ids.
        let cfo = Dictionary(
            grouping: firsts.filter { $0.recipients == ["cfo@example.com"] }, by: { $0.stepRunID ?? "" })
        for notice in notices where notice.kind != .notice {
            #expect(notice.escalationKey == cfo[notice.stepRunID ?? ""]?.first?.id)
            #expect(notice.id != notice.escalationKey)
        }
        #expect(notices.first { $0.kind == .escalation }?.message == "Task 7001 has waited 72 hours for the CFO")
        // Each receipt names what its record queued: the notices' times say which evaluation.
        #expect(queuedByEvaluation.map(\.count) == [2, 0, 0, 0, 1, 0, 1, 0, 1, 0, 2, 0, 0, 0, 1, 0, 1, 0, 1, 0])
        #expect(Set(queuedByEvaluation.flatMap { $0 }) == Set(notices.map(\.id)))
        // The chain is still whole: the outbox is not part of it.
        #expect(try await ledger.verify().passed)
    }

    @Test func aTaskNotSeenForAWeekGetsOneReminderNotSeveral() throws {
        let setup = try DeliveryTests.Setup(tasks: [])
        defer { setup.scratch.remove() }
        let (clock, ledger, rules) = (setup.clock, setup.ledger, setup.rules)
        try NoticeFixtures.record(ledger, rules: rules, task: 7002, stepRun: "sr_a")
        clock.advance(hours: 24 * 7)
        let receipt = try NoticeFixtures.record(ledger, rules: rules, task: 7002, stepRun: "sr_a")
        let queued = try receipt.queuedNotices.map { try #require(try ledger.notice(id: $0)) }
        #expect(queued.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.escalation, .reminder])
    }

    @Test func anotherTaskOrAChangedMessageIsANewNotice() throws {
        let setup = try DeliveryTests.Setup(tasks: [])
        defer { setup.scratch.remove() }
        let (ledger, rules) = (setup.ledger, setup.rules)
        #expect(try NoticeFixtures.record(ledger, rules: rules, task: 7003, stepRun: "sr_a").queuedNotices.count == 2)
        #expect(try NoticeFixtures.record(ledger, rules: rules, task: 7003, stepRun: "sr_a").queuedNotices.isEmpty)
        #expect(try NoticeFixtures.record(ledger, rules: rules, task: 7004, stepRun: "sr_a").queuedNotices.count == 2)
    }

    @Test(arguments: Backend.allCases)
    func aClaimedNoticeIsHeldByOneDelivererUntilItsLeaseRunsOut(_ backend: Backend) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let clock = ManualClock()
        let rules = try NoticeFixtures.timingRules()
        try await TestLedger.with(backend, in: scratch.path, clock: clock.function) { test in
            let ledger = test.store
            try await NoticeFixtures.record(into: ledger, rules: rules, task: 7005, stepRun: "sr_a")
            let first = try #require(try await ledger.claimNotice(owner: "a", lease: 60_000))
            let second = try #require(try await ledger.claimNotice(owner: "b", lease: 60_000))
            #expect(first.id != second.id)
            #expect(first.attempts == 1)
            #expect(try await ledger.claimNotice(owner: "c", lease: 60_000) == nil)
            // Only the holder settles.
            #expect(try await ledger.settleNotice(first.id, owner: "b", outcome: .sent) == false)
            #expect(try await ledger.settleNotice(first.id, owner: "a", outcome: .sent))
            #expect(try await ledger.notice(id: first.id)?.state == .sent)
            // "b" died holding its notice: after the lease, another deliverer takes it (second attempt).
            clock.advance(hours: 1)
            let taken = try #require(try await ledger.claimNotice(owner: "c", lease: 60_000))
            #expect(taken.id == second.id)
            #expect(taken.attempts == 2)
            #expect(try await ledger.renewNoticeLease(taken.id, owner: "b", lease: 60_000) == false)
            #expect(try await ledger.renewNoticeLease(taken.id, owner: "c", lease: 60_000))
            #expect(try await ledger.markDelivered(taken.id, channel: "hook", owner: "c"))
            #expect(try await ledger.settleNotice(second.id, owner: "b", outcome: .sent) == false)
            #expect(try await ledger.settleNotice(taken.id, owner: "c", outcome: .failed(error: "HTTP 400")))
            #expect(try await ledger.retryNotice(id: taken.id) == .failed)
            let again = try #require(try await ledger.notice(id: taken.id))
            #expect(again.state == .pending && again.attempts == 0 && again.lastError == nil)
            #expect(again.deliveredChannels == ["hook"])
            #expect(try await ledger.retryNotice(id: first.id) == .sent)  // a sent notice stays sent
            #expect(try await ledger.retryNotice(id: "sha256:none") == nil)
            #expect(try await ledger.noticeCounts() == [.pending: 1, .sent: 1, .failed: 0, .undeliverable: 0])
            #expect(try await ledger.nextNoticeDue() == clock.now)
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentClaimsNeverShareANotice(_ backend: Backend) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let rules = try NoticeFixtures.timingRules()
        try await TestLedger.with(backend, in: scratch.path) { test in
            for task in 0..<15 {
                try await NoticeFixtures.record(into: test.store, rules: rules, task: 8000 + task, stepRun: "sr_a")
            }
            // Four deliverers, each with its own connections (as separate processes have).
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for owner in 0..<4 {
                    group.addTask {
                        try await test.reopened { own in
                            var ids: [String] = []
                            while let notice = try await own.claimNotice(owner: "owner-\(owner)", lease: 60_000) {
                                ids.append(notice.id)
                            }
                            return ids
                        }
                    }
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(claimed.count == 30)
            #expect(Set(claimed).count == 30)
        }
    }
}
