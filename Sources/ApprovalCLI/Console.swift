package import ApprovalJSON
package import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to stdout (data only) and stderr (diagnostics, logs, progress), unbuffered by Swift's
/// `print`, in large writes.
package enum Console {
    /// Writes text to stdout.
    package static func out(_ text: String) {
        write(1, text)
    }

    /// Writes bytes to stdout.
    package static func out(bytes: [UInt8]) {
        write(1, bytes)
    }

    /// Writes text to stderr.
    package static func err(_ text: String) {
        write(2, text)
    }

    /// Writes all of `text` to a file descriptor (retrying short writes and `EINTR`).
    static func write(_ descriptor: Int32, _ text: String) {
        var text = text
        _ = text.withUTF8 { buffer in writeAll(descriptor, UnsafeRawBufferPointer(buffer)) }
    }

    /// Writes all of `bytes` to a file descriptor (retrying short writes and `EINTR`).
    static func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        _ = writeAll(descriptor, bytes)
    }

    /// Writes all of `bytes` to a file descriptor, retrying short writes and `EINTR`: the one
    /// write loop of the executables. Whether everything was written.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(descriptor, $0) }
    }

    @discardableResult
    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            // non-empty buffer
            let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Whether stderr is a terminal (for progress bars).
    package static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// A JSON document on stdout, pretty and newline-terminated.
    package static func outJSON(_ value: JSONValue, pretty: Bool = true) {
        var bytes = (pretty ? JSONWriter.pretty : JSONWriter.compact).bytes(value)
        bytes.append(0x0A)
        out(bytes: bytes)
    }

    /// Reports a CLI-level error on stderr (text, or a JSON line with `--format json`/`ndjson`)
    /// and returns the failure to throw.
    package static func fail(_ message: String, code: String, status: ExitStatus, format: OutputFormat)
        -> CommandFailure
    {
        if format == .text {
            err("error: \(message)\n")
        } else {
            err(
                JSONWriter.compact.string([
                    "error": .string(code), "message": .string(message), "exit_code": .integer(Int64(status.rawValue)),
                ]) + "\n")
        }
        return CommandFailure(status: status)
    }

    /// Monotonic seconds.
    package static func monotonic() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The current time (the CLI's clock; the engine never reads one).
    package static func wallClock() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// An environment variable.
    package static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

extension Console {
    /// The executables' logger: swift-log to stderr, warnings and errors only unless `verbose`
    /// (then debug: each API request, the key and URL signatures redacted).
    package static func logger(verbose: Bool) -> Logger {
        var logger = Logger(label: "approvalctl") { label in LineLogHandler(label: label) }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}
