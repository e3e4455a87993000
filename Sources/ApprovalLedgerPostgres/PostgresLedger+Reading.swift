import ApprovalJSON
public import ApprovalLedger
import ApprovalRules
import Logging
import NIOCore
import PostgresNIO

/// Reading records and stored bytes (the primitives the shared verification, history and exports
/// are written over).
extension PostgresLedger {
    /// How many records the ledger holds.
    public func count() async throws -> Int {
        try await operation { client, logger in
            try await client.query("SELECT count(*) FROM records", logger: logger).collect().first?.decode(Int.self)
                ?? 0
        }
    }

    /// The sequence number of the newest record (0 when there is none).
    public func lastSequence() async throws -> Int64 {
        try await operation { client, logger in
            try await client.query("SELECT coalesce(max(sequence), 0) FROM records", logger: logger).collect().first?
                .decode(Int64.self) ?? 0
        }
    }

    /// Up to `limit` records after `after` and up to `through` that pass `filter`, oldest first.
    public func records(_ filter: LedgerFilter, after: Int64, through: Int64, limit: Int) async throws
        -> [LedgerRecord]
    {
        var query = Self.selectRecords(filter)
        query.sql += " AND sequence > $\(query.binds.count + 1) AND sequence <= $\(query.binds.count + 2)"
        query.binds.append(after)
        query.binds.append(through)
        query.sql += " ORDER BY sequence LIMIT $\(query.binds.count + 1)"
        query.binds.append(limit)
        let selected = query
        let location = location
        return try await operation { client, logger in
            try await client.query(selected, logger: logger).collect().map { try Self.record($0, location: location) }
        }
    }

    /// The newest record that passes `filter`.
    public func lastRecord(_ filter: LedgerFilter) async throws -> LedgerRecord? {
        var query = Self.selectRecords(filter)
        query.sql += " ORDER BY sequence DESC LIMIT 1"
        let selected = query
        let location = location
        return try await operation { client, logger in
            try await client.query(selected, logger: logger).collect().first.map {
                try Self.record($0, location: location)
            }
        }
    }

    /// The stored bytes of the snapshots with these digests.
    public func snapshots(_ hashes: Set<String>) async throws -> [String: [UInt8]] {
        try await stored(hashes, in: "snapshots")
    }

    /// The stored bytes of the rule documents with these content hashes.
    public func ruleDocuments(_ hashes: Set<String>) async throws -> [String: [UInt8]] {
        try await stored(hashes, in: "rule_documents")
    }

    /// PostgreSQL has no file-level check to run here: `nil`.
    public func integrityProblem() async throws -> String? { nil }

    private func stored(_ hashes: Set<String>, in table: String) async throws -> [String: [UInt8]] {
        guard !hashes.isEmpty else { return [:] }
        let wanted = Array(hashes)
        return try await operation { client, logger in
            var found: [String: [UInt8]] = [:]
            var binds = PostgresBindings()
            binds.append(wanted)
            let query = PostgresQuery(unsafeSQL: "SELECT hash, bytes FROM \(table) WHERE hash = ANY($1)", binds: binds)
            for try await (hash, bytes) in try await client.query(query, logger: logger).decode(
                (String, ByteBuffer).self)
            {
                found[hash] = Array(bytes.readableBytesView)
            }
            return found
        }
    }

    /// `SELECT * FROM records WHERE <filter>` (always with a `WHERE`, so conditions can follow).
    private static func selectRecords(_ filter: LedgerFilter) -> PostgresQuery {
        var binds = PostgresBindings()
        var clauses = ["TRUE"]
        if let task = filter.task {
            // An integer id is stored as its digits, a string id as its JSON string.
            binds.append(task)
            binds.append(JSONWriter.compact.string(.string(task)))
            clauses.append("task_id IN ($\(binds.count - 1), $\(binds.count))")
        }
        if let since = filter.since {
            binds.append(since.millisecondsSinceEpoch)
            clauses.append("recorded_at >= $\(binds.count)")
        }
        if let until = filter.until {
            binds.append(until.millisecondsSinceEpoch)
            clauses.append("recorded_at < $\(binds.count)")
        }
        return PostgresQuery(
            unsafeSQL: "SELECT \(recordColumns) FROM records WHERE " + clauses.joined(separator: " AND "), binds: binds)
    }

    private static let recordColumns = """
        sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name, rule_set_hash, snapshot_hash,
        evaluated_at, explained, decision, new_escalations, previous_hash, hash, shadow_rule_set_name,
        shadow_rule_set_hash, shadow_decision
        """

    /// A record from a row of ``recordColumns``; a value of the wrong type is a damaged ledger.
    private static func record(_ row: PostgresRow, location: String) throws -> LedgerRecord {
        let cells = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ column: String, _ type: T.Type = T.self) throws -> T {
            do {
                return try cells[column].decode(T.self)
            } catch {
                throw LedgerError(
                    code: .corrupt, path: location, message: "record column \(column) holds a value of the wrong type")
            }
        }
        let bytes: (ByteBuffer) -> [UInt8] = { Array($0.readableBytesView) }
        return LedgerRecord(
            sequence: try value("sequence"), format: Int(try value("format", Int32.self)),
            recordedAt: Timestamp(millisecondsSinceEpoch: try value("recorded_at")), taskID: try value("task_id"),
            stepRunID: try value("step_run_id"), source: try value("source"), ruleSetName: try value("rule_set_name"),
            ruleSetHash: try value("rule_set_hash"), snapshotHash: try value("snapshot_hash"),
            evaluatedAt: try value("evaluated_at", Int64?.self).map { Timestamp(millisecondsSinceEpoch: $0) },
            explained: try value("explained"), decision: bytes(try value("decision")),
            newEscalations: LedgerRecord.newEscalations(text: try value("new_escalations")),
            previousHash: try value("previous_hash"), shadowRuleSetName: try value("shadow_rule_set_name"),
            shadowRuleSetHash: try value("shadow_rule_set_hash"),
            shadowDecision: try value("shadow_decision", ByteBuffer?.self).map(bytes), hash: try value("hash"))
    }
}
