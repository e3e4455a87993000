// approval-workload: writes a seeded corpus of approval snapshots, as files or one NDJSON stream.
//
//   approval-workload --count 20000 --seed 42 --out Benchmarks/.work/corpus-20k
//   approval-workload --count 100000 --seed 42 --out DIR --layout nested   # DIR/000/snap-000000.json ...
//   approval-workload --count 1000 --seed 7 --ndjson corpus.ndjson        # or --ndjson - for stdout
//
// Nothing goes to stdout except NDJSON written to `-` (and --help); a one-line summary goes to
// stderr. Exit codes: 0 ok, 1 cannot write, 64 usage.

import ApprovalJSON
import ApprovalWorkload

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let usage = """
    usage: approval-workload --count N --seed S (--out DIR [--layout flat|nested] | --ndjson FILE) [--quiet]

      --count N        number of snapshots (snapshot i has task id \(SnapshotGenerator.firstTaskID) + i)
      --seed S         unsigned 64-bit seed; the same seed gives byte-identical output
      --out DIR        write DIR/snap-000000.json, ... (created if missing)
      --layout L       flat (default) or nested: subfolders of 1000 files, DIR/000/snap-000000.json
      --ndjson FILE    write one snapshot per line to FILE instead (- for stdout)
      --quiet          no summary on stderr

    """

/// The parsed command line.
struct Options {
    var count = 0
    var seed: UInt64 = 0
    var outDirectory: String?
    var ndjsonPath: String?
    var nested = false
    var quiet = false

    init(_ arguments: [String]) {
        var rest = arguments[...]
        func value(for option: String) -> String {
            guard let value = rest.popFirst() else { fail("\(option) needs a value", code: 64) }
            return value
        }
        var count: Int?
        var seed: UInt64?
        while let argument = rest.popFirst() {
            switch argument {
            case "--count":
                guard let parsed = Int(value(for: argument)), parsed >= 0 else {
                    fail("--count needs a whole number >= 0", code: 64)
                }
                count = parsed
            case "--seed":
                guard let parsed = UInt64(value(for: argument)) else {
                    fail("--seed needs an unsigned 64-bit number", code: 64)
                }
                seed = parsed
            case "--out": outDirectory = value(for: argument)
            case "--ndjson": ndjsonPath = value(for: argument)
            case "--layout":
                switch value(for: argument) {
                case "flat": nested = false
                case "nested": nested = true
                default: fail("--layout is flat or nested", code: 64)
                }
            case "--quiet": quiet = true
            case "-h", "--help":
                writeAll(1, Array(usage.utf8), path: "stdout")
                exit(0)
            default: fail("unknown argument \(argument)", code: 64)
            }
        }
        guard let count, let seed else { fail("--count and --seed are required", code: 64) }
        guard (outDirectory == nil) != (ndjsonPath == nil) else {
            fail("give exactly one of --out and --ndjson", code: 64)
        }
        self.count = count
        self.seed = seed
    }
}

// MARK: - Helpers

func fail(_ message: String, code: Int32) -> Never {
    var text = "approval-workload: \(message)\n"
    if code == 64 { text += usage }
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    exit(code)
}

func lastError() -> String {
    String(cString: strerror(errno))
}

/// Writes all of `bytes` to `descriptor`.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            fail("cannot write \(path): \(lastError())", code: 1)
        }
        offset += written
    }
}

/// Creates `path` and its missing parents (like `mkdir -p`).
func makeDirectory(_ path: String) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            fail("cannot create \(prefix): \(lastError())", code: 1)
        }
        prefix += "/"
    }
}

func padded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

// MARK: - Writing

/// Writes the corpus as files; returns the number of bytes written.
func writeFiles(_ options: Options, into directory: String) -> Int {
    var generator = SnapshotGenerator(seed: options.seed)
    var total = 0
    let nameWidth = max(6, String(max(0, options.count - 1)).count)
    let folderWidth = max(3, String(max(0, options.count - 1) / 1000).count)
    makeDirectory(directory)
    for index in 0..<options.count {
        var folder = directory
        if options.nested {
            folder += "/" + padded(index / 1000, width: folderWidth)
            if index % 1000 == 0 { makeDirectory(folder) }
        }
        let path = folder + "/snap-" + padded(index, width: nameWidth) + ".json"
        var bytes = JSONWriter.compact.bytes(generator.next())
        bytes.append(0x0A)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { fail("cannot create \(path): \(lastError())", code: 1) }
        writeAll(descriptor, bytes, path: path)
        guard close(descriptor) == 0 else { fail("cannot write \(path): \(lastError())", code: 1) }
        total += bytes.count
    }
    return total
}

/// Writes the corpus as one NDJSON stream; returns the number of bytes written.
func writeStream(_ options: Options, to path: String) -> Int {
    let descriptor = path == "-" ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { fail("cannot create \(path): \(lastError())", code: 1) }
    var generator = SnapshotGenerator(seed: options.seed)
    var total = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    for _ in 0..<options.count {
        JSONWriter.compact.write(generator.next(), into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 {
            writeAll(descriptor, buffer, path: path)
            total += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
    }
    writeAll(descriptor, buffer, path: path)
    total += buffer.count
    if descriptor != 1 && close(descriptor) != 0 { fail("cannot write \(path): \(lastError())", code: 1) }
    return total
}

// MARK: - Main

let options = Options(Array(CommandLine.arguments.dropFirst()))
let started = monotonicSeconds()
let totalBytes: Int
if let directory = options.outDirectory {
    totalBytes = writeFiles(options, into: directory)
} else {
    totalBytes = writeStream(options, to: options.ndjsonPath ?? "-")
}
if !options.quiet {
    let elapsed = monotonicSeconds() - started
    let average = options.count > 0 ? totalBytes / options.count : 0
    let summary =
        "approval-workload: \(options.count) snapshots (seed \(options.seed)), \(Double(totalBytes / 10_000) / 100) MB, "
        + "\(average) bytes on average, to \(options.outDirectory ?? options.ndjsonPath ?? "-") "
        + "in \(Double(Int(elapsed * 100)) / 100) s\n"
    writeAll(2, Array(summary.utf8), path: "stderr")
}
