import ApprovalJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to stdout (data only) and stderr (diagnostics, logs, progress), unbuffered by Swift's
/// `print`, in large writes.
enum Console {
    static func out(_ text: String) {
        write(1, text)
    }

    static func out(bytes: [UInt8]) {
        write(1, bytes)
    }

    static func err(_ text: String) {
        write(2, text)
    }

    static func write(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in writeAll(descriptor, UnsafeRawBufferPointer(buffer)) }
    }

    static func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(descriptor, $0) }
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)  // non-empty buffer
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    /// Whether stderr is a terminal (for progress bars).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// A JSON document on stdout, pretty and newline-terminated.
    static func outJSON(_ value: JSONValue, pretty: Bool = true) {
        var bytes = (pretty ? JSONWriter.pretty : JSONWriter.compact).bytes(value)
        bytes.append(0x0A)
        out(bytes: bytes)
    }

    /// Reports a CLI-level error on stderr (text, or a JSON line with `--format json`/`ndjson`)
    /// and returns the failure to throw.
    static func fail(_ message: String, code: String, status: ExitStatus, format: OutputFormat) -> CommandFailure {
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
    static func monotonic() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The current time (the CLI's clock; the engine never reads one).
    static func wallClock() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// An environment variable.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
