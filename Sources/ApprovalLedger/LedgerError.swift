/// Why a decision ledger could not be opened, read or written.
///
/// Every error names the ledger file. The codes are stable; the CLI maps them to its exit codes
/// (`not_found` 66, `not_a_ledger`, `newer_schema` and `corrupt` 65, `busy` and `unavailable` 75,
/// `io` 73, `invalid_location` 64).
///
/// ```swift
/// do {
///     _ = try DecisionLedger(path: "notes.txt", mode: .readExisting, logger: logger)
/// } catch let error as LedgerError {
///     print(error)  // "notes.txt: not a decision ledger (file is not a database) [not_a_ledger]"
/// }
/// ```
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, as a stable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String {
            case notFound = "not_found"
            case notALedger = "not_a_ledger"
            case newerSchema = "newer_schema"
            case corrupt
            case busy
            case io
            case invalidEntry = "invalid_entry"
            case invalidLocation = "invalid_location"
            case unavailable
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// There is no ledger at the path (and the command reads an existing one).
        public static let notFound = Code(.notFound)
        /// The file is not an SQLite database, or a database that is not a decision ledger.
        public static let notALedger = Code(.notALedger)
        /// The ledger was written by a newer version, whose schema this one does not know.
        public static let newerSchema = Code(.newerSchema)
        /// SQLite found the file damaged (a corrupted page, a truncated file).
        public static let corrupt = Code(.corrupt)
        /// Another process held the ledger locked for longer than the busy timeout.
        public static let busy = Code(.busy)
        /// The file cannot be created, read or written (permissions, a full disk, a read-only
        /// file system).
        public static let io = Code(.io)
        /// What was asked to be recorded is not recordable (a decision with no task id).
        public static let invalidEntry = Code(.invalidEntry)

        /// The ledger's location is not one this version can open (a malformed `postgres://` URL,
        /// a password in it).
        public static let invalidLocation = Code(.invalidLocation)
        /// The database server cannot be reached, or did not answer in time (it may be restarting).
        public static let unavailable = Code(.unavailable)

        /// The code as text, `not_a_ledger`.
        public var description: String { kind.rawValue }
    }

    /// What kind of failure.
    public var code: Code
    /// The ledger file.
    public var path: String
    /// What went wrong, in a sentence (no secrets: SQL arguments are never included).
    public var message: String

    /// An error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `PATH: MESSAGE [CODE]`.
    public var description: String { "\(path): \(message) [\(code)]" }
}
