/// How a ledger is named where a user names one (`--ledger`, `APPROVAL_LEDGER`): an SQLite file's
/// path, or a PostgreSQL database's `postgres://` (or `postgresql://`) URL.
///
/// ```swift
/// LedgerLocation.isPostgresURL("postgres://ledger@db/approvals")  // true
/// LedgerLocation.isPostgresURL("decisions.ledger")                // false
/// ```
public enum LedgerLocation {
    /// Whether `location` names a PostgreSQL ledger rather than an SQLite file.
    public static func isPostgresURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }
}
