import ApprovalJSON
import ApprovalRules
import Foundation
import GRDB

extension LedgerFilter {
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

    /// The sequence number of the newest record (0 when there is none).
    ///
    /// - Throws: ``LedgerError``.
    public func lastSequence() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM records") ?? 0 }
    }

    /// Up to `limit` records after `after` and up to `through` that pass `filter`, oldest first.
    ///
    /// - Throws: ``LedgerError``.
    public func records(_ filter: LedgerFilter, after: Int64, through: Int64, limit: Int) throws -> [LedgerRecord] {
        var (condition, arguments) = filter.condition()
        condition += condition.isEmpty ? "WHERE " : " AND "
        condition += "sequence > ? AND sequence <= ?"
        arguments += [after, through]
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM records \(condition) ORDER BY sequence LIMIT ?", arguments: arguments + [limit]
            ).map(Self.record)
        }
    }

    /// The newest record that passes `filter`.
    ///
    /// - Throws: ``LedgerError``.
    public func lastRecord(_ filter: LedgerFilter) throws -> LedgerRecord? {
        let (condition, arguments) = filter.condition()
        return try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM records \(condition) ORDER BY sequence DESC LIMIT 1", arguments: arguments
            ).map(Self.record)
        }
    }

    /// The stored bytes of the snapshots with these digests.
    ///
    /// - Throws: ``LedgerError``.
    public func snapshots(_ hashes: Set<String>) throws -> [String: [UInt8]] {
        try stored(hashes, in: "snapshots")
    }

    /// The stored bytes of the rule documents with these content hashes.
    ///
    /// - Throws: ``LedgerError``.
    public func ruleDocuments(_ hashes: Set<String>) throws -> [String: [UInt8]] {
        try stored(hashes, in: "rule_documents")
    }

    private func stored(_ hashes: Set<String>, in table: String) throws -> [String: [UInt8]] {
        guard !hashes.isEmpty else { return [:] }
        return try read { db in
            let statement = try db.cachedStatement(sql: "SELECT bytes FROM \(table) WHERE hash = ?")
            var found: [String: [UInt8]] = [:]
            for hash in hashes {
                if let data = try Data.fetchOne(statement, arguments: [hash]) { found[hash] = [UInt8](data) }
            }
            return found
        }
    }

    /// What SQLite's `quick_check` finds wrong with the file (`nil`: nothing).
    ///
    /// - Throws: ``LedgerError``.
    public func integrityProblem() throws -> String? {
        try read { db in
            try String.fetchAll(db, sql: "PRAGMA quick_check").first { $0 != "ok" }.map { "SQLite: \($0)" }
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
        let evaluatedAt: Int64? = row["evaluated_at"]
        let shadowDecision: Data? = row["shadow_decision"]
        return LedgerRecord(
            sequence: try value("sequence"), format: try value("format"),
            recordedAt: Timestamp(millisecondsSinceEpoch: try value("recorded_at")), taskID: row["task_id"],
            stepRunID: row["step_run_id"], source: try value("source"), ruleSetName: try value("rule_set_name"),
            ruleSetHash: try value("rule_set_hash"), snapshotHash: try value("snapshot_hash"),
            evaluatedAt: evaluatedAt.map(Timestamp.init(millisecondsSinceEpoch:)), explained: try value("explained"),
            decision: [UInt8](try value("decision") as Data),
            newEscalations: LedgerRecord.newEscalations(text: newEscalations),
            previousHash: row["previous_hash"], shadowRuleSetName: row["shadow_rule_set_name"],
            shadowRuleSetHash: row["shadow_rule_set_hash"], shadowDecision: shadowDecision.map { [UInt8]($0) },
            hash: try value("hash"))
    }
}

extension DecisionLedger {
    /// The escalation rows of the records after `after` and up to `through` (what `ledger migrate`
    /// copies beside the records).
    ///
    /// - Throws: ``LedgerError``.
    package func escalationRows(after: Int64, through: Int64) throws -> [AppendPlan.EscalationRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT record_sequence, position, key, is_new FROM escalations
                    WHERE record_sequence > ? AND record_sequence <= ? ORDER BY record_sequence, position
                    """, arguments: [after, through]
            ).map {
                AppendPlan.EscalationRow(
                    recordSequence: $0["record_sequence"], position: $0["position"], key: $0["key"], isNew: $0["is_new"]
                )
            }
        }
    }
}
