import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A running `approvalctl serve` on a free loopback port, for end-to-end tests: started from the
/// built binary, ready once it prints its address, stopped (SIGTERM, then waited for) by `stop()`.
final class ServiceProcess: @unchecked Sendable {
    // @unchecked: the Process and the handles are touched by the test that owns this object only.
    let process = Process()
    let base: String
    private let stdoutPath: String
    let stderrPath: String
    private let scratch: TemporaryDirectory

    /// Starts `approvalctl serve --port 0 ARGUMENTS…` and waits (up to 60 s) for "listening on".
    init(_ arguments: [String], environment: [String: String] = [:], in directory: String = Fixtures.directory)
        async throws
    {
        scratch = try TemporaryDirectory()
        stdoutPath = scratch.path + "/stdout"
        stderrPath = scratch.path + "/stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try ApprovalCtl.executable())
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        process.environment = ApprovalCtl.environment(adding: environment)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var found: String?
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                found = String(line.dropFirst("listening on ".count))
                break
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let found else {
            process.terminate()
            let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw ServiceStartFailure(message: "the service did not start: \(errors)")
        }
        base = found
    }

    /// What the service logged so far.
    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the service.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGTERM, then waits for the exit; returns the exit status.
    @discardableResult
    func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        for _ in 0..<300 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        scratch.remove()
        return process.terminationStatus
    }

    /// One HTTP exchange.
    func request(
        _ method: String, _ path: String, body: [UInt8]? = nil, contentType: String? = "application/json",
        headers: [String: String] = [:]
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let body {
            request.httpBody = Data(body)
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key.lowercased()] = value }
        }
        return HTTPResult(status: http.statusCode, headers: fields, body: Array(data))
    }
}

struct ServiceStartFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// An HTTP response: status, headers (lowercased names), body.
struct HTTPResult: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}
