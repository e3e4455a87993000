import ApprovalCLI
import ApprovalLedger
import ApprovalLedgerPostgres
import ArgumentParser
import Logging

/// Opening a ledger by its location, SQLite or PostgreSQL, for the commands that run here.
enum LedgerStores {
    /// Opens the ledger at `location` (an SQLite path or a `postgres://` URL), runs `body` with
    /// it, and closes it. A failure to open is reported on stderr and thrown as its exit status;
    /// what `body` throws is passed on.
    static func with<T: Sendable>(
        _ location: String, mode: DecisionLedger.Mode, format: OutputFormat, logger: Logger? = nil,
        _ body: (any LedgerStore) async throws -> T
    ) async throws -> T {
        let logger = logger ?? Console.logger(verbose: false)
        guard LedgerLocation.isPostgresURL(location) else {
            return try await body(try LedgerAccess.open(location, mode: mode, format: format))
        }
        let configuration: PostgresLedgerConfiguration
        do {
            configuration = try PostgresLedgerConfiguration(url: location)
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        var opened = false
        do {
            return try await PostgresLedger.withLedger(configuration, mode: mode, logger: logger) { ledger in
                opened = true
                return try await body(ledger)
            }
        } catch let error as LedgerError where !opened {
            throw LedgerAccess.report(error, format: format)
        }
    }
}

/// `approvalctl ledger` in the companion: every subcommand, on SQLite and PostgreSQL ledgers.
struct LiveLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Ledger.configuration.commandName, abstract: Ledger.configuration.abstract,
        discussion: Ledger.configuration.discussion,
        subcommands: [
            LiveOnLedger<LedgerVerify>.self, LiveOnLedger<LedgerLog>.self, LiveOnLedger<LedgerExport>.self,
            LiveLedgerMigrate.self,
        ])
}

/// A ledger command as the companion runs it: the same command line, the ledger opened from its
/// location (either backend), the command run on it.
struct LiveOnLedger<Command: LedgerCommand>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { Command.configuration }
    @OptionGroup var command: Command

    func run() async throws {
        try await exitingAsync {
            try await LedgerStores.with(
                try command.ledgerLocation(), mode: .readExisting, format: command.ledgerFormat
            ) {
                try await command.run(on: $0)
            }
        }
    }
}

/// `approvalctl ledger migrate`: an SQLite ledger copied into PostgreSQL, then verified.
struct LiveLedgerMigrate: AsyncParsableCommand {
    static let configuration = LedgerMigrate.configuration
    @OptionGroup var command: LedgerMigrate

    func run() async throws {
        try await exitingAsync {
            let source = try LedgerAccess.open(command.ledger, mode: .readExisting, format: .text)
            try await LedgerStores.with(command.to, mode: .create, format: .text) { store in
                // LedgerStores opens a postgres:// URL (checked by `validate`) as a PostgresLedger.
                guard let target = store as? PostgresLedger else { return }
                do {
                    try await Self.copy(source, into: target)
                } catch let failure as CommandFailure {
                    throw failure
                } catch {
                    throw LedgerAccess.report(error, format: .text)
                }
                let report = try await target.verify(workers: command.jobs ?? Console.cores)
                let sourceHead = try source.lastRecord(LedgerFilter())?.hash
                guard report.passed, report.head == sourceHead else {
                    let why =
                        report.failure.map { "#\($0.sequence): \($0.code): \($0.message)" }
                        ?? "the copy ends at \(report.head ?? "nothing"), the file at \(sourceHead ?? "nothing")"
                    throw Console.fail(
                        "the copy in \(target.location) does not verify: \(why)", code: "migrate_failed",
                        status: .invalidInput, format: .text)
                }
                let notices = try await target.noticeCounts().values.reduce(0, +)
                Console.out(
                    "copied \(report.records) records (\(report.ruleDocuments) rule documents, \(report.snapshots) snapshots) and \(notices) notices into \(target.location)\n"
                        + "verified; head: \(report.head ?? "(empty ledger)")\n")
            }
        }
    }

    /// Copies records page by page, then the outbox.
    private static func copy(_ source: DecisionLedger, into target: PostgresLedger) async throws {
        if try await target.count() > 0 {
            throw Console.fail(
                "\(target.location) already holds records: migrate copies into an empty ledger only", code: "usage",
                status: .usage, format: .text)
        }
        let head = try source.lastSequence()
        var after: Int64 = 0
        while true {
            let page = try source.records(LedgerFilter(), after: after, through: head, limit: 1000)
            guard let last = page.last else { break }
            let documents = Set(page.flatMap(\.ruleDocumentHashes))
            try await target.importPage(
                page, documents: try source.ruleDocuments(documents),
                snapshots: try source.snapshots(Set(page.map(\.snapshotHash))),
                escalations: try source.escalationRows(after: after, through: last.sequence))
            after = last.sequence
        }
        try await target.importNotices(try source.notices(state: nil))
    }
}
