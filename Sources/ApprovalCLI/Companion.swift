#if canImport(Glibc)
    import Glibc
#endif

/// The `approvalctl-live` companion: the executable that talks to the approvals API.
///
/// `evaluate --task` and `snapshot` need an HTTP client (AsyncHTTPClient on SwiftNIO), and
/// linking it costs every `approvalctl` run several milliseconds of start-up (a conformance table
/// twice the size to scan, the concurrency runtime), even the ones that only decide a saved
/// snapshot. So those two commands live in a second executable, installed next to this one;
/// `approvalctl` parses and validates their command line (so usage errors and `--help` are its
/// own), then replaces itself with the companion, which gets the same arguments, environment and
/// standard streams, and whose exit status and output are therefore the command's.
package enum Companion {
    /// The companion's file name.
    package static let name = "approvalctl-live"

    /// Replaces this process with the companion, run with this process's own `argv` (its
    /// `argv[0]` too, so a default rule file is looked for where `approvalctl` would look).
    ///
    /// Returns only when the companion cannot be run, after reporting why on stderr.
    ///
    /// - Parameters:
    ///   - command: The command that needs it, for the error message (`evaluate --task`).
    ///   - format: How to report a failure (text, or a JSON line).
    /// - Returns: The failure to throw: ``ExitStatus/apiUnavailable``.
    package static func exec(for command: String, format: OutputFormat) -> CommandFailure {
        guard let path = path() else {
            return Console.fail(
                "\(command) needs \(name), but this executable's folder is unknown (/proc/self/exe cannot be read)",
                code: "companion_unavailable", status: .apiUnavailable, format: format)
        }
        execv(path, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        return Console.fail(
            "\(command) needs \(name), installed next to approvalctl: \(path): \(reason)",
            code: "companion_unavailable", status: .apiUnavailable, format: format)
    }

    /// `approvalctl-live` in the folder of the running executable (symbolic links resolved).
    package static func path() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let executable = buffer[..<count].map { UInt8(bitPattern: $0) }
        guard let slash = executable.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(decoding: executable[...slash], as: UTF8.self) + name
    }
}
