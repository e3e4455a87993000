import ApprovalLedger
import ApprovalLedgerPostgres
import ApprovalRules
import Foundation
import GRDB
import Glibc
public import Logging
import PostgresNIO

/// A throwaway PostgreSQL cluster for this test process: started on first use with
/// `scripts/pg-cluster.sh` in a temporary folder (a Unix socket there, no TCP port), stopped and
/// removed when the process exits. Each test takes a database of its own from it.
public enum PostgresTestServer {
    /// A cluster: its folder and the URL of its `postgres` database.
    public struct Cluster: Sendable {
        /// The cluster's folder (its data, its log and its socket).
        public let folder: String
        /// The URL of its `postgres` database.
        public let url: String

        /// Restarts the cluster (fast shutdown, then start), keeping its data.
        public func restart() {
            script("restart", folder)
        }

        /// Stops the cluster (fast shutdown).
        public func stop() {
            script("stop", folder)
        }

        /// Starts the stopped cluster again.
        public func start() {
            script("start", folder)
        }

        /// Stops the cluster and removes its folder.
        public func destroy() {
            script("destroy", folder)
        }

        /// A new, empty database in the cluster; its ledger URL.
        public func newDatabase() async throws -> String {
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            try await PostgresTestServer.connect(url) { connection, logger in
                _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            }
            return url.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        }
    }

    /// The cluster the tests of this process share, started on first use.
    public static let shared: Cluster = {
        let cluster = newCluster()
        stoppedAtExit.folder = cluster.folder
        atexit { if let folder = stoppedAtExit.folder { _ = PostgresTestServer.script("destroy", folder) } }
        return cluster
    }()

    /// Where the exit handler finds the shared cluster (a C function pointer captures nothing).
    private nonisolated(unsafe) static var stoppedAtExit: (folder: String?, unused: Void) = (nil, ())

    /// A cluster of the caller's own (for a test that stops or restarts it); the caller destroys it.
    public static func newCluster() -> Cluster {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "approval-pg-\(UUID().uuidString.prefix(8))"
        ).path
        return Cluster(folder: folder, url: script("start", folder))
    }

    /// A new, empty database in the shared cluster; its ledger URL.
    public static func newDatabase() async throws -> String {
        try await shared.newDatabase()
    }

    /// Runs `scripts/pg-cluster.sh COMMAND FOLDER`; its stdout (the URL for start and restart).
    ///
    /// posix_spawn and waitpid rather than Foundation's `Process`, whose `waitUntilExit` can wait
    /// for ever on a thread of the concurrency pool.
    @discardableResult
    public static func script(_ command: String, _ folder: String) -> String {
        var pipe: [Int32] = [0, 0]
        // Close-on-exec: the server the script starts must not hold the pipe open (stdout, the one
        // copy the script gets, is /dev/null for the server).
        guard Glibc.pipe(&pipe) == 0 else { fatalError("pipe: \(errno)") }
        for end in pipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let arguments = [repositoryRoot + "/scripts/pg-cluster.sh", command, folder]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        close(pipe[1])
        guard spawned == 0 else { fatalError("cannot run scripts/pg-cluster.sh: \(spawned)") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[..<count]
        }
        close(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            fatalError(
                "scripts/pg-cluster.sh \(command) failed (wait status \(status)); PostgreSQL's server is needed (scripts/test-tools.sh installs it)"
            )
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs raw SQL on a test database's ledger tables, as someone with access to it (`psql`)
    /// could: statements separated by `;`.
    public static func execute(_ url: String, _ sql: String) async throws {
        try await connect(url) { connection, logger in
            _ = try await connection.query("SET search_path = approval_ledger", logger: logger)
            for statement in sql.split(separator: ";")
            where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                _ = try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
            }
        }
    }

    static func connect(_ url: String, _ body: (PostgresConnection, Logger) async throws -> Void)
        async throws
    {
        let configuration = try PostgresLedgerConfiguration(url: url, environment: [:])
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                unixSocketPath: "\(configuration.socketFolder ?? "/tmp")/.s.PGSQL.\(configuration.port)",
                username: configuration.user, password: nil, database: configuration.database),
            id: 1, logger: silentTestLogger)
        do {
            try await body(connection, silentTestLogger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
/// A logger that drops everything.
public let silentTestLogger = Logger(label: "ledger-test-support", factory: { _ in SwiftLogNoOpLogHandler() })

/// The repository's root (tests run from it, or from a folder below it).
public let repositoryRoot: String = {
    var folder = #filePath
    while let slash = folder.lastIndex(of: "/") {
        folder = String(folder[..<slash])
        if FileManager.default.fileExists(atPath: folder + "/Package.swift") { return folder }
    }
    return "."
}()
