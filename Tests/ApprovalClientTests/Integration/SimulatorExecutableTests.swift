import ApprovalJSON
import Foundation
import Testing

@testable import ApprovalClient

/// The `approval-api-sim` executable, as the CLI's integration tests use it. It must have been
/// built next to the test bundle (`swift build --build-tests` builds it): a missing executable
/// fails the test, it is not skipped.
@Suite("approval-api-sim executable", .timeLimit(.minutes(1)))
struct SimulatorExecutableTests {
    static let executable: String? = {
        var directory = CommandLine.arguments.first ?? ""
        // The test runner is `.../debug/<package>PackageTests.xctest` (a file on Linux).
        while !directory.isEmpty, !directory.hasSuffix(".xctest") {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        guard let slash = directory.lastIndex(of: "/") else { return nil }
        let path = String(directory[..<slash]) + "/approval-api-sim"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    @Test func printsItsPortServesAndStopsOnSIGTERM() async throws {
        let key = "ca_exe_key_0000"
        let process = Process()
        let executable = try #require(
            Self.executable, "approval-api-sim is not next to the test bundle (swift build --build-tests builds it)")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "0", "--data", Fixtures.simData, "--api-key", key]
        process.environment = ["PATH": "/usr/bin:/bin"]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line of stdout, read off the cooperative pool.
        let line = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = stdout.fileHandleForReading.readData(ofLength: 1)
                    if chunk.isEmpty || chunk.first == 0x0A { break }
                    bytes.append(contentsOf: chunk)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        let baseURL = String(line.dropFirst("listening on ".count))

        let transport = AsyncHTTPClientTransport(defaultTimeout: .seconds(5))
        let client = APIClient(
            baseURL: baseURL, apiKey: key, transport: transport,
            middlewares: [RetryMiddleware(policy: RetryPolicy(baseDelay: .milliseconds(10)))],
            logger: LogCapture().logger())
        let (posted, _) = try await transport.send(
            HTTPRequest(method: .post, url: baseURL + "/_sim/faults"),
            body: [UInt8](#"{"kind":"status","status":503,"times":1}"#))
        #expect(posted.status == 200)
        let details = try await client.approvalDetails(taskID: 12345, includeFiles: true, as: ApprovalDetails.self)
        #expect(details.taskID == 12345)
        try await transport.shutdown()

        process.terminate()  // SIGTERM
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!errors.contains(key))
        #expect(errors.contains("serving 3 task(s)"))
    }
}
