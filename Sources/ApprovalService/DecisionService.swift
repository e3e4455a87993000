public import ApprovalClient
import ApprovalJSON
public import ApprovalLedger
public import ApprovalNotices
public import ApprovalRules
import Crypto
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The decision service: the engine behind a small HTTP API (`approvalctl serve`), on Hummingbird 2.
///
/// Routes: `POST /v1/decisions` (a snapshot in, the decision out), `POST /v1/decisions/batch`
/// (NDJSON in and out, streamed), `POST /v1/tasks/{task_id}/decision` (fetched live from the
/// approvals API), `GET /v1/rule-set`, `POST /v1/rule-sets/validate`, `GET /healthz`,
/// `GET /readyz`, `GET /metrics`, `GET /openapi.json`. Rule files are reloaded on SIGHUP and when
/// they change; a file that does not compile leaves the last good rule set in force. SIGTERM and
/// SIGINT stop it gracefully: no new connections, in-flight requests finish.
///
/// ```swift
/// var configuration = DecisionService.Configuration(rules: "rules/default.rules.json")
/// configuration.port = 8080
/// let service = DecisionService(configuration: configuration, logger: logger)
/// try await service.run { address in print("listening on \(address)") }
/// ```
public final class DecisionService: Sendable {
    /// What to serve and how.
    ///
    /// ```swift
    /// var configuration = DecisionService.Configuration(rules: "rules/default.rules.json")
    /// configuration.shadow = "candidate.rules.json"
    /// configuration.ledger = ledger
    /// ```
    public struct Configuration: Sendable {
        /// The rule file in force.
        public var rules: String
        /// A candidate rule file decided beside it, whose disagreements are counted (and recorded).
        public var shadow: String?
        /// The address to bind (loopback by default).
        public var host: String
        /// The port (0: the system picks a free one).
        public var port: Int
        /// The bearer token every route but `/healthz` and `/readyz` requires; `nil`: none.
        public var token: String?
        /// Where every decision is recorded, when given.
        public var ledger: (any LedgerStore)?
        /// Whether a decision the ledger could not record is refused (503 `ledger_unavailable`)
        /// rather than answered with `"record": {"recorded": false, ...}` (the default: deciding
        /// goes on while the database is down, and `approval_ledger_failures_total` counts it).
        public var requireLedger = false
        /// Delivers the ledger's notices in the background (every ``noticeInterval``), when given.
        public var notices: NoticeDeliverer?
        /// How often the background deliverer looks for due notices.
        public var noticeInterval: Duration
        /// The approvals API, for `POST /v1/tasks/{task_id}/decision`.
        public var apiClient: APIClient?
        /// Whether `?now=` may set the clock (for tests); otherwise it is a 400.
        public var allowClockOverride: Bool
        /// How often the rule files are checked for changes.
        public var reloadInterval: Duration
        /// How long in-flight requests may take to finish after SIGTERM.
        public var shutdownGrace: Duration
        /// The clock decisions are made at (the wall clock by default).
        public var clock: @Sendable () -> Timestamp

        /// A configuration serving `rules` on 127.0.0.1:8080.
        public init(rules: String) {
            self.rules = rules
            host = "127.0.0.1"
            port = 8080
            allowClockOverride = false
            reloadInterval = .seconds(2)
            noticeInterval = .seconds(2)
            shutdownGrace = .seconds(10)
            clock = DecisionLedger.systemClock
        }
    }

    /// Why the service would not start.
    ///
    /// ```swift
    /// do { try await service.run() } catch let error as DecisionService.StartError { print(error.message) }
    /// ```
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public let message: String
        /// The rule file's diagnostics, when it is the rule file.
        public let diagnostics: [RuleDiagnostic]
        /// The message.
        public var description: String { message }
    }

    let configuration: Configuration
    let logger: Logger
    let metrics = ServiceMetrics()
    let store: RuleSetStore
    /// The digest of the expected token (compared digest to digest: constant time, any length).
    let tokenDigest: SHA256.Digest?
    private let group = Mutex<ServiceGroup?>(nil)

    /// A service; nothing is loaded or bound until ``run(onListening:)``.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        store = RuleSetStore(
            livePath: configuration.rules, shadowPath: configuration.shadow, metrics: metrics, logger: logger,
            clock: configuration.clock)
        tokenDigest = configuration.token.map { SHA256.hash(data: Array($0.utf8)) }
    }

    /// Loads the rules, binds, and serves until SIGTERM or SIGINT (or ``stop()``).
    ///
    /// - Parameter onListening: called once with `HOST:PORT` when the server accepts connections.
    /// - Throws: ``StartError`` when the rule file does not load or the address cannot be bound.
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        guard store.reload(onlyIfChanged: false) else {
            let failure = store.lastFailure
            throw StartError(
                message: "\(configuration.rules): the rule file does not load", diagnostics: failure?.diagnostics ?? [])
        }
        let host = configuration.host
        let app = Application(
            responder: ServiceResponder(service: self),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                onListening("\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app),
            .init(service: RuleReloader(store: store, interval: configuration.reloadInterval, logger: logger)),
        ]
        if let notices = configuration.notices {
            services.append(
                .init(
                    service: NoticeWorker(deliverer: notices, interval: configuration.noticeInterval, metrics: metrics))
            )
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        let serviceGroup = ServiceGroup(configuration: groupConfiguration)
        group.withLock { $0 = serviceGroup }
        do {
            try await serviceGroup.run()
        } catch {
            throw StartError(message: "the server stopped: \(error)", diagnostics: [])
        }
    }

    /// Shuts down gracefully, as SIGTERM does.
    public func stop() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
    }
}

/// Delivers the ledger's notices in the background until shutdown (a delivery in flight then
/// ends as a retry: its notice stays pending).
struct NoticeWorker: Service {
    let deliverer: NoticeDeliverer
    let interval: Duration
    let metrics: ServiceMetrics

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await deliverer.run(every: interval) { report in
                metrics.delivered(
                    sent: report.sent, retrying: report.retrying, failed: report.failed,
                    undeliverable: report.undeliverable)
            }
        }
        try? await deliverer.shutdown()
    }
}

/// Reloads the rule files on SIGHUP and when they change (checked every `interval`).
struct RuleReloader: Service {
    let store: RuleSetStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await watch() }
        } catch is CancellationError {
            // Shutting down.
        }
    }

    private func watch() async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    logger.info("SIGHUP: reloading the rule files")
                    store.reload(onlyIfChanged: false)
                }
            }
            tasks.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    store.reload(onlyIfChanged: true)
                }
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
