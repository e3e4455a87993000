import Foundation
import Testing

/// What one run of `approvalctl` produced: the exit status, stdout and stderr, kept apart (as
/// swift-argument-parser's `AssertExecuteCommand` does), so each can be asserted on its own.
struct CommandResult: Sendable {
    /// The exit status, or 128 + the signal number when the process was killed by a signal.
    var status: Int32
    /// Whether the process ended by `exit` (not by a signal).
    var exited: Bool
    var stdout: [UInt8]
    var stderr: [UInt8]

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var stdoutLines: [Substring] { stdoutText.split(separator: "\n", omittingEmptySubsequences: false) }
    var stderrLines: [Substring] { stderrText.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// Runs the built `approvalctl` executable in a child process.
enum ApprovalCtl {
    /// The repository root, from this file's path (`<repo>/Tests/approvalctlTests/Support/…`).
    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// Where the executable may be, best first: `$APPROVALCTL`; next to the test bundle (the test
    /// product sits in `.build/<config>/` beside the executables, whatever the scratch path and
    /// configuration); `<repo>/.build/debug/approvalctl`.
    static let candidates: [String] = {
        if let override = ProcessInfo.processInfo.environment["APPROVALCTL"], !override.isEmpty {
            return [override]
        }
        func sibling(of path: String) -> String {
            let folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
            return folder.appendingPathComponent("approvalctl").path
        }
        var paths = [sibling(of: CommandLine.arguments.first ?? "")]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            paths.append(sibling(of: bundle.bundlePath))
        }
        paths.append(repositoryRoot + "/.build/debug/approvalctl")
        return paths
    }()

    /// The executable, or a failed `#require` naming every place that was looked at.
    static func executable(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(
            found,
            """
            approvalctl executable not found; build it first (swift build --product approvalctl) or set \
            APPROVALCTL. Looked at: \(candidates.joined(separator: ", "))
            """,
            sourceLocation: sourceLocation)
    }

    /// The child's whole environment: nothing is inherited but `PATH`, so a developer's
    /// `APPROVAL_RULES`, `APPROVAL_API_KEY` or `COLUMNS` cannot change the outcome; help text is
    /// wrapped at 80 columns. `environment` adds to (or overrides) this.
    static func environment(adding extra: [String: String]) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "COLUMNS": "80",
            "LC_ALL": "C",
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs `approvalctl arguments…` in `directory` (the fixtures folder unless told otherwise),
    /// with `stdin` as its standard input (empty when `nil`, never the test runner's), and waits
    /// for it. Output goes to files rather than pipes, so a large output can never block the child.
    /// `executable` runs another copy of `approvalctl` than the built one.
    static func run(
        _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String] = [:],
        in directory: String = Fixtures.directory, executable: String? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> CommandResult {
        let executable = try executable ?? Self.executable(sourceLocation: sourceLocation)
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        let inPath = scratch.path + "/stdin"
        for path in [outPath, errPath] {
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        process.environment = Self.environment(adding: environment)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? output.close()
            try? errors.close()
        }
        process.standardOutput = output
        process.standardError = errors
        var input: FileHandle?
        if let stdin {
            try Data(stdin).write(to: URL(fileURLWithPath: inPath))
            input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        }
        defer { try? input?.close() }
        process.standardInput = input ?? FileHandle.nullDevice

        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }

        let exited = process.terminationReason == .exit
        return CommandResult(
            status: exited ? process.terminationStatus : 128 + process.terminationStatus, exited: exited,
            stdout: Array(try Data(contentsOf: URL(fileURLWithPath: outPath))),
            stderr: Array(try Data(contentsOf: URL(fileURLWithPath: errPath))))
    }
}

/// A fresh folder under the system's temporary directory; `remove()` deletes it and everything in it.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("approvalctlTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` to `relativePath`, creating folders on the way; returns the full path.
    @discardableResult
    func write(_ bytes: [UInt8], to relativePath: String) throws -> String {
        let full = path + "/" + relativePath
        let folder = URL(fileURLWithPath: full).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}
