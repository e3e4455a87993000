public import ApprovalLedger
public import ApprovalRules
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// A decision ledger in a PostgreSQL database, shared by several processes on several machines:
/// one chain, one outbox.
///
/// Same records, hashes, verification and outbox semantics as ``DecisionLedger`` (SQLite); the
/// tables live in the schema `approval_ledger`. Appending takes the chain's head with
/// `SELECT … FOR UPDATE` on its one-row table, so writers on any number of instances are
/// serialised by the database and the chain never forks; deliverers claim notices with
/// `FOR UPDATE SKIP LOCKED` and a lease, so each notice is sent once whichever instance sends it.
///
/// The connections come from a pool (PostgresNIO's `PostgresClient`, at most
/// ``PostgresLedgerConfiguration/poolSize``), which reconnects when the server restarts. Every
/// operation has a deadline: while the database is down, operations fail after it with
/// ``LedgerError/Code/unavailable`` instead of waiting for ever.
///
/// ```swift
/// let configuration = try PostgresLedgerConfiguration(url: url, environment: environment)
/// try await PostgresLedger.withLedger(configuration, logger: logger) { ledger in
///     let receipt = try await ledger.record(entry)
///     let report = try await ledger.verify(workers: 2)
/// }
/// ```
public final class PostgresLedger: LedgerStore {
    /// The database, as messages show it (no password).
    public let location: String
    let client: PostgresClient
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    /// How long one operation may wait for the database.
    let deadline: Duration

    /// The time of the ledger's clock.
    public var clockNow: Timestamp { clock() }

    private init(
        _ configuration: PostgresLedgerConfiguration, clock: @escaping @Sendable () -> Timestamp,
        deadline: Duration, logger: Logger
    ) {
        location = configuration.description
        self.clock = clock
        self.logger = logger
        self.deadline = deadline
        var client: PostgresClient.Configuration
        if let folder = configuration.socketFolder {
            client = PostgresClient.Configuration(
                unixSocketPath: "\(folder)/.s.PGSQL.\(configuration.port)", username: configuration.user,
                password: configuration.password, database: configuration.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch configuration.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            client = PostgresClient.Configuration(
                host: configuration.host ?? "localhost", port: configuration.port, username: configuration.user,
                password: configuration.password, database: configuration.database, tls: tls)
        }
        client.options.maximumConnections = configuration.poolSize
        client.options.connectTimeout = .seconds(configuration.connectTimeout)
        client.options.additionalStartupParameters = [("search_path", PostgresSchema.name)]
        // The pool's own log: errors only. Its warnings are about connections it retries (which the
        // ledger's operations report as `unavailable` when they run out of time) and one about
        // a lease asked for before `run()` has been entered, which `withLedger` cannot order.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        self.client = PostgresClient(configuration: client, backgroundLogger: background)
    }

    /// Opens the ledger, runs `body` with it, and closes the connections.
    ///
    /// - Parameters:
    ///   - configuration: the database.
    ///   - mode: whether a database without a ledger gets one (its tables created), or is refused
    ///     with `not_found`.
    ///   - clock: the time each record is stamped with (injectable for tests).
    ///   - deadline: how long one operation may wait for the database before failing with
    ///     `unavailable` (default: the URL's `connect_timeout`, 10 seconds unless given).
    ///   - logger: where the pool logs connections (at debug and above).
    /// - Throws: ``LedgerError``, or what `body` throws.
    public static func withLedger<T: Sendable>(
        _ configuration: PostgresLedgerConfiguration, mode: DecisionLedger.Mode = .create,
        clock: @escaping @Sendable () -> Timestamp = DecisionLedger.systemClock, deadline: Duration? = nil,
        logger: Logger, _ body: (PostgresLedger) async throws -> T
    ) async throws -> T {
        let ledger = PostgresLedger(
            configuration, clock: clock, deadline: deadline ?? .seconds(configuration.connectTimeout), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await ledger.client.run() }
            defer { group.cancelAll() }
            try await ledger.prepare(creating: mode == .create)
            return try await body(ledger)
        }
    }

    /// Checks the database holds a ledger of a known schema, and creates or migrates its tables
    /// (under an advisory lock, so that instances starting together migrate once).
    private func prepare(creating: Bool) async throws {
        try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await PostgresSchema.migrate(
                    connection, creating: creating, location: self.location, logger: logger)
            }
        }
    }

    /// Runs `body` with the client, failing with `unavailable` when the database does not answer
    /// within the deadline, and turning PostgresNIO's errors into ``LedgerError``s (which never
    /// hold a query's arguments).
    ///
    /// The deadline does not wait for `body` to end: a query on a connection the server dropped
    /// (a restart) may not notice cancellation for a long time, and a task group would wait for it.
    /// So `body` runs in a task of its own, cancelled (and left to end) when the deadline passes.
    func operation<T: Sendable>(_ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T) async throws
        -> T
    {
        let client = client
        let logger = logger
        let deadline = deadline
        let location = location
        let work = Task { try await body(client, logger) }
        let race = FirstOutcome<T>()
        let timer = Task {
            try? await Task.sleep(for: deadline)
            race.settle(
                .failure(
                    LedgerError(
                        code: .unavailable, path: location,
                        message: "the database did not answer within \(deadline) (it may be down or restarting)")))
            work.cancel()
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.wait(continuation)
                Task { race.settle(await work.result) }
            }
        } onCancel: {
            work.cancel()
        }
        timer.cancel()
        do {
            return try outcome.get()
        } catch {
            throw Self.error(error, location: location)
        }
    }

    /// A PostgresNIO error as a ``LedgerError`` naming the database.
    static func error(_ error: any Error, location: String) -> LedgerError {
        // A transaction's error: what the closure threw, else why BEGIN or COMMIT failed.
        if let transaction = error as? PostgresTransactionError,
            let cause = transaction.closureError ?? transaction.commitError ?? transaction.beginError
        {
            return Self.error(cause, location: location)
        }
        if var error = error as? LedgerError {
            if error.path.isEmpty { error.path = location }
            return error
        }
        guard let error = error as? PSQLError else {
            if error is CancellationError {
                return LedgerError(code: .unavailable, path: location, message: "the operation was cancelled")
            }
            return LedgerError(code: .io, path: location, message: "\(error)")
        }
        if error.code == .server, let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState] ?? ""
            // 08: connection exceptions; 53: insufficient resources; 57P: operator intervention
            // (the server shutting down or restarting).
            if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") {
                return LedgerError(code: .unavailable, path: location, message: "\(message) [SQLSTATE \(state)]")
            }
            return LedgerError(code: .io, path: location, message: "\(message) [SQLSTATE \(state)]")
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return LedgerError(
            code: .unavailable, path: location, message: "cannot reach the database (\(error.code)\(underlying))")
    }
}

/// The first of several outcomes, handed to one waiting continuation (the others are dropped).
/// A `Mutex` guards the continuation and the outcome: whichever of the operation and its timer
/// settles first resumes the waiter, exactly once.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(CheckedContinuation<Result<T, any Error>, Never>?, Result<T, any Error>?)>((nil, nil))

    /// Parks `continuation` until the first outcome (at once when there is one already).
    func wait(_ continuation: CheckedContinuation<Result<T, any Error>, Never>) {
        let ready: Result<T, any Error>? = state.withLock { state in
            if let outcome = state.1 { return outcome }
            state.0 = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Records `outcome` if it is the first, resuming the waiter.
    func settle(_ outcome: Result<T, any Error>) {
        let waiter: CheckedContinuation<Result<T, any Error>, Never>? = state.withLock { state in
            guard state.1 == nil else { return nil }
            state.1 = outcome
            defer { state.0 = nil }
            return state.0
        }
        waiter?.resume(returning: outcome)
    }
}
