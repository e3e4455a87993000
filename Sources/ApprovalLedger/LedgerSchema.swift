import GRDB

/// The ledger's tables, created and evolved by one `DatabaseMigrator` with named, append-only
/// migrations (GRDB records which ran in `grdb_migrations`). A ledger written by a newer version
/// has migrations this one does not know, and is refused on open.
///
/// - `rule_documents`: each rule document once, keyed by its `sha256:` content hash.
/// - `snapshots`: each snapshot once, as the engine read it (signatures redacted), keyed by the
///   `sha256:` digest of its bytes.
/// - `records`: one row per decision, in chain order; `sequence` counts from 1 without gaps, and
///   `hash` is the SHA-256 of the record's canonical encoding (see ``LedgerRecord``), which
///   includes `previous_hash`.
/// - v2 adds to `records` the shadow rule set and its decision, for records made with one.
/// - `escalations`: one row per escalation of each record, with its key (the notice id: task,
///   step run, recipients, rules, message) and whether it was new; derived from the records, an
///   index for "was this already said for this task step?".
/// - v3 adds `notices`, the outbox: one row per notice to deliver (a new escalation's notice, a
///   reminder, a further escalation), queued in the transaction of the record that asked for it,
///   with its delivery state (see ``Notice``). Not part of the chain: what is sent is derived from
///   the records, and how the sending went is operational state.
enum LedgerSchema {
    /// `PRAGMA application_id` of a decision ledger ("APLD"): how a ledger is told from another
    /// SQLite database.
    static let applicationID: Int32 = 0x4150_4C44

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: records, rule documents, snapshots, escalations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rule_documents (
                        hash TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        bytes BLOB NOT NULL
                    );
                    CREATE TABLE snapshots (
                        hash TEXT PRIMARY KEY NOT NULL,
                        bytes BLOB NOT NULL
                    );
                    CREATE TABLE records (
                        sequence INTEGER PRIMARY KEY NOT NULL,
                        format INTEGER NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        task_id TEXT,
                        step_run_id TEXT,
                        source TEXT NOT NULL,
                        rule_set_name TEXT NOT NULL,
                        rule_set_hash TEXT NOT NULL,
                        snapshot_hash TEXT NOT NULL,
                        evaluated_at INTEGER,
                        explained INTEGER NOT NULL,
                        decision BLOB NOT NULL,
                        new_escalations TEXT NOT NULL,
                        previous_hash TEXT,
                        hash TEXT NOT NULL UNIQUE
                    );
                    CREATE INDEX records_by_task ON records(task_id, step_run_id);
                    CREATE INDEX records_by_time ON records(recorded_at);
                    CREATE TABLE escalations (
                        record_sequence INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        key TEXT NOT NULL,
                        is_new INTEGER NOT NULL,
                        PRIMARY KEY (record_sequence, position)
                    );
                    CREATE INDEX escalations_by_key ON escalations(key);
                    """)
        }
        migrator.registerMigration("v2: shadow decisions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE records ADD COLUMN shadow_rule_set_name TEXT;
                    ALTER TABLE records ADD COLUMN shadow_rule_set_hash TEXT;
                    ALTER TABLE records ADD COLUMN shadow_decision BLOB;
                    """)
        }
        migrator.registerMigration("v3: notices outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE notices (
                        id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        escalation_key TEXT NOT NULL,
                        record_sequence INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        task_id TEXT,
                        step_run_id TEXT,
                        task_url TEXT,
                        recipients TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        message TEXT NOT NULL,
                        rules TEXT NOT NULL,
                        rule_set_hash TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        lease_owner TEXT,
                        lease_until INTEGER,
                        delivered_channels TEXT NOT NULL DEFAULT '[]',
                        last_error TEXT,
                        sent_at INTEGER
                    );
                    CREATE INDEX notices_due ON notices(state, next_attempt_at);
                    CREATE INDEX notices_by_escalation ON notices(escalation_key);
                    """)
        }
        return migrator
    }
}
