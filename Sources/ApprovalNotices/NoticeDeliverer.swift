public import ApprovalClient
public import ApprovalJSON
public import ApprovalLedger
import ApprovalRules
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Delivers the notices of a ledger's outbox to their channels: at least once, each with its
/// stable id as idempotency key.
///
/// A pass (``deliverDue()``) claims every notice due at its start, one at a time per worker
/// (``NotifyConfiguration/Delivery/concurrency`` workers), sends it to each channel its
/// recipients are routed to (skipping the channels it already reached), and settles it: sent;
/// retried later with exponential backoff and jitter (5xx, 429 with its `Retry-After`, timeouts,
/// refused connections, sendmail's temporary failures); failed (any other refusal, or the last
/// attempt); undeliverable (a recipient no route matches; the others get it). ``run(every:)`` makes
/// passes until its task is cancelled (the service's background worker).
///
/// ```swift
/// let deliverer = NoticeDeliverer(ledger: ledger, configuration: try NotifyConfiguration(contentsOf: path), logger: logger)
/// let report = try await deliverer.deliverDue()
/// print(report.sent, report.retrying, report.failed)
/// try await deliverer.shutdown()
/// ```
public final class NoticeDeliverer: Sendable {
    /// What a pass did, and what the outbox holds after it.
    public struct Report: Sendable, Hashable {
        /// Notices delivered everywhere in this pass.
        public var sent = 0
        /// Notices that failed in this pass and will be tried again.
        public var retrying = 0
        /// Notices given up in this pass.
        public var failed = 0
        /// Notices with recipients no route matches, in this pass.
        public var undeliverable = 0
        /// Notices whose lease was lost while sending (another deliverer took them over).
        public var lost = 0
        /// After the pass: notices in each state.
        public var outbox: [Notice.State: Int] = [:]

        /// The report as `notices deliver --format json` prints it.
        public var json: JSONValue {
            [
                "sent": .integer(Int64(sent)), "retrying": .integer(Int64(retrying)),
                "failed": .integer(Int64(failed)), "undeliverable": .integer(Int64(undeliverable)),
                "lost": .integer(Int64(lost)),
                "outbox": .object(
                    JSONObject(Notice.State.allCases.map { ($0.rawValue, .integer(Int64(outbox[$0] ?? 0))) })),
            ]
        }
    }

    private let ledger: any LedgerStore
    private let configuration: NotifyConfiguration
    private let transport: any HTTPTransport
    private let ownsTransport: Bool
    private let logger: Logger
    private let owner: String

    /// A deliverer for `ledger`'s outbox.
    ///
    /// - Parameters:
    ///   - ledger: the ledger whose notices are delivered.
    ///   - configuration: the channels and routes.
    ///   - transport: how webhooks are POSTed (an ``AsyncHTTPClientTransport``, created on the first
    ///     webhook, by default; shut down by ``shutdown()``).
    ///   - logger: one line per delivery attempt at info (never a secret).
    public init(
        ledger: any LedgerStore, configuration: NotifyConfiguration, transport: (any HTTPTransport)? = nil,
        logger: Logger
    ) {
        self.ledger = ledger
        self.configuration = configuration
        let timeout = Duration.milliseconds(configuration.delivery.timeout.milliseconds)
        self.transport =
            transport
            ?? AsyncHTTPClientTransport(
                defaultTimeout: timeout, connectTimeout: min(timeout, .seconds(5)), maxResponseBytes: 1 << 20)
        ownsTransport = transport == nil
        self.logger = logger
        var host = [UInt8](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        owner =
            "\(String(decoding: host.prefix { $0 != 0 }, as: UTF8.self)):\(getpid()):\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Shuts down the HTTP client the deliverer made (not one passed in).
    public func shutdown() async throws {
        if ownsTransport, let transport = transport as? AsyncHTTPClientTransport { try await transport.shutdown() }
    }

    /// One pass: delivers every notice due now (each at most once), then counts the outbox.
    ///
    /// - Throws: ``LedgerError`` when the ledger cannot be read or written.
    public func deliverDue() async throws -> Report {
        let dueBy = ledger.clockNow
        let report = try await withThrowingTaskGroup(of: Report.self) { group in
            for _ in 0..<configuration.delivery.concurrency {
                group.addTask { try await self.work(dueBy: dueBy) }
            }
            var total = Report()
            for try await part in group {
                total.sent += part.sent
                total.retrying += part.retrying
                total.failed += part.failed
                total.undeliverable += part.undeliverable
                total.lost += part.lost
            }
            return total
        }
        var result = report
        result.outbox = try await ledger.noticeCounts()
        return result
    }

    /// Makes passes every `interval` until the task is cancelled; a pass that fails (the ledger
    /// locked, say) is logged and the next one tries again.
    ///
    /// - Parameter onPass: called with each pass's report (a service counts them in its metrics).
    public func run(every interval: Duration, onPass: @Sendable (Report) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do {
                let report = try await deliverDue()
                onPass(report)
                if report.sent + report.retrying + report.failed + report.undeliverable > 0 {
                    logger.info(
                        "notices delivered",
                        metadata: [
                            "notices.sent": "\(report.sent)", "notices.retrying": "\(report.retrying)",
                            "notices.failed": "\(report.failed)", "notices.undeliverable": "\(report.undeliverable)",
                        ])
                }
            } catch {
                logger.error("notice delivery pass failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One worker of a pass: claims and delivers until nothing due by `dueBy` is left.
    private func work(dueBy: Timestamp) async throws -> Report {
        var report = Report()
        let lease = configuration.delivery.lease.milliseconds
        while !Task.isCancelled, let notice = try await ledger.claimNotice(owner: owner, lease: lease, dueBy: dueBy) {
            let outcome = await deliver(notice)
            // Recorded even when the pass is being cancelled (shutdown): a delivery that was made
            // is noted, and one cut short is scheduled for a retry, not left leased.
            let settled = try await Self.uncancelled {
                try await self.ledger.settleNotice(notice.id, owner: self.owner, outcome: outcome)
            }
            guard settled else {
                report.lost += 1
                logger.warning(
                    "a notice's lease ran out while it was being sent; another deliverer has it",
                    metadata: ["notice.id": "\(notice.id)"])
                continue
            }
            switch outcome {
            case .sent: report.sent += 1
            case .retry: report.retrying += 1
            case .failed: report.failed += 1
            case .undeliverable: report.undeliverable += 1
            }
        }
        return report
    }

    /// Sends a claimed notice to each channel it has not reached yet, and says how that went.
    func deliver(_ notice: Notice) async -> NoticeOutcome {
        let (groups, unrouted) = configuration.route(notice.recipients)
        var temporary: [String] = []
        var retryAfter: Duration?
        var permanent: [String] = []
        for group in groups where !notice.deliveredChannels.contains(group.name) {
            guard let channel = configuration.channels[group.name] else { continue }
            // Each channel may take up to the timeout: the lease is renewed before each one.
            let held = try? await ledger.renewNoticeLease(
                notice.id, owner: owner, lease: configuration.delivery.lease.milliseconds)
            if held == false {
                temporary.append("the lease ran out before \(group.name) was sent to")
                break
            }
            let result = await send(notice, to: group.recipients, via: channel)
            let target = "\(group.name) (\(Self.describe(channel)))"
            var metadata: Logger.Metadata = [
                "notice.id": "\(notice.id)", "notice.kind": "\(notice.kind.rawValue)",
                "task.id": "\(NoticeMessage.task(notice))", "notice.channel": "\(group.name)",
                "notice.attempt": "\(notice.attempts)",
            ]
            switch result {
            case .delivered:
                logger.info("notice delivered", metadata: metadata)
                do {
                    _ = try await Self.uncancelled {
                        try await self.ledger.markDelivered(notice.id, channel: group.name, owner: self.owner)
                    }
                } catch {
                    // Not noted: the next attempt sends to this channel again (same id).
                    logger.warning("could not note a delivery", metadata: ["error": "\(error)"])
                }
            case .temporary(let reason, let after):
                metadata["error"] = "\(reason)"
                logger.info("notice delivery failed; will retry", metadata: metadata)
                temporary.append("\(target): \(reason)")
                if let after { retryAfter = max(retryAfter ?? .zero, after) }
            case .permanent(let reason):
                metadata["error"] = "\(reason)"
                logger.warning("notice refused", metadata: metadata)
                permanent.append("\(target): \(reason)")
            }
        }
        let delivery = configuration.delivery
        if !permanent.isEmpty {
            return .failed(error: (permanent + temporary).joined(separator: "; "))
        }
        if !temporary.isEmpty {
            if notice.attempts >= delivery.maxAttempts {
                return .failed(
                    error: "gave up after \(notice.attempts) attempts; last: " + temporary.joined(separator: "; "))
            }
            let policy = RetryPolicy(
                maxAttempts: delivery.maxAttempts, baseDelay: .milliseconds(delivery.backoff.milliseconds),
                maxDelay: .milliseconds(delivery.maxBackoff.milliseconds), jitter: 0.5)
            var wait = policy.delay(beforeRetry: notice.attempts, random: Double.random(in: 0..<1))
            if let retryAfter { wait = max(wait, retryAfter) }
            let at = Timestamp(
                millisecondsSinceEpoch: ledger.clockNow.millisecondsSinceEpoch + DurationText.milliseconds(wait))
            return .retry(at: at, error: temporary.joined(separator: "; "))
        }
        if !unrouted.isEmpty {
            return .undeliverable(error: "no route matches \(unrouted.joined(separator: ", "))")
        }
        return .sent
    }

    private func send(_ notice: Notice, to recipients: [String], via channel: NotifyConfiguration.Channel) async
        -> ChannelResult
    {
        let timeout = Duration.milliseconds(configuration.delivery.timeout.milliseconds)
        let now = ledger.clockNow
        switch channel {
        case .webhook(let webhook):
            return await WebhookSender(transport: transport).send(
                notice, to: recipients, channel: webhook, timeout: timeout,
                now: DecisionLedger.systemClock().millisecondsSinceEpoch)
        case .email(let email):
            let message = NoticeMessage.email(notice, from: email.from, recipients: recipients, date: now)
            return await SendmailSender().send(message, program: email.sendmail, timeout: timeout)
        }
    }

    /// A channel as messages name it: never a secret, never a webhook's path or query.
    static func describe(_ channel: NotifyConfiguration.Channel) -> String {
        switch channel {
        case .webhook(let webhook): return "webhook \(WebhookSender.origin(webhook.url))"
        case .email(let email): return "email via \(email.sendmail[0])"
        }
    }

    /// Runs `body` in a task of its own, so that the caller's cancellation does not cut it short
    /// (a ledger write that records what was already sent).
    private static func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
