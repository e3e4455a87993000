import ApprovalJSON
public import ApprovalRules
import Foundation
import GRDB
import GRDBSQLite
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A tamper-evident record of decisions, in one SQLite file (WAL mode, through GRDB).
///
/// Each ``record(_:)`` appends one ``LedgerRecord`` per decision in one transaction: the rule
/// document and the snapshot are stored once per content hash, and the record's hash chains it to
/// the previous one. Several processes may record into one ledger at once (SQLite serialises the
/// writers; each takes the chain's head inside its own write transaction). A process killed at any
/// point leaves a ledger holding every record whose `record` call returned.
///
/// ```swift
/// let ledger = try DecisionLedger(path: "decisions.ledger", logger: logger)
/// let entry = try LedgerEntry.deciding(bytes, rules: rules, options: EvaluationOptions(now: clock), source: "cli")
/// let receipt = try ledger.record(entry)
/// if !receipt.newEscalations.isEmpty { notify(entry.decision.escalations, receipt.newEscalations) }
/// let report = try await ledger.verify()
/// ```
public final class DecisionLedger: LedgerStore {
    /// How to open a ledger.
    ///
    /// ```swift
    /// let history = try DecisionLedger(path: path, mode: .readExisting, logger: logger)
    /// ```
    public struct Mode: Sendable, Hashable {
        fileprivate let creates: Bool

        /// Open the ledger, creating the file when it does not exist (what recording does).
        public static let create = Mode(creates: true)
        /// Open an existing ledger; a missing file is a `not_found` error.
        public static let readExisting = Mode(creates: false)
    }

    /// The ledger file.
    public let path: String
    /// The ledger file (its ``path``).
    public var location: String { path }
    /// The connections (internal: the extensions in the other files of the module use it).
    let pool: DatabasePool
    let clock: @Sendable () -> Timestamp
    private let logger: Logger

    /// Opens (or creates) a ledger, checking that the file is one and that its schema is known,
    /// and bringing an older schema up to date.
    ///
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - mode: whether a missing file is created.
    ///   - busyTimeout: how long a write waits for another process's (seconds).
    ///   - clock: the time each record is stamped with (injectable for tests).
    ///   - logger: where the ledger logs opening and migration (at debug).
    /// - Throws: ``LedgerError``.
    public init(
        path: String, mode: Mode = .create, busyTimeout: Double = 30,
        clock: @escaping @Sendable () -> Timestamp = DecisionLedger.systemClock, logger: Logger
    ) throws {
        self.path = path
        self.clock = clock
        self.logger = logger
        var status = stat()
        let exists = stat(path, &status) == 0
        if !exists && !mode.creates {
            throw LedgerError(code: .notFound, path: path, message: "no such ledger")
        }
        if exists, (status.st_mode & S_IFMT) == S_IFDIR {
            throw LedgerError(code: .notALedger, path: path, message: "not a decision ledger (a directory)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "ledger"
        configuration.prepareDatabase { db in
            // An audit record: each commit reaches the disk before `record` returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The indexes on digests (snapshots, records, escalation keys) take random keys: with
            // SQLite's default 2 MB page cache, a ledger of 100,000 records rereads their pages on
            // every transaction. 64 MB (allocated as used) keeps them.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Keep the -wal file when the last connection closes (after checkpointing it into the
            // ledger file, which is then complete on its own): a one-shot `evaluate --ledger` then
            // neither creates it (with a directory sync) nor deletes it every run.
            // Truncated to nothing at each checkpoint, so the next process has no old frames to
            // scan when it opens the ledger.
            var persist: Int32 = 1
            _ = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            try db.execute(sql: "PRAGMA journal_size_limit = 0")
        }
        pool = try Self.open(path, configuration: configuration, creates: mode.creates, busyTimeout: busyTimeout)
        logger.debug("ledger opened", metadata: ["ledger.path": "\(path)"])
    }

    /// Opens the pool and prepares the ledger. While another process creates the same new ledger
    /// (switching it to WAL, recovering its index), SQLite can answer "busy" without waiting: this
    /// tries again, with a growing pause, for up to `busyTimeout` seconds.
    private static func open(_ path: String, configuration: Configuration, creates: Bool, busyTimeout: Double)
        throws -> DatabasePool
    {
        let deadline = ContinuousClock.now + .milliseconds(Int64(busyTimeout * 1000))
        var attempt: UInt32 = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try prepare(pool, path: path, creates: creates)
                return pool
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED)
                && ContinuousClock.now < deadline
            {
                attempt += 1
                usleep(min(attempt, 20) * 5_000)
            } catch {
                throw Self.error(error, path: path)
            }
        }
    }

    /// The wall clock, in milliseconds.
    public static let systemClock: @Sendable () -> Timestamp = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(millisecondsSinceEpoch: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
    }

    /// Checks the file is a ledger of a known schema, and creates or migrates the tables.
    ///
    /// Several processes may open a new ledger at once: each reads the header and the tables in
    /// one transaction (a consistent view, never a half-created ledger), claims an empty file in an
    /// IMMEDIATE one, and runs the migrations; a process whose migration finds that another one
    /// already ran it (SQLite: the table exists) looks again, at most a few times.
    private static func prepare(_ pool: DatabasePool, path: String, creates: Bool) throws {
        var attempt = 0
        while true {
            do {
                try prepareOnce(pool, path: path, creates: creates)
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && attempt < 3 {
                attempt += 1
            }
        }
    }

    private static func prepareOnce(_ pool: DatabasePool, path: String, creates: Bool) throws {
        let migrator = LedgerSchema.migrator
        // On the writer's connection (a one-shot recorder then never opens a reader), in one
        // transaction.
        let (applicationID, tables, superseded, complete) = try pool.writeWithoutTransaction { db in
            var state: (Int32, Int, Bool, Bool) = (0, 0, false, false)
            try db.inTransaction(.deferred) {
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                let known = applicationID == LedgerSchema.applicationID
                state = (
                    applicationID, tables, known ? try migrator.hasBeenSuperseded(db) : false,
                    known ? try migrator.hasCompletedMigrations(db) : false
                )
                return .commit
            }
            return state
        }
        if applicationID != LedgerSchema.applicationID {
            guard applicationID == 0, tables == 0 else { throw foreign(path) }
            guard creates else {
                throw LedgerError(code: .notALedger, path: path, message: "not a decision ledger (an empty database)")
            }
        }
        if superseded {
            throw LedgerError(
                code: .newerSchema, path: path,
                message: "the ledger's schema is newer than this version knows; use a newer approvalctl")
        }
        if complete { return }
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                // Claimed by another process meanwhile: as a ledger (fine), or as something else.
                let current = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                if current == LedgerSchema.applicationID { return .commit }
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                guard current == 0, tables == 0 else { throw foreign(path) }
                try db.execute(sql: "PRAGMA application_id = \(LedgerSchema.applicationID)")
                return .commit
            }
        }
        try migrator.migrate(pool)
    }

    private static func foreign(_ path: String) -> LedgerError {
        LedgerError(
            code: .notALedger, path: path, message: "not a decision ledger (an SQLite database of another kind)")
    }

    /// A GRDB or SQLite error as a ``LedgerError`` naming the file (never the SQL's arguments).
    static func error(_ error: any Error, path: String) -> LedgerError {
        if var error = error as? LedgerError {
            if error.path.isEmpty { error.path = path }
            return error
        }
        guard let database = error as? DatabaseError else {
            return LedgerError(code: .io, path: path, message: "\(error)")
        }
        let reason = database.message ?? "\(database.resultCode)"
        switch database.resultCode {
        case .SQLITE_NOTADB:
            return LedgerError(code: .notALedger, path: path, message: "not a decision ledger (\(reason))")
        case .SQLITE_CORRUPT:
            return LedgerError(code: .corrupt, path: path, message: "the ledger file is damaged (\(reason))")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError(code: .busy, path: path, message: "the ledger stayed locked by another process")
        default:
            return LedgerError(code: .io, path: path, message: reason)
        }
    }

    /// Runs `body` in a read transaction (a consistent view while writers go on).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// Runs `body` in an IMMEDIATE write transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// Runs `body` in an IMMEDIATE write transaction without blocking the calling task.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// The time of the ledger's clock (injected in tests): what records and notices are stamped
    /// with, and what delivery schedules against.
    public var clockNow: Timestamp { clock() }
}
