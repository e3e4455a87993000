import ApprovalLedger
import Logging
import PostgresNIO

/// The ledger's tables in PostgreSQL, in the schema `approval_ledger`: the SQLite ledger's
/// (`rule_documents`, `snapshots`, `records`, `escalations`, `notices`; see `LedgerSchema`) with
/// PostgreSQL's types, and `chain_head`, the one row every append locks (`FOR UPDATE`) to take
/// the chain's head. Created and evolved by named, append-only migrations recorded in
/// `migrations`; a database holding a migration this version does not know is refused.
enum PostgresSchema {
    /// The schema the tables live in (every connection's `search_path`).
    static let name = "approval_ledger"

    /// Serialises migrations of instances starting together (`pg_advisory_xact_lock`).
    private static let migrationLock: Int64 = 0x4150_4C44_4D49_4752

    /// The migrations, in order: a name and its statements.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1: records, rule documents, snapshots, escalations, notices, chain head",
            [
                """
                CREATE TABLE approval_ledger.rule_documents (
                    hash TEXT PRIMARY KEY, name TEXT NOT NULL, bytes BYTEA NOT NULL)
                """,
                "CREATE TABLE approval_ledger.snapshots (hash TEXT PRIMARY KEY, bytes BYTEA NOT NULL)",
                """
                CREATE TABLE approval_ledger.records (
                    sequence BIGINT PRIMARY KEY, format INTEGER NOT NULL, recorded_at BIGINT NOT NULL, task_id TEXT,
                    step_run_id TEXT, source TEXT NOT NULL, rule_set_name TEXT NOT NULL, rule_set_hash TEXT NOT NULL,
                    snapshot_hash TEXT NOT NULL, evaluated_at BIGINT, explained BOOLEAN NOT NULL, decision BYTEA NOT NULL,
                    new_escalations TEXT NOT NULL, previous_hash TEXT, hash TEXT NOT NULL UNIQUE,
                    shadow_rule_set_name TEXT, shadow_rule_set_hash TEXT, shadow_decision BYTEA)
                """,
                "CREATE INDEX records_by_task ON approval_ledger.records (task_id, step_run_id)",
                "CREATE INDEX records_by_time ON approval_ledger.records (recorded_at)",
                """
                CREATE TABLE approval_ledger.escalations (
                    record_sequence BIGINT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL, is_new BOOLEAN NOT NULL,
                    PRIMARY KEY (record_sequence, position))
                """,
                "CREATE INDEX escalations_by_key ON approval_ledger.escalations (key)",
                """
                CREATE TABLE approval_ledger.notices (
                    id TEXT PRIMARY KEY, queued BIGINT GENERATED ALWAYS AS IDENTITY, kind TEXT NOT NULL,
                    escalation_key TEXT NOT NULL, record_sequence BIGINT NOT NULL, created_at BIGINT NOT NULL,
                    task_id TEXT, step_run_id TEXT, task_url TEXT, recipients TEXT NOT NULL, severity TEXT NOT NULL,
                    message TEXT NOT NULL, rules TEXT NOT NULL, rule_set_hash TEXT NOT NULL, state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, lease_owner TEXT,
                    lease_until BIGINT, delivered_channels TEXT NOT NULL DEFAULT '[]', last_error TEXT, sent_at BIGINT)
                """,
                "CREATE INDEX notices_due ON approval_ledger.notices (state, next_attempt_at)",
                "CREATE INDEX notices_by_escalation ON approval_ledger.notices (escalation_key)",
                """
                CREATE TABLE approval_ledger.chain_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1), sequence BIGINT NOT NULL, hash TEXT)
                """,
                "INSERT INTO approval_ledger.chain_head (id, sequence, hash) VALUES (1, 0, NULL)",
            ]
        )
    ]

    /// Checks and migrates, in the caller's transaction.
    static func migrate(_ connection: PostgresConnection, creating: Bool, location: String, logger: Logger)
        async throws
    {
        let exists =
            try await connection.query(
                "SELECT to_regclass('approval_ledger.migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        if !exists {
            guard creating else {
                throw LedgerError(code: .notFound, path: location, message: "no decision ledger in this database")
            }
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            _ = try await connection.query("CREATE SCHEMA IF NOT EXISTS approval_ledger", logger: logger)
            _ = try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS approval_ledger.migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)
                """, logger: logger)
        } else {
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
        }
        var applied: Set<String> = []
        for try await name in try await connection.query(
            "SELECT name FROM approval_ledger.migrations", logger: logger
        ).decode(String.self) {
            applied.insert(name)
        }
        let known = Set(migrations.map(\.name))
        if !applied.isSubset(of: known) {
            throw LedgerError(
                code: .newerSchema, path: location,
                message: "the ledger's schema is newer than this version knows; use a newer approvalctl")
        }
        for migration in migrations where !applied.contains(migration.name) {
            guard creating else {
                throw LedgerError(
                    code: .newerSchema, path: location,
                    message: "the ledger's schema is older than this version's; open it once for writing to migrate it")
            }
            for statement in migration.statements {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let name = migration.name
            _ = try await connection.query(
                "INSERT INTO approval_ledger.migrations (name, applied_at) VALUES (\(name), (extract(epoch FROM now()) * 1000)::bigint)",
                logger: logger)
            logger.info("ledger migrated", metadata: ["ledger.migration": "\(name)"])
        }
    }
}
