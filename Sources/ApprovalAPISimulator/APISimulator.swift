public import ApprovalJSON
import Hummingbird
public import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A local stand-in for the approvals API on loopback, built on Hummingbird: it serves tasks from
/// a folder of saved JSON (the `examples/` snapshots work as they are), checks the API key, and
/// injects faults on demand.
///
/// Endpoints (all `GET`, all requiring `X-API-Key`):
/// `/tasks/{id}/approval-details[?include_files=true]`, `/tasks/{id}`, `/tasks/{id}/files`,
/// `/tasks/{id}/signed-documents`, `/tasks/{id}/steps/{step_id}/document`. Control endpoints under
/// `/_sim/` (no key): `GET|POST|PUT|DELETE /_sim/faults`, `GET|DELETE /_sim/requests`,
/// `GET /_sim/health`; see `docs/api-client.md`.
///
/// In a test, start it on a free port and stop it at the end:
///
/// ```swift
/// let simulator = try APISimulator(configuration: .init(dataDirectory: "examples/snapshots", apiKey: "test-key"))
/// let port = try await simulator.start()          // 127.0.0.1, port chosen by the system
/// simulator.addFault(SimulatedFault(.status(503), times: 2))
/// // ... run the client against "http://127.0.0.1:\(port)" ...
/// await simulator.stop()
/// ```
public final class APISimulator: Sendable {
    /// What to serve and how.
    ///
    /// ```swift
    /// var configuration = APISimulator.Configuration(dataDirectory: "examples", apiKey: "k")
    /// configuration.faults = [SimulatedFault(.latency, latency: .milliseconds(200))]
    /// ```
    public struct Configuration: Sendable {
        /// The address to bind; loopback by default.
        public var host: String
        /// The port; 0 lets the system choose a free one.
        public var port: Int
        /// A folder of saved tasks (searched recursively for `*.json`).
        public var dataDirectory: String?
        /// Tasks given directly (snapshot envelopes); they win over files with the same id.
        public var tasks: [JSONValue]
        /// The key to expect in `X-API-Key`; `nil` accepts any non-empty key. A missing key is
        /// always 401 `{"detail":"Missing API key"}`, a wrong one 401 `{"detail":"Invalid API key"}`.
        public var apiKey: String?
        /// Faults in force from the start.
        public var faults: [SimulatedFault]
        /// How long a ``SimulatedFault/Kind/hang`` lasts at most.
        public var hangLimit: Duration
        /// Serve `download_url` and `expires_at` as saved, instead of fresh simulated presigned
        /// links that expire an hour from now.
        public var keepStoredURLs: Bool
        /// Where the simulator and Hummingbird log.
        public var logger: Logger

        /// A configuration.
        public init(
            host: String = "127.0.0.1", port: Int = 0, dataDirectory: String? = nil, tasks: [JSONValue] = [],
            apiKey: String? = nil, faults: [SimulatedFault] = [], hangLimit: Duration = .seconds(120),
            keepStoredURLs: Bool = false, logger: Logger = APISimulator.silentLogger
        ) {
            self.host = host
            self.port = port
            self.dataDirectory = dataDirectory
            self.tasks = tasks
            self.apiKey = apiKey
            self.faults = faults
            self.hangLimit = hangLimit
            self.keepStoredURLs = keepStoredURLs
            self.logger = logger
        }
    }

    /// A logger that discards everything: the default, since a library must not choose where
    /// logs go (the executable passes a logger writing to stderr).
    public static var silentLogger: Logger {
        Logger(label: "approval-api-sim", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    struct State {
        var faults: [SimulatedFault] = []
        var log: [SimulatedRequest] = []
        var nextRequestID = 1
        var port: Int?
        var stopping = false
        var group: ServiceGroup?
        var runTask: Task<Void, Never>?
    }

    let configuration: Configuration
    let store: TaskStore
    let state: Mutex<State>

    /// The most requests kept in the log (older ones are dropped).
    static let logLimit = 10_000

    /// A simulator with its tasks loaded; nothing listens until ``start()`` or ``run(handleSignals:onListening:)``.
    ///
    /// - Throws: ``SimulatorError`` (``SimulatorError/Code/invalidData``) when the folder does not
    ///   exist or an in-memory task has no `task_id`.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        store = try TaskStore(
            directory: configuration.dataDirectory, documents: configuration.tasks, logger: configuration.logger)
        var initial = State()
        initial.faults = configuration.faults
        state = Mutex(initial)
    }

    /// The ids of the tasks served, in order.
    public var taskIDs: [Int64] { store.tasks.keys.sorted() }

    /// The port listened on, once started.
    public var port: Int? { state.withLock { $0.port } }

    /// `http://HOST:PORT`, once started.
    public var baseURL: String? { port.map { "http://\(configuration.host):\($0)" } }

    // MARK: - Running

    /// Starts listening in the background and returns the bound port.
    ///
    /// - Throws: ``SimulatorError`` (``SimulatorError/Code/startFailed``) when the server cannot
    ///   bind or has already run.
    public func start() async throws -> Int {
        let (stream, continuation) = AsyncStream<Result<Int, SimulatorError>>.makeStream()
        let task = Task {
            do {
                try await self.serve(signals: []) { port in continuation.yield(.success(port)) }
                continuation.yield(.failure(SimulatorError(code: .startFailed, message: "the server stopped")))
            } catch {
                continuation.yield(.failure(SimulatorError(code: .startFailed, message: "\(error)")))
            }
            continuation.finish()
        }
        state.withLock { $0.runTask = task }
        for await result in stream { return try result.get() }
        throw SimulatorError(code: .startFailed, message: "the server did not start")
    }

    /// Stops a simulator started with ``start()``: ends hanging requests, shuts the server down
    /// gracefully and waits for it (cancelling it after 5 seconds).
    public func stop() async {
        let (group, task) = state.withLock { state in
            state.stopping = true
            return (state.group, state.runTask)
        }
        await group?.triggerGracefulShutdown()
        guard let task else { return }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(5))
            task.cancel()
        }
        await task.value
        watchdog.cancel()
    }

    /// Serves until the task is cancelled or, with `handleSignals`, until SIGINT or SIGTERM.
    ///
    /// - Parameters:
    ///   - handleSignals: shut down gracefully on SIGINT and SIGTERM (for the executable).
    ///   - onListening: called once with the bound port.
    /// - Throws: what the server throws (e.g. the address is in use).
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await serve(signals: handleSignals ? [.sigint, .sigterm] : [], onListening: onListening)
    }

    private func serve(signals: [UnixSignal], onListening: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(
            responder: SimulatorResponder(simulator: self),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? self.configuration.port
                self.state.withLock { $0.port = port }
                onListening(port)
            },
            logger: configuration.logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: signals, logger: configuration.logger)
        // Hummingbird's date cache ticks once a second and would hold a graceful shutdown for up
        // to two; in-flight simulated requests finish well within this.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(250)
        let group = ServiceGroup(configuration: groupConfiguration)
        state.withLock { $0.group = group }
        try await group.run()
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: - Faults

    /// Adds a fault after those already in force.
    public func addFault(_ fault: SimulatedFault) {
        state.withLock { $0.faults.append(fault) }
    }

    /// Adds faults after those already in force.
    public func addFaults(_ faults: [SimulatedFault]) {
        state.withLock { $0.faults.append(contentsOf: faults) }
    }

    /// Replaces every fault.
    public func setFaults(_ faults: [SimulatedFault]) {
        state.withLock { $0.faults = faults }
    }

    /// Removes the faults of one task, or all faults when `taskID` is `nil`.
    public func clearFaults(taskID: Int64? = nil) {
        state.withLock { state in
            if let taskID {
                state.faults.removeAll { $0.taskID == taskID }
            } else {
                state.faults.removeAll()
            }
        }
    }

    /// The faults still in force (with their remaining `times`).
    public func faults() -> [SimulatedFault] {
        state.withLock { $0.faults }
    }

    /// Takes the fault for this request, counting down its `times`.
    func takeFault(taskID: Int64?, endpoint: SimulatedEndpoint?) -> SimulatedFault? {
        state.withLock { state in
            func matches(_ fault: SimulatedFault, taskSpecific: Bool) -> Bool {
                if fault.times == 0 { return false }
                if taskSpecific {
                    guard let id = fault.taskID, id == taskID else { return false }
                } else if fault.taskID != nil {
                    return false
                }
                if let wanted = fault.endpoint, wanted != endpoint { return false }
                return true
            }
            guard
                let at = state.faults.firstIndex(where: { matches($0, taskSpecific: true) })
                    ?? state.faults.firstIndex(where: { matches($0, taskSpecific: false) })
            else { return nil }
            let fault = state.faults[at]
            if let times = fault.times {
                if times <= 1 {
                    state.faults.remove(at: at)
                } else {
                    state.faults[at].times = times - 1
                }
            }
            return fault
        }
    }

    // MARK: - Request log

    /// The requests received so far (never with the API key), oldest first.
    public func requests() -> [SimulatedRequest] {
        state.withLock { $0.log }
    }

    /// Forgets the requests received so far.
    public func clearRequests() {
        state.withLock { $0.log.removeAll() }
    }

    func record(_ entry: SimulatedRequest) -> Int {
        state.withLock { state in
            var entry = entry
            entry.id = state.nextRequestID
            state.nextRequestID += 1
            state.log.append(entry)
            if state.log.count > Self.logLimit { state.log.removeFirst(state.log.count - Self.logLimit) }
            return entry.id
        }
    }

    func update(_ id: Int, status: Int?, fault: String?) {
        state.withLock { state in
            guard let at = state.log.lastIndex(where: { $0.id == id }) else { return }
            state.log[at].status = status
            if let fault { state.log[at].fault = fault }
        }
    }
}
