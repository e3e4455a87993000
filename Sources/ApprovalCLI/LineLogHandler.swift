import ApprovalRules
package import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI's and the service's log lines on standard error, whole lines per `write(2)`:
///
///     2026-12-07T04:12:00.123Z info approvalctl.serve: request duration_ms=0.410 http.method=POST http.route=/v1/decisions http.status=200
///
/// UTC time (``Timestamp``'s ISO 8601 form), the level, the logger's label, the message, then the metadata as
/// `key=value` in key order (logfmt: a value with spaces, quotes or `=` is quoted). Unlike
/// swift-log's `StreamLogHandler` it formats the time without the C library's locale and time-zone
/// machinery and writes without stdio's lock and flush: the service logs a line per request, and
/// those two were 15 % of its throughput. Lines logged at the same time from several threads go
/// out together (``LineSink``).
///
/// ```swift
/// let logger = Logger(label: "approvalctl.serve") { LineLogHandler(label: $0) }
/// ```
package struct LineLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    private let label: String
    private let sink: LineSink

    /// A handler writing lines labelled `label` to standard error.
    package init(label: String) {
        self.label = label
        self.sink = LineSink(descriptor: 2)
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        Timestamp(millisecondsSinceEpoch: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000).write(into: &line)
        line.append(0x20)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(0x20)
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: ": ".utf8)
        line.append(contentsOf: event.message.description.utf8)
        let all = metadata.isEmpty ? (event.metadata ?? [:]) : metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line.append(0x20)
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            Self.append(value, to: &line)
        }
        line.append(0x0A)
        sink.write(line)
    }

    /// A metadata value as logfmt writes it: as is, or quoted when it has blanks, quotes, `=`,
    /// backslashes or control characters (or is empty).
    private static func append(_ value: Logger.MetadataValue, to line: inout [UInt8]) {
        var text: String
        if case .string(let string) = value { text = string } else { text = "\(value)" }
        text.withUTF8 { bytes in
            guard bytes.isEmpty || bytes.contains(where: { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C })
            else {
                line.append(contentsOf: bytes)
                return
            }
            line.append(UInt8(ascii: "\""))
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): line.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): line.append(contentsOf: "\\\\".utf8)
                case 0x0A: line.append(contentsOf: "\\n".utf8)
                case ..<0x20: line.append(0x20)
                default: line.append(byte)
                }
            }
            line.append(UInt8(ascii: "\""))
        }
    }
}

/// Writes whole lines to a file descriptor, one thread at a time. A thread that finds no write
/// in progress writes its line, then every line the others added meanwhile, in order, a batch per
/// `write(2)`, until none is left; a thread that finds a write in progress adds its line and
/// returns. So when the service logs a line per request from several threads, the lines go out
/// in a few large writes instead of one small write each, all contending for the file's lock
/// (that contention cost the service 5 % of its throughput); when it is quiet, each line is
/// written before `write(_:)` returns. No thread and no timer: a line never waits for one, and
/// none is left in memory once every `write(_:)` call has returned.
///
/// ```swift
/// let sink = LineSink(descriptor: 2)
/// sink.write(Array("hello\n".utf8))
/// ```
package final class LineSink: Sendable {
    private struct State {
        /// Lines added while another thread was writing.
        var pending: [UInt8] = []
        /// Whether a thread is writing (and will write `pending` before it stops).
        var writing = false
    }

    private let state = Mutex(State())
    private let descriptor: Int32

    /// A sink writing to `descriptor` (which it does not close).
    package init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Writes `line` (whole lines, newline-terminated), now or as part of the writing thread's
    /// next batch.
    package func write(_ line: [UInt8]) {
        var batch: [UInt8]? = state.withLock { state in
            if state.writing {
                state.pending.append(contentsOf: line)
                return nil
            }
            state.writing = true
            return line
        }
        while let bytes = batch {
            Self.writeAll(bytes, to: descriptor)
            batch = state.withLock { state in
                guard !state.pending.isEmpty else {
                    state.writing = false
                    return nil
                }
                var taken: [UInt8] = []
                swap(&taken, &state.pending)
                return taken
            }
        }
    }

    /// Writes all of `bytes`, retrying after a signal or a partial write; gives up on an error
    /// (a closed standard error must not stop the program).
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

/// `write(2)` (named apart from ``LineSink/write(_:)``, which would hide it inside the class).
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
