public import ApprovalJSON
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
/// let report = try ledger.verify()
/// ```
public final class DecisionLedger: Sendable {
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
    private let pool: DatabasePool
    private let clock: @Sendable () -> Timestamp
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

    // MARK: - Recording

    /// Records one decision (one transaction) and says which of its escalations are new.
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entry: LedgerEntry) throws -> LedgerReceipt {
        try record([entry])[0]
    }

    /// Records decisions in one transaction, in order: all are recorded, or none.
    ///
    /// - Returns: one receipt per entry, in order.
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func record(_ entries: [LedgerEntry]) throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        do {
            return try pool.writeWithoutTransaction { db in try appendInTransaction(prepared, in: db) }
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// Records decisions as ``record(_:)-([LedgerEntry])`` does, without blocking the calling task
    /// while it waits for the database (for servers).
    ///
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func recordAsync(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        do {
            return try await pool.writeWithoutTransaction { db in try self.appendInTransaction(prepared, in: db) }
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// Records one decision without blocking the calling task.
    ///
    /// - Throws: ``LedgerError``.
    public func recordAsync(_ entry: LedgerEntry) async throws -> LedgerReceipt {
        try await recordAsync([entry])[0]
    }

    /// What can be computed of an entry outside the write transaction (its hashing and writing).
    private struct PreparedEntry: Sendable {
        let entry: LedgerEntry
        let snapshotHash: String
        let decision: [UInt8]
        let shadowDecision: [UInt8]?
        let taskID: String?
        let escalationKeys: [String]

        init(_ entry: LedgerEntry) {
            self.entry = entry
            snapshotHash = Digest.sha256(entry.snapshot)
            decision = JSONWriter.compact.bytes(entry.decision.json)
            shadowDecision = entry.shadow.map { JSONWriter.compact.bytes($0.decision.json) }
            let task = entry.decision.taskID
            taskID = task == .null ? nil : JSONWriter.compact.string(task)
            escalationKeys = entry.decision.escalations.map {
                Escalations.key($0, taskID: task, stepRunID: entry.stepRunID)
            }
        }
    }

    /// Appends the entries in one IMMEDIATE transaction (the chain's head is read inside it).
    private func appendInTransaction(_ entries: [PreparedEntry], in db: Database) throws -> [LedgerReceipt] {
        var receipts: [LedgerReceipt] = []
        try db.inTransaction(.immediate) {
            receipts = try append(entries, in: db)
            return .commit
        }
        return receipts
    }

    private func append(_ entries: [PreparedEntry], in db: Database) throws -> [LedgerReceipt] {
        let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
        var sequence: Int64 = head?["sequence"] ?? 0
        var previous: String? = head?["hash"]
        var receipts: [LedgerReceipt] = []
        let recordedAt = clock()
        // Statements prepared once per transaction (SQLite parses SQL text on every prepare).
        let hasDocument = try db.cachedStatement(sql: "SELECT 1 FROM rule_documents WHERE hash = ?")
        let insertDocument = try db.cachedStatement(
            sql: "INSERT INTO rule_documents (hash, name, bytes) VALUES (?, ?, ?)")
        let insertSnapshot = try db.cachedStatement(sql: "INSERT OR IGNORE INTO snapshots (hash, bytes) VALUES (?, ?)")
        let seenKey = try db.cachedStatement(sql: "SELECT 1 FROM escalations WHERE key = ? LIMIT 1")
        let insertEscalation = try db.cachedStatement(
            sql: "INSERT INTO escalations (record_sequence, position, key, is_new) VALUES (?, ?, ?, ?)")
        let insertRecord = try db.cachedStatement(
            sql: """
                INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                    rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                    shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var notices = try NoticeQueue(db)
        var storedDocuments: Set<String> = []
        func store(_ rules: RuleSet) throws {
            guard !storedDocuments.contains(rules.contentHash) else { return }
            if try Bool.fetchOne(hasDocument, arguments: [rules.contentHash]) == nil {
                try insertDocument.execute(arguments: [rules.contentHash, rules.name, Data(rules.documentBytes)])
            }
            storedDocuments.insert(rules.contentHash)
        }
        for prepared in entries {
            let entry = prepared.entry
            sequence += 1
            let documentHash = entry.rules.contentHash
            try store(entry.rules)
            if let shadow = entry.shadow { try store(shadow.rules) }
            try insertSnapshot.execute(arguments: [prepared.snapshotHash, Data(entry.snapshot)])
            var fresh: [Int] = []
            for (position, key) in prepared.escalationKeys.enumerated() {
                let seen = try Bool.fetchOne(seenKey, arguments: [key]) ?? false
                // The same escalation twice in one decision is said once.
                if !seen, !prepared.escalationKeys[..<position].contains(key) { fresh.append(position) }
            }
            var record = LedgerRecord(
                sequence: sequence,
                format: entry.shadow == nil ? LedgerRecord.currentFormat : LedgerRecord.shadowFormat,
                recordedAt: recordedAt,
                taskID: prepared.taskID, stepRunID: entry.stepRunID, source: entry.source,
                ruleSetName: entry.rules.name, ruleSetHash: documentHash, snapshotHash: prepared.snapshotHash,
                evaluatedAt: entry.options.now, explained: entry.options.explain, decision: prepared.decision,
                newEscalations: fresh, previousHash: previous, hash: "")
            record.shadowRuleSetName = entry.shadow?.rules.name
            record.shadowRuleSetHash = entry.shadow?.rules.contentHash
            record.shadowDecision = prepared.shadowDecision
            record.hash = record.computedHash
            try insertRecord.execute(arguments: [
                record.sequence, record.format, record.recordedAt.millisecondsSinceEpoch, record.taskID,
                record.stepRunID, record.source, record.ruleSetName, record.ruleSetHash, record.snapshotHash,
                record.evaluatedAt?.millisecondsSinceEpoch, record.explained, Data(record.decision),
                JSONWriter.compact.string(.array(record.newEscalations.map { .integer(Int64($0)) })),
                record.previousHash, record.hash, record.shadowRuleSetName, record.shadowRuleSetHash,
                record.shadowDecision.map { Data($0) },
            ])
            // Before this record's escalation rows: "first seen" is from the records before it.
            let context = NoticeQueue.Context(
                sequence: sequence, recordedAt: recordedAt, taskID: prepared.taskID, stepRunID: entry.stepRunID,
                taskURL: entry.taskURL, ruleSetHash: documentHash)
            var queued: [String] = []
            for (position, escalation) in entry.decision.escalations.enumerated() {
                queued += try notices.queue(
                    escalation, key: prepared.escalationKeys[position], isNew: fresh.contains(position),
                    context: context)
            }
            for (position, key) in prepared.escalationKeys.enumerated() {
                try insertEscalation.execute(arguments: [sequence, position, key, fresh.contains(position)])
            }
            previous = record.hash
            receipts.append(
                LedgerReceipt(record: record, escalationKeys: prepared.escalationKeys, queuedNotices: queued))
        }
        return receipts
    }
}

/// What recording a decision gave: its record, and which escalations were new.
///
/// ```swift
/// let receipt = try ledger.record(entry)
/// for index in receipt.newEscalations { send(entry.decision.escalations[index]) }
/// ```
public struct LedgerReceipt: Sendable, Hashable {
    /// The record as written.
    public let record: LedgerRecord
    /// Each escalation's key (in the decision's order): a digest of the task, the step run, the
    /// recipients, the rules and the message, the same for the same notice in any record.
    public let escalationKeys: [String]
    /// The ids of the notices this record queued in the outbox: one per new escalation, and the
    /// reminders and further escalations that came due (see ``Notice``).
    public let queuedNotices: [String]

    /// The record's place in the chain.
    public var sequence: Int64 { record.sequence }
    /// The record's hash.
    public var hash: String { record.hash }
    /// Which of the decision's escalations (indices) were new for its task and step run.
    public var newEscalations: [Int] { record.newEscalations }

    /// The receipt as JSON, as the CLI prints it under `record`.
    public var json: JSONValue {
        [
            "sequence": .integer(record.sequence), "hash": .string(record.hash),
            "previous_hash": record.previousHash.map(JSONValue.string) ?? .null,
            "new_escalations": .array(record.newEscalations.map { .integer(Int64($0)) }),
            "queued_notices": .array(queuedNotices.map(JSONValue.string)),
        ]
    }
}
