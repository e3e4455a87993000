public import ApprovalLedger
import ApprovalLedgerPostgres
public import ApprovalRules
import Foundation
import GRDB

/// The two ledger backends, for suites that run on both.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The backend's name, as test output shows it.
    public var description: String { rawValue }
}

/// A fresh, empty ledger of one backend for one test.
public struct TestLedger: Sendable {
    /// The ledger.
    public let store: any LedgerStore
    /// Its location: the SQLite file's path, or the test database's URL.
    public let location: String
    let backend: Backend

    /// Runs raw SQL on the ledger's tables (statements separated by `;`), as someone with access
    /// to the file or the database could.
    public func tamper(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: location)
            try await queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        case .postgres:
            try await PostgresTestServer.execute(location, sql)
        }
    }

    /// Opens the same ledger again, as another process would (its own connections), and runs
    /// `body` with it.
    public func reopened<T: Sendable>(
        clock: @escaping @Sendable () -> Timestamp = DecisionLedger.systemClock,
        _ body: (any LedgerStore) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite:
            return try await body(DecisionLedger(path: location, clock: clock, logger: silentTestLogger))
        case .postgres:
            let configuration = try PostgresLedgerConfiguration(url: location, environment: [:])
            return try await PostgresLedger.withLedger(configuration, clock: clock, logger: silentTestLogger) {
                try await body($0)
            }
        }
    }

    /// Opens a fresh ledger of `backend` (a file in `folder`, or a new database), runs `body`, and
    /// closes it.
    public static func with<T: Sendable>(
        _ backend: Backend, in folder: String, clock: @escaping @Sendable () -> Timestamp = DecisionLedger.systemClock,
        _ body: (TestLedger) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite:
            let path = folder + "/decisions.ledger"
            let ledger = try DecisionLedger(path: path, clock: clock, logger: silentTestLogger)
            return try await body(TestLedger(store: ledger, location: path, backend: backend))
        case .postgres:
            let url = try await PostgresTestServer.newDatabase()
            let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
            return try await PostgresLedger.withLedger(configuration, clock: clock, logger: silentTestLogger) {
                try await body(TestLedger(store: $0, location: url, backend: backend))
            }
        }
    }
}
