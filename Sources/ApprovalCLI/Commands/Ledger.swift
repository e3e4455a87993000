import ApprovalLedger
package import ApprovalRules
package import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

// The decision-ledger commands (their `run` is in Ledger+Run.swift).

/// `approvalctl ledger`: the decision ledger's commands.
package struct Ledger: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify, list and export the decisions recorded in a decision ledger.",
        discussion: """
            A decision ledger is an SQLite file, or a PostgreSQL database named by a postgres:// URL (password from PGPASSWORD or a .pgpass file), that `evaluate --ledger` (and `serve --ledger`) record decisions into: each record holds the snapshot as the engine read it, the rule document, the clock and the decision, chained by SHA-256 hashes so that any edit, deletion or reordering is found.

            Examples:
              approvalctl ledger verify decisions.ledger
              approvalctl ledger log decisions.ledger --task 48219
              approvalctl ledger export decisions.ledger --format ndjson > archive.ndjson
              approvalctl ledger migrate decisions.ledger --to postgres://ledger@db.internal/approvals
            """,
        subcommands: [LedgerVerify.self, LedgerLog.self, LedgerExport.self, LedgerMigrate.self]
    )

    /// The defaults.
    package init() {}
}

/// Options of the commands that read a ledger's records.
package struct LedgerReadOptions: ParsableArguments {
    @Argument(help: "The decision ledger: an SQLite file or a postgres:// URL.")
    package var ledger: String

    @Option(help: "Only this task's records (its id as the API gives it).")
    package var task: String?

    @Option(help: "Only records written at or after this time (ISO 8601).")
    package var since: String?

    @Option(help: "Only records written before this time (ISO 8601).")
    package var until: String?

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Checks the times.
    package func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Timestamp(iso8601: value) == nil {
                throw ValidationError(
                    "\(name) must be an ISO 8601 date or date-time with a zone, e.g. 2025-06-01T00:00:00Z")
            }
        }
    }

    /// `--since` as a timestamp (checked by `validate`).
    package var sinceTime: Timestamp? { since.flatMap(Timestamp.init(iso8601:)) }
    /// `--until` as a timestamp (checked by `validate`).
    package var untilTime: Timestamp? { until.flatMap(Timestamp.init(iso8601:)) }
}

/// `approvalctl ledger verify`.
package struct LedgerVerify: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a ledger's chain and decide every record again from its stored data.",
        discussion: """
            Walks the chain from the first record, recomputing every record's hash and the digests of the stored rule documents and snapshots, and decides every record again from its rule document, snapshot and clock, comparing the decision with the recorded one byte for byte. Prints the first broken or differing record (sequence, task, what differs) and exits 65; otherwise a summary and the head hash, exit 0. Keep the head hash elsewhere and pass it later with --anchor: the verification then also proves nothing up to it was cut off.

            Examples:
              approvalctl ledger verify decisions.ledger
              approvalctl ledger verify decisions.ledger --format json --anchor sha256:3f1c...
            """
    )

    @Argument(help: "The decision ledger: an SQLite file or a postgres:// URL.")
    package var ledger: String

    @Option(help: "A record hash kept elsewhere that the chain must hold.")
    package var anchor: String?

    @Option(help: "Worker threads re-deciding (default: all cores).")
    package var jobs: Int?

    @Option(help: "Output format: text or json.")
    package var format: OutputFormat = .text

    /// The defaults.
    package init() {}

    /// Checks `--jobs` and `--format`.
    package func validate() throws {
        try Jobs.validate(jobs)
        if format == .ndjson { throw ValidationError("ledger verify takes --format text or json") }
    }

}

/// `approvalctl ledger log`.
package struct LedgerLog: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List recorded decisions, oldest first.",
        discussion: """
            One line per record: sequence, time recorded, task and step run, recommendation, source, rule set, and the escalations (new ones marked). With --format json, a JSON array of the records, each with its decision.

            Examples:
              approvalctl ledger log decisions.ledger --task 48219
              approvalctl ledger log decisions.ledger --since 2025-06-01T00:00:00Z --format json
            """
    )

    @OptionGroup package var read: LedgerReadOptions

    @Option(help: "Output format: text or json.")
    package var format: OutputFormat = .text

    /// The defaults.
    package init() {}

    /// Checks `--format`.
    package func validate() throws {
        if format == .ndjson {
            throw ValidationError("ledger log takes --format text or json; use ledger export for NDJSON")
        }
    }

}

/// `approvalctl ledger export`.
package struct LedgerExport: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every record as NDJSON, for archives and log systems.",
        discussion: """
            One JSON object per line, oldest first: the record's fields (those its hash covers), its decision and its hash; with --with-snapshots also the stored snapshot and rule document, so that the export decides again on its own.

            Examples:
              approvalctl ledger export decisions.ledger --format ndjson > archive.ndjson
              approvalctl ledger export decisions.ledger --since 2025-06-01T00:00:00Z --with-snapshots
            """
    )

    @OptionGroup package var read: LedgerReadOptions

    @Option(help: "Output format: ndjson.")
    package var format: OutputFormat = .ndjson

    @Flag(help: "Include each record's snapshot and rule document (as JSON values).")
    package var withSnapshots = false

    /// The defaults.
    package init() {}

    /// Checks `--format`.
    package func validate() throws {
        if format != .ndjson { throw ValidationError("ledger export writes --format ndjson") }
    }

}

/// `approvalctl ledger migrate`.
package struct LedgerMigrate: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an SQLite ledger into a PostgreSQL database, then verify the copy.",
        discussion: """
            Copies every record (same sequence numbers and hashes), the stored rule documents and snapshots, the escalation marks and the outbox with its delivery states into the PostgreSQL database, which must hold no records yet; then verifies the copy as ledger verify does and checks that it ends at the same head hash as the file. The password comes from PGPASSWORD or a .pgpass file, never from the URL. Exits 65 when the source does not verify or the copy differs, 64 when the target already holds records.

            Examples:
              PGPASSFILE=/etc/approvals/pgpass approvalctl ledger migrate decisions.ledger --to postgres://ledger@db.internal/approvals
            """
    )

    @Argument(help: "The SQLite ledger to copy.")
    package var ledger: String

    @Option(help: "The PostgreSQL database to copy it into (a postgres:// URL).")
    package var to: String

    @Option(help: "Worker threads re-deciding during the verification (default: all cores).")
    package var jobs: Int?

    /// The defaults.
    package init() {}

    /// Checks the source and the target.
    package func validate() throws {
        try Jobs.validate(jobs)
        if LedgerLocation.isPostgresURL(ledger) { throw ValidationError("the ledger to copy must be an SQLite file") }
        if !LedgerLocation.isPostgresURL(to) { throw ValidationError("--to must be a postgres:// URL") }
    }

    /// Runs in the companion (it links PostgreSQL's client).
    package func run() throws {
        try exiting { throw Companion.exec(for: "ledger migrate", format: .text) }
    }
}

/// `approvalctl replay`.
package struct Replay: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Decide recorded history again with a candidate rule set and compare with what was decided.",
        discussion: """
            Every recorded snapshot in the window is decided by the rule set and clock it was recorded with, and by the candidate at the same clock; the report is that of dry-run --compare: which decisions change, and which rules start or stop firing. The parsed form of each recorded snapshot is kept in the cache folder, found again by the SHA-256 of its bytes, so replaying the same history with the next candidate does not parse it again (--verify-cache parses every snapshot to check the cache; deleting the folder is always safe). Exits 65 when the ledger cannot be read.

            Examples:
              approvalctl replay decisions.ledger --rules candidate.rules.json
              approvalctl replay decisions.ledger --rules candidate.rules.json --since 2025-05-01T00:00:00Z --format json
            """
    )

    @OptionGroup package var read: LedgerReadOptions

    @Option(help: "The candidate rule file.")
    package var rules: String

    @Option(help: OptionHelp.failOn)
    package var failOn: String?

    @Option(help: "Worker threads (default: all cores).")
    package var jobs: Int?

    @Flag(inversion: .prefixedNo, help: "Show a progress bar on stderr (default: when stderr is a terminal).")
    package var progress: Bool?

    @OptionGroup package var cache: BlockCacheOptions

    @Option(help: "Output format: text, json or ndjson.")
    package var format: OutputFormat = .text

    /// The defaults.
    package init() {}

    /// Checks `--jobs` and `--fail-on`.
    package func validate() throws {
        try Jobs.validate(jobs)
        _ = try FailOn.parse(list: failOn)
    }

}

extension Console {
    /// Worker threads by default: one per online core.
    package static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
