import ApprovalJSON
import ApprovalLedgerPostgres
import ApprovalRules
import Foundation
import LedgerTestSupport
import Testing

@testable import ApprovalLedger

/// What is particular to the PostgreSQL backend: its URL, opening a database, a server that is
/// not there. (The chain, verification, replay and the outbox run on both backends in the other
/// suites.)
@Suite struct PostgresLedgerTests {
    /// How a URL is read, and what is refused (each case: URL, environment, expected description
    /// or the start of the error's message).
    @Test(
        arguments: [
            ("postgres://ledger@db.internal/approvals", [:], "postgres://ledger@db.internal:5432/approvals"),
            (
                "postgresql://ledger@db.internal:6543/approvals?sslmode=require", [:],
                "postgres://ledger@db.internal:6543/approvals"
            ),
            (
                "postgres:///approvals?host=/run/postgresql", ["PGUSER": "svc"],
                "postgres://svc@/approvals?host=/run/postgresql&port=5432"
            ),
            ("postgres://[::1]:5433/x", [:], "postgres://postgres@[::1]:5433/x"),
            ("postgres://ledger:s3cret@db/approvals", [:], "error: the URL holds a password"),
            ("postgres://db/approvals?sslmode=sometimes", [:], "error: sslmode must be"),
            ("postgres://db/approvals?pool_size=0", [:], "error: pool_size must be"),
            ("postgres://db:99999/approvals", [:], "error: the port must be"),
            ("postgres://db/approvals?application=x", [:], "error: unknown URL parameter application"),
        ] as [(String, [String: String], String)])
    func urlsAreReadAsLibpqReadsThemAndPasswordsRefused(
        _ url: String, _ environment: [String: String], _ expected: String
    )
        throws
    {
        do {
            let configuration = try PostgresLedgerConfiguration(url: url, environment: environment)
            #expect(configuration.description == expected)
            #expect(!expected.hasPrefix("error:"))
        } catch let error as LedgerError {
            #expect(error.code == .invalidLocation)
            #expect(expected.hasPrefix("error:"), "\(error)")
            #expect(error.message.hasPrefix(expected.dropFirst(7)), "\(error)")
            #expect(!error.description.contains("s3cret"), "the password must never be shown")
        }
    }

    @Test func thePasswordComesFromTheEnvironmentOrAPasswordFileNeverFromTheURL() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let file = folder.file("pgpass")
        try Data(
            """
            # host:port:database:user:password
            other:5432:*:*:wrong
            db.internal:5432:approvals:ledger:pa\\:ss
            *:*:*:*:fallback

            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        let url = "postgres://ledger@db.internal/approvals"
        let fromFile = try PostgresLedgerConfiguration(url: url, environment: ["PGPASSFILE": file])
        #expect(fromFile.password == "pa:ss")
        let fromEnvironment = try PostgresLedgerConfiguration(
            url: url, environment: ["PGPASSFILE": file, "PGPASSWORD": "env"])
        #expect(fromEnvironment.password == "env")
        #expect(!fromEnvironment.description.contains("env"))
        // A password file others can read is ignored, as libpq ignores it.
        chmod(file, 0o644)
        #expect(try PostgresLedgerConfiguration(url: url, environment: ["PGPASSFILE": file]).password == nil)
    }

    @Test func aDatabaseWithoutALedgerIsNotFoundUnlessCreated() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        await #expect(throws: LedgerError.self) {
            try await PostgresLedger.withLedger(configuration, mode: .readExisting, logger: silentTestLogger) { _ in }
        }
        do {
            try await PostgresLedger.withLedger(configuration, mode: .readExisting, logger: silentTestLogger) { _ in }
        } catch let error as LedgerError {
            #expect(error.code == .notFound)
            #expect(error.path == configuration.description)
        }
        let count = try await PostgresLedger.withLedger(configuration, logger: silentTestLogger) {
            try await $0.count()
        }
        #expect(count == 0)
        // Opened again (another instance starting): the tables are there, nothing is migrated twice.
        let again = try await PostgresLedger.withLedger(configuration, mode: .readExisting, logger: silentTestLogger) {
            try await $0.lastSequence()
        }
        #expect(again == 0)
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        try await PostgresLedger.withLedger(configuration, logger: silentTestLogger) { _ in }
        try await PostgresTestServer.execute(url, "INSERT INTO migrations VALUES ('v99: from the future', 0)")
        do {
            try await PostgresLedger.withLedger(configuration, logger: silentTestLogger) { _ in }
            Issue.record("a ledger of a newer schema was opened")
        } catch let error as LedgerError {
            #expect(error.code == .newerSchema)
        }
    }

    @Test func aServerThatIsNotThereIsUnavailable() async throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let configuration = try PostgresLedgerConfiguration(
            url: "postgres://postgres@localhost/none?host=\(folder.path)", environment: [:])
        do {
            try await PostgresLedger.withLedger(configuration, deadline: .seconds(1), logger: silentTestLogger) { _ in }
            Issue.record("a ledger was opened on no server")
        } catch let error as LedgerError {
            #expect(error.code == .unavailable, "\(error)")
            #expect(error.path == configuration.description)
        }
        // (How soon, a process of its own shows: LedgerMigrateTests runs the CLI against no server.)
    }
}
