public import ApprovalBatch
import ApprovalJSON
public import ApprovalRules
import Foundation
import GRDB

/// Which records to read: one task's, and those recorded in a time window.
///
/// ```swift
/// let filter = LedgerFilter(task: "48219", since: Timestamp(iso8601: "2025-06-01T00:00:00Z"))
/// ```
public struct LedgerFilter: Sendable, Hashable {
    /// A task id as given on a command line (`48219`, or `T-1` for a string id).
    public var task: String?
    /// Records written at or after this time.
    public var since: Timestamp?
    /// Records written before this time.
    public var until: Timestamp?

    /// A filter (every record by default).
    public init(task: String? = nil, since: Timestamp? = nil, until: Timestamp? = nil) {
        self.task = task
        self.since = since
        self.until = until
    }

    /// The SQL condition and its arguments, on the columns of `table` (an alias) when given.
    func condition(table: String = "") -> (sql: String, arguments: StatementArguments) {
        let column = table.isEmpty ? "" : table + "."
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let task {
            // An integer id is stored as its digits, a string id as its JSON string.
            clauses.append("\(column)task_id IN (?, ?)")
            arguments += [task, JSONWriter.compact.string(.string(task))]
        }
        if let since {
            clauses.append("\(column)recorded_at >= ?")
            arguments += [since.millisecondsSinceEpoch]
        }
        if let until {
            clauses.append("\(column)recorded_at < ?")
            arguments += [until.millisecondsSinceEpoch]
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}

extension DecisionLedger {
    /// How many records the ledger holds.
    ///
    /// - Throws: ``LedgerError``.
    public func count() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0 }
    }

    /// The records that pass `filter`, oldest first.
    ///
    /// - Throws: ``LedgerError``.
    public func records(_ filter: LedgerFilter = LedgerFilter()) throws -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try forEachRecord(filter) { records.append($0) }
        return records
    }

    /// Calls `body` with each record that passes `filter`, oldest first, without holding them all
    /// (for exports of any size). The records are read in one transaction: a consistent view,
    /// whatever other processes record meanwhile.
    ///
    /// - Throws: ``LedgerError``, or what `body` throws.
    public func forEachRecord(_ filter: LedgerFilter = LedgerFilter(), _ body: (LedgerRecord) throws -> Void) throws {
        let (condition, arguments) = filter.condition()
        try read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT * FROM records \(condition) ORDER BY sequence", arguments: arguments)
            while let row = try rows.next() { try body(try Self.record(row)) }
        }
    }

    /// Calls `body` with each record that passes `filter` and the stored bytes it was decided
    /// from (its snapshot and rule document; `nil` where missing), oldest first, in one
    /// transaction (for self-contained exports).
    ///
    /// - Throws: ``LedgerError``, or what `body` throws.
    public func forEachRecordWithInputs(
        _ filter: LedgerFilter = LedgerFilter(),
        _ body: (LedgerRecord, _ snapshot: [UInt8]?, _ ruleDocument: [UInt8]?) throws -> Void
    ) throws {
        let (condition, arguments) = filter.condition()
        try read { db in
            var documents: [String: [UInt8]?] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT * FROM records \(condition) ORDER BY sequence", arguments: arguments)
            while let row = try rows.next() {
                let record = try Self.record(row)
                let snapshot = try Data.fetchOne(
                    db, sql: "SELECT bytes FROM snapshots WHERE hash = ?", arguments: [record.snapshotHash])
                if documents[record.ruleSetHash] == nil {
                    documents[record.ruleSetHash] = try Data.fetchOne(
                        db, sql: "SELECT bytes FROM rule_documents WHERE hash = ?", arguments: [record.ruleSetHash]
                    ).map { [UInt8]($0) }
                }
                try body(record, snapshot.map { [UInt8]($0) }, documents[record.ruleSetHash] ?? nil)
            }
        }
    }

    /// The newest record that passes `filter`.
    ///
    /// - Throws: ``LedgerError``.
    public func lastRecord(_ filter: LedgerFilter = LedgerFilter()) throws -> LedgerRecord? {
        let (condition, arguments) = filter.condition()
        return try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM records \(condition) ORDER BY sequence DESC LIMIT 1", arguments: arguments
            ).map(Self.record)
        }
    }

    /// The rule set stored under a content hash, compiled (`nil` when none is stored).
    ///
    /// - Throws: ``LedgerError`` (`corrupt` when the stored document does not compile).
    public func ruleSet(_ hash: String) throws -> RuleSet? {
        guard let bytes = try ruleDocument(hash) else { return nil }
        do {
            return try RuleSet(bytes: bytes, file: "\(path)#\(hash)")
        } catch {
            throw LedgerError(code: .corrupt, path: path, message: "the stored rule document \(hash) does not compile")
        }
    }

    /// The stored bytes of a rule document, by its content hash.
    ///
    /// - Throws: ``LedgerError``.
    public func ruleDocument(_ hash: String) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM rule_documents WHERE hash = ?", arguments: [hash]).map {
                [UInt8]($0)
            }
        }
    }

    /// The stored bytes of a snapshot, by its digest.
    ///
    /// - Throws: ``LedgerError``.
    public func snapshot(_ hash: String) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM snapshots WHERE hash = ?", arguments: [hash]).map {
                [UInt8]($0)
            }
        }
    }

    /// A record from a `records` row; a value of the wrong type is a damaged ledger.
    static func record(_ row: Row) throws -> LedgerRecord {
        func value<T: DatabaseValueConvertible>(_ column: String) throws -> T {
            guard let value = T.fromDatabaseValue(row[column] ?? .null) else {
                throw LedgerError(
                    code: .corrupt, path: "", message: "record column \(column) holds a value of the wrong type")
            }
            return value
        }
        let newEscalations: String = try value("new_escalations")
        let indices = (try? JSONParser().parse(Array(newEscalations.utf8)))?.array?.compactMap(\.integer) ?? []
        let evaluatedAt: Int64? = row["evaluated_at"]
        let shadowDecision: Data? = row["shadow_decision"]
        return LedgerRecord(
            sequence: try value("sequence"), format: try value("format"),
            recordedAt: Timestamp(millisecondsSinceEpoch: try value("recorded_at")), taskID: row["task_id"],
            stepRunID: row["step_run_id"], source: try value("source"), ruleSetName: try value("rule_set_name"),
            ruleSetHash: try value("rule_set_hash"), snapshotHash: try value("snapshot_hash"),
            evaluatedAt: evaluatedAt.map(Timestamp.init(millisecondsSinceEpoch:)), explained: try value("explained"),
            decision: [UInt8](try value("decision") as Data), newEscalations: indices.map { Int($0) },
            previousHash: row["previous_hash"], shadowRuleSetName: row["shadow_rule_set_name"],
            shadowRuleSetHash: row["shadow_rule_set_hash"], shadowDecision: shadowDecision.map { [UInt8]($0) },
            hash: try value("hash"))
    }

    // MARK: - Replay

    /// Runs `body` with the recorded history as a ``SnapshotSource``: each record's stored
    /// snapshot, with the rule set and clock it was decided with (``BatchItem/recorded``), named
    /// `PATH#SEQUENCE`, oldest first. A ``BatchEvaluator`` comparing with a candidate rule set then
    /// shows what the candidate would have decided on real history.
    ///
    /// ```swift
    /// try ledger.withHistory(LedgerFilter(since: lastMonth)) { history in
    ///     let evaluator = BatchEvaluator(rules: current, comparedWith: candidate, options: EvaluationOptions(), workers: 2)
    ///     evaluator.run(&history, render: { _, _ in () }) { item, outcome, _ in summary.add(outcome) }
    /// }
    /// ```
    ///
    /// - Throws: ``LedgerError`` (a stored rule document that no longer compiles is `corrupt`).
    public func withHistory<T>(_ filter: LedgerFilter = LedgerFilter(), _ body: (inout LedgerHistory) throws -> T)
        throws -> T
    {
        let (condition, arguments) = filter.condition(table: "r")
        return try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.sequence, r.rule_set_hash, r.evaluated_at, s.bytes AS snapshot FROM records r
                    LEFT JOIN snapshots s ON s.hash = r.snapshot_hash \(condition) ORDER BY r.sequence
                    """, arguments: arguments)
            var history = LedgerHistory(ledger: self, db: db, rows: rows)
            let result = try body(&history)
            if let failure = history.failure { throw failure }
            return result
        }
    }
}

/// A ledger's recorded snapshots as a batch source (see ``DecisionLedger/withHistory(_:_:)``).
///
/// Lives only inside `withHistory`'s closure, on its thread (it reads the database as it goes).
///
/// ```swift
/// let names = try ledger.withHistory(LedgerFilter(task: "48219")) { history in
///     var names: [String] = []
///     while let item = history.next() { names.append(item.name) }  // "decisions.ledger#12", ...
///     return names
/// }
/// ```
public struct LedgerHistory: SnapshotSource {
    private let ledger: DecisionLedger
    private let db: Database
    private let rows: RowCursor
    private var rules: [String: RuleSet] = [:]
    /// The first failure to read, which ends the history (thrown by `withHistory`).
    fileprivate(set) var failure: LedgerError?

    fileprivate init(ledger: DecisionLedger, db: Database, rows: RowCursor) {
        self.ledger = ledger
        self.db = db
        self.rows = rows
    }

    /// The next recorded snapshot, or `nil` at the end (or at the first failure to read one).
    public mutating func next() -> BatchItem? {
        guard failure == nil else { return nil }
        do {
            guard let row = try rows.next() else { return nil }
            let sequence: Int64 = row["sequence"]
            let hash: String = row["rule_set_hash"]
            guard let snapshot = row["snapshot"] as Data? else {
                throw LedgerError(
                    code: .corrupt, path: ledger.path, message: "record #\(sequence): its snapshot is missing")
            }
            let ruleSet = try self.ruleSet(hash, sequence: sequence)
            let evaluatedAt: Int64? = row["evaluated_at"]
            let options = EvaluationOptions(now: evaluatedAt.map(Timestamp.init(millisecondsSinceEpoch:)))
            return BatchItem(
                file: "\(ledger.path)#\(sequence)", bytes: [UInt8](snapshot),
                recorded: BatchItem.Recorded(rules: ruleSet, options: options))
        } catch {
            failure = DecisionLedger.error(error, path: ledger.path)
            return nil
        }
    }

    private mutating func ruleSet(_ hash: String, sequence: Int64) throws -> RuleSet {
        if let known = rules[hash] { return known }
        guard
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM rule_documents WHERE hash = ?", arguments: [hash])
        else {
            throw LedgerError(
                code: .corrupt, path: ledger.path, message: "record #\(sequence): its rule document \(hash) is missing")
        }
        do {
            let ruleSet = try RuleSet(bytes: [UInt8](bytes), file: "\(ledger.path)#\(hash)")
            rules[hash] = ruleSet
            return ruleSet
        } catch {
            throw LedgerError(
                code: .corrupt, path: ledger.path,
                message: "record #\(sequence): its rule document \(hash) does not compile")
        }
    }
}
