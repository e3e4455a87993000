import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server on loopback (Python's aiosmtpd, installed by scripts/test-tools.sh) that
/// writes every message it accepts to a Maildir.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let maildir: String
    private let process: Process

    init(in folder: String) async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/msmtp"),
            "msmtp is not installed: run scripts/test-tools.sh (make test does)")
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import aiosmtpd"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        try #require(
            check.terminationStatus == 0, "aiosmtpd is not installed: run scripts/test-tools.sh (make test does)")
        port = try freePort()
        maildir = folder + "/maildir"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if canConnect(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        Issue.record("the SMTP sink did not start listening on port \(port)")
        throw CancellationError()
    }

    func stop() {
        // aiosmtpd does not stop on SIGTERM; it keeps nothing that SIGKILL could lose.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The messages received, oldest first, as raw bytes.
    func messages() throws -> [[UInt8]] {
        let folder = maildir + "/new"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try names.sorted().map { Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0))) }
    }
}

/// A message's headers (unfolded, names lowercased; the first of each) and body.
struct MailMessage {
    let headers: [String: String]
    let body: String

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let parts = text.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        var lastName: String?
        for line in parts[0].split(separator: "\n") {
            if line.first == " " || line.first == "\t", let name = lastName {
                headers[name]! += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                if headers[name] == nil {
                    headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    lastName = name
                } else {
                    lastName = nil
                }
            }
        }
        self.headers = headers
        body = parts.dropFirst().joined(separator: "\n\n")
    }

    /// The Subject with its RFC 2047 `=?utf-8?B?…?=` words decoded.
    var subject: String {
        let raw = headers["subject"] ?? ""
        guard raw.hasPrefix("=?utf-8?B?") else { return raw }
        var bytes: [UInt8] = []
        for word in raw.split(separator: " ") {
            let encoded = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            bytes += Array(Data(base64Encoded: String(encoded)) ?? Data())
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A TCP port free on loopback right now.
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    try #require(bound == 0)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts connections on loopback `port`.
func canConnect(_ port: Int) -> Bool {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
