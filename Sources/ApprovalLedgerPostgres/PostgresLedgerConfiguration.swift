import ApprovalLedger

#if canImport(Glibc)
    import Glibc
#endif

/// Where a PostgreSQL ledger is, read from a `postgres://` URL as libpq reads one, without the
/// password: that comes from `PGPASSWORD` or a `.pgpass`-style file, never from a URL or a flag
/// (command lines are visible to every user of the machine, and end up in shell histories).
///
/// `postgres://USER@HOST:PORT/DATABASE?sslmode=disable|prefer|require&pool_size=N&connect_timeout=S`;
/// `postgresql://` too; `?host=/run/postgresql` (a folder) connects to the Unix socket
/// `/run/postgresql/.s.PGSQL.PORT` instead of TCP. The user defaults to `PGUSER`, then `postgres`;
/// the port to 5432; the database to the user name. `connect_timeout` (default 10 s) also bounds how
/// long one ledger operation waits for the database before it fails as `unavailable`.
///
/// ```swift
/// let configuration = try PostgresLedgerConfiguration(
///     url: "postgres://ledger@db.internal/approvals?sslmode=require", environment: ["PGPASSFILE": "/etc/approvals/pgpass"])
/// ```
public struct PostgresLedgerConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is secured.
    public enum TLSMode: String, Sendable, Hashable {
        /// Never TLS (a Unix socket, loopback).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS, or no connection.
        case require
    }

    /// The server's host name or address (TCP), when not a Unix socket.
    public var host: String?
    /// The folder holding the server's Unix socket, when connecting through one.
    public var socketFolder: String?
    /// The server's port (also the socket file's suffix).
    public var port: Int
    /// The user to connect as.
    public var user: String
    /// The database.
    public var database: String
    /// The password, from the environment or the password file (never printed).
    public var password: String?
    /// TLS.
    public var tls: TLSMode
    /// The most connections this process opens.
    public var poolSize: Int
    /// How long a connection attempt may take, in seconds.
    public var connectTimeout: Int

    /// Reads a URL; the password comes from `environment["PGPASSWORD"]`, else from the file
    /// `environment["PGPASSFILE"]` or `~/.pgpass` (lines `host:port:database:user:password`, `*`
    /// matching anything, as libpq reads them).
    ///
    /// - Throws: ``LedgerError`` (`invalid_location`) naming what is wrong with the URL.
    public init(url: String, environment: [String: String]) throws {
        func invalid(_ message: String) -> LedgerError {
            LedgerError(code: .invalidLocation, path: Self.redacted(url), message: message)
        }
        guard let schemeEnd = url.firstRange(of: "://"), LedgerLocation.isPostgresURL(url) else {
            throw invalid("not a postgres:// URL")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                query[String(parts[0])] = parts.count > 1 ? Self.percentDecoded(parts[1]) : ""
            }
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/")
        let authority = slash.map { rest[..<$0] } ?? rest
        let path = slash.map { rest[rest.index(after: $0)...] } ?? ""
        var hostPort = authority
        var user = environment["PGUSER"] ?? "postgres"
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if userInfo.contains(":") {
                throw invalid(
                    "the URL holds a password: remove it, and give it in PGPASSWORD or a .pgpass file instead")
            }
            user = Self.percentDecoded(userInfo)
            hostPort = authority[authority.index(after: at)...]
        }
        var port = 5432
        var hostName = String(hostPort)
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                throw invalid("the port must be a number from 1 to 65535")
            }
            port = number
            hostName = String(hostPort[..<colon])
        }
        if hostName.hasPrefix("["), hostName.hasSuffix("]") { hostName = String(hostName.dropFirst().dropLast()) }
        if let portText = query["port"] {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw invalid("port must be a number from 1 to 65535")
            }
            port = number
        }
        if let socket = query["host"], socket.hasPrefix("/") {
            socketFolder = socket
            host = nil
        } else {
            host = query["host"] ?? (hostName.isEmpty ? "localhost" : Self.percentDecoded(Substring(hostName)))
            socketFolder = nil
        }
        self.port = port
        self.user = query["user"] ?? user
        database = path.isEmpty ? self.user : Self.percentDecoded(path)
        guard let tls = TLSMode(rawValue: query["sslmode"] ?? (socketFolder == nil ? "prefer" : "disable")) else {
            throw invalid("sslmode must be disable, prefer or require")
        }
        self.tls = tls
        poolSize = 8
        if let text = query["pool_size"] {
            guard let size = Int(text), (1...200).contains(size) else {
                throw invalid("pool_size must be a number from 1 to 200")
            }
            poolSize = size
        }
        connectTimeout = 10
        if let text = query["connect_timeout"] {
            guard let seconds = Int(text), (1...600).contains(seconds) else {
                throw invalid("connect_timeout must be a number of seconds from 1 to 600")
            }
            connectTimeout = seconds
        }
        let unknown = Set(query.keys).subtracting(["sslmode", "pool_size", "connect_timeout", "host", "port", "user"])
        if let first = unknown.sorted().first {
            throw invalid(
                "unknown URL parameter \(first) (known: sslmode, pool_size, connect_timeout, host, port, user)")
        }
        password =
            environment["PGPASSWORD"]
            ?? Self.passwordFromFile(
                environment: environment, host: host, port: port, database: database, user: self.user)
    }

    /// The environment variables a configuration reads (the password, its file, the default user,
    /// and `HOME` for `~/.pgpass`).
    public static let environmentNames = ["PGPASSWORD", "PGPASSFILE", "PGUSER", "HOME"]

    /// Reads a URL, with the password and default user from this process's environment (see
    /// ``init(url:environment:)``).
    ///
    /// - Throws: ``LedgerError`` (`invalid_location`).
    public init(url: String) throws {
        let environment = Self.environmentNames.reduce(into: [String: String]()) { found, name in
            if let value = getenv(name) { found[name] = String(cString: value) }
        }
        try self.init(url: url, environment: environment)
    }

    /// The ledger as messages show it: the URL without a password (this type never holds one).
    public var description: String {
        if let socketFolder { return "postgres://\(user)@/\(database)?host=\(socketFolder)&port=\(port)" }
        let shown = host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
        return "postgres://\(user)@\(shown):\(port)/\(database)"
    }

    /// `url` with whatever sits between `://` and `@` cut, for an error about a URL that may hold a
    /// password.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
            url[scheme.upperBound..<at].contains(":")
        else { return url }
        let user = url[scheme.upperBound..<at].prefix { $0 != ":" }
        return String(url[..<scheme.upperBound]) + user + ":***" + url[at...]
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The password of the first matching line of the password file, as libpq reads it (`\:`
    /// and `\\` escaped; the file ignored unless only its owner can read it).
    private static func passwordFromFile(
        environment: [String: String], host: String?, port: Int, database: String, user: String
    ) -> String? {
        guard let path = environment["PGPASSFILE"] ?? environment["HOME"].map({ $0 + "/.pgpass" }) else { return nil }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 == 0, let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            text += buffer[..<count]
        }
        let wanted = [host ?? "localhost", String(port), database, user]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = []
            var field = ""
            var escaped = false
            for character in line {
                if escaped {
                    field.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":" && fields.count < 4 {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(character)
                }
            }
            fields.append(field)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
