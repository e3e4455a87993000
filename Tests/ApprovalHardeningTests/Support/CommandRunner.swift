import Foundation
import Testing

/// What one run of `approvalctl` produced, with stdout, stderr and the status kept apart.
struct CommandResult: Sendable {
    /// The exit status (meaningful when ``exitedNormally``).
    var status: Int32
    /// False when the process died of a signal (a crash, a trap) instead of calling `exit`.
    var exitedNormally: Bool
    /// True when the watchdog had to stop it after ``ApprovalCtl/timeLimit`` seconds.
    var timedOut: Bool
    var stdout: [UInt8]
    var stderr: [UInt8]

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// A one-line account for failure messages.
    var summary: String {
        let how = timedOut ? "timed out" : exitedNormally ? "exit \(status)" : "killed by signal \(status)"
        let excerpt = stderrText.prefix(300)
        return "\(how); \(stdout.count) bytes on stdout; stderr: \(excerpt)"
    }

    /// Exited by itself, in time, with `status`.
    func ended(with status: Int32) -> Bool {
        exitedNormally && !timedOut && self.status == status
    }
}

/// The environments the CLI runs in. Nothing is inherited from the test runner but `PATH`, so a
/// developer's `APPROVAL_RULES`, `APPROVAL_API_KEY`, locale or time zone cannot change an outcome.
enum CommandEnvironment {
    /// The API key planted in ``hostile`` (it must never appear in any output).
    static let apiKey = "sk_test_SECRET123"

    /// UTC, the C locale.
    static let baseline: [String: String] = ["TZ": "UTC", "LC_ALL": "C", "LANG": "C"]

    /// The furthest-ahead time zone (UTC+14), a Turkish locale (dotless i, comma decimal
    /// separator) where one is installed, and an API key in the environment.
    static let hostile: [String: String] = [
        "TZ": "Pacific/Kiritimati", "LC_ALL": "tr_TR.UTF-8", "LANG": "tr_TR.UTF-8", "LC_NUMERIC": "tr_TR.UTF-8",
        "LC_TIME": "tr_TR.UTF-8", "APPROVAL_API_KEY": apiKey,
    ]
}

/// Runs the built `approvalctl` in child processes, at most a few at a time, each under a
/// watchdog, and remembers results so that tests asking for the same run share one process.
enum ApprovalCtl {
    /// Seconds before a run counts as hung and is stopped.
    static let timeLimit = 20

    /// `$APPROVALCTL`, else `<repo>/.build/debug/approvalctl`.
    static var executablePath: String {
        if let path = ProcessInfo.processInfo.environment["APPROVALCTL"], !path.isEmpty { return path }
        return Paths.repository + "/.build/debug/approvalctl"
    }

    /// The executable, or a failed requirement saying how to build it.
    static func executable(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        let path = executablePath
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "approvalctl not found at \(path); build it with `swift build --product approvalctl` or set APPROVALCTL",
            sourceLocation: sourceLocation)
        return path
    }

    /// Runs `approvalctl arguments...` in `directory` with `environment` (plus `PATH`), stdin
    /// empty; identical requests share one run.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String] = CommandEnvironment.baseline,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> CommandResult {
        let executable = try executable(sourceLocation: sourceLocation)
        let request = CommandRequest(
            executable: executable, arguments: arguments, directory: directory, environment: environment)
        return try await CommandCache.shared.result(for: request)
    }
}

/// One invocation, as the cache keys it.
struct CommandRequest: Sendable, Hashable {
    let executable: String
    let arguments: [String]
    let directory: String
    let environment: [String: String]
}

/// Shares runs between tests and bounds how many processes run at once (the machine is small
/// and often busy; an unbounded fan-out would only make every run slower).
actor CommandCache {
    static let shared = CommandCache()

    private var runs: [CommandRequest: Task<CommandResult, any Error>] = [:]
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let width = max(3, ProcessInfo.processInfo.activeProcessorCount + 1)

    func result(for request: CommandRequest) async throws -> CommandResult {
        if let run = runs[request] { return try await run.value }
        let run = Task { try await self.limited { try await Self.spawn(request) } }
        runs[request] = run
        return try await run.value
    }

    private func limited(_ body: @Sendable () async throws -> CommandResult) async throws -> CommandResult {
        if running >= width {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    /// Spawns the process under `timeout` (coreutils), which stops it with SIGTERM after
    /// ``ApprovalCtl/timeLimit`` seconds and SIGKILL 5 s later, and reports 124 when it did;
    /// output goes to files, so a large output can never block the child.
    private static func spawn(_ request: CommandRequest) async throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hardening-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        defer {
            try? output.close()
            try? errors.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", String(ApprovalCtl.timeLimit), request.executable] + request.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: request.directory, isDirectory: true)
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment.merge(request.environment) { _, new in new }
        process.environment = environment
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice

        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let status = process.terminationStatus
        let byExit = process.terminationReason == .exit
        // `timeout` exits 124 when it stopped the command, and 128+n (or dies of n itself) when
        // the command died of signal n.
        let timedOut = byExit && (status == 124 || status == 137)
        let signalled = !byExit || (byExit && status > 128 && !timedOut)
        return CommandResult(
            status: signalled && byExit ? status - 128 : status, exitedNormally: !signalled && !timedOut,
            timedOut: timedOut, stdout: Array(try Data(contentsOf: outURL)), stderr: Array(try Data(contentsOf: errURL))
        )
    }
}
