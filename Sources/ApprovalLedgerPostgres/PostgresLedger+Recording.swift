public import ApprovalLedger
import ApprovalRules
import Logging
import NIOCore
import PostgresNIO

/// Recording into PostgreSQL: one transaction per call; the chain's head is locked
/// (`SELECT … FOR UPDATE` on `chain_head`) after the content-addressed rows are written and held
/// to the commit, so appends from any number of instances form one chain.
extension PostgresLedger {
    /// Records decisions in one transaction, in order: all are recorded, or none.
    ///
    /// - Returns: one receipt per entry, in order.
    /// - Throws: ``LedgerError``; nothing is recorded then (or, when the database stopped
    ///   answering during the commit, the outcome is unknown: `unavailable`).
    public func record(_ entries: [LedgerEntry]) async throws -> [LedgerReceipt] {
        guard !entries.isEmpty else { return [] }
        let prepared = entries.map(PreparedEntry.init)
        let clock = clock
        return try await operation { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.append(prepared, clock: clock, on: connection, logger: logger)
            }
        }
    }

    private static func append(
        _ entries: [PreparedEntry], clock: @Sendable () -> Timestamp, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [LedgerReceipt] {
        // Snapshots and rule documents first: content-addressed, so concurrent appends may insert
        // the same ones, and they need not wait for the chain's lock. One statement stores the
        // snapshots and says which rule documents are stored already (they are large, and almost
        // always there: they are sent only when missing).
        var documents: [String: (name: String, bytes: [UInt8])] = [:]
        for entry in entries {
            for rules in [entry.entry.rules] + (entry.entry.shadow.map { [$0.rules] } ?? []) {
                documents[rules.contentHash] = (rules.name, rules.documentBytes)
            }
        }
        var hashes: [String] = []
        var bytes: [ByteBuffer] = []
        for entry in entries where !hashes.contains(entry.snapshotHash) {
            hashes.append(entry.snapshotHash)
            bytes.append(ByteBuffer(bytes: entry.entry.snapshot))
        }
        let snapshots = StoreSnapshots(hashes: hashes, bytes: bytes, documents: Array(documents.keys))
        for try await hash in try await connection.execute(snapshots, logger: logger) {
            documents[hash] = nil
        }
        for (hash, document) in documents {
            try await storeRuleDocument(
                hash, name: document.name, bytes: document.bytes, on: connection, logger: logger)
        }
        // The chain's head, locked until the commit. Then, in a statement of its own (so that it
        // sees what the appender before committed), when each escalation was first recorded.
        var head: (sequence: Int64, hash: String)?
        var locked = false
        for try await (sequence, hash) in try await connection.execute(LockHead(), logger: logger) {
            head = sequence == 0 ? nil : hash.map { (sequence: sequence, hash: $0) }
            locked = true
        }
        guard locked else { throw LedgerError(code: .corrupt, path: "", message: "the chain head row is missing") }
        let keys = AppendPlan.escalationKeys(entries)
        var firstSeen: [String: Int64] = [:]
        if !keys.isEmpty {
            for try await (key, time) in try await connection.execute(FirstSeen(keys: keys), logger: logger) {
                firstSeen[key] = time
            }
        }
        let plan = AppendPlan(entries, after: head, firstSeen: firstSeen, recordedAt: clock())
        var inserted: Set<String> = []
        for try await id in try await connection.execute(WriteAppend(plan: plan), logger: logger) {
            inserted.insert(id)
        }
        return plan.receipts(inserted: inserted)
    }

    /// Stores a rule document under its content hash, unless one is stored there already.
    static func storeRuleDocument(
        _ hash: String, name: String, bytes: [UInt8], on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO rule_documents (hash, name, bytes) VALUES (\(hash), \(name), \(ByteBuffer(bytes: bytes)))
            ON CONFLICT (hash) DO NOTHING
            """, logger: logger)
    }
}
