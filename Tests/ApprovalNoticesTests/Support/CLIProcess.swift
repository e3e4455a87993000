import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `approvalctl` (beside this test bundle, or `$APPROVALCTL`), run as a child process.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func executable() throws -> String {
        if let override = ProcessInfo.processInfo.environment["APPROVALCTL"], !override.isEmpty { return override }
        let beside = URL(fileURLWithPath: CommandLine.arguments.first ?? "").standardizedFileURL
            .deletingLastPathComponent().appendingPathComponent("approvalctl").path
        let candidates = [beside, NoticeFixtures.root + "/.build/debug/approvalctl"]
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "approvalctl not built; looked at \(candidates)")
    }

    /// Starts `approvalctl arguments…` with only `PATH` and `environment` in its environment;
    /// its output goes to files in `folder`.
    static func start(_ arguments: [String], environment: [String: String], output folder: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            .merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: folder + "/stdout", contents: nil)
        _ = FileManager.default.createFile(atPath: folder + "/stderr", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/stdout"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/stderr"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `approvalctl arguments…` to the end.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let process = try start(arguments, environment: environment, output: scratch.path)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let read = { (name: String) in (try? String(contentsOfFile: scratch.path + "/" + name, encoding: .utf8)) ?? "" }
        return Result(
            status: process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus,
            stdout: read("stdout"), stderr: read("stderr"))
    }
}
