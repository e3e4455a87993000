internal import ApprovalJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Where a batch's snapshots come from, one at a time and in a stable order, without holding
/// them all: a folder (``FileSnapshotSource``), an NDJSON stream (``NDJSONSnapshotSource``),
/// snapshots in memory (``MemorySnapshotSource``).
///
/// ```swift
/// var source = try FileSnapshotSource("examples/snapshots")
/// while let item = source.next() { print(item.name) }
/// ```
public protocol SnapshotSource {
    /// The next snapshot, or `nil` at the end.
    mutating func next() -> BatchItem?
}

/// Why a source could not be opened.
///
/// ```swift
/// do { _ = try FileSnapshotSource("missing/") } catch { print(error.message) }  // "missing/: no such file or directory"
/// ```
public struct SnapshotSourceError: Error, Sendable, CustomStringConvertible {
    /// A stable code, `file_not_found`.
    public let code: String
    /// What is wrong, naming the path.
    public let message: String

    /// The text form, as printed in messages and reports.
    public var description: String { "\(message) [\(code)]" }
}

/// The `*.json` files of a folder (or those with another suffix), recursively (depth-first, each
/// directory's entries in code-point order of their names, hidden entries skipped; memory bounded
/// by the largest directory), or one file whatever its name.
///
/// ```swift
/// var source = try FileSnapshotSource("archive/2025")
/// ```
public struct FileSnapshotSource: SnapshotSource {
    private var stack: [(folder: String, entries: [String], next: Int)] = []
    private var single: String?
    private let suffix: String

    /// A folder or a file.
    ///
    /// - Parameters:
    ///   - path: the folder (or file).
    ///   - suffix: how the names of the files to take end (`.test.json` for rule test cases).
    /// - Throws: ``SnapshotSourceError`` (`file_not_found`) when nothing is at `path`.
    public init(_ path: String, suffix: String = ".json") throws(SnapshotSourceError) {
        self.suffix = suffix
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SnapshotSourceError(code: "file_not_found", message: "\(path): no such file or directory")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            stack = [(path, Self.entries(of: path), 0)]
        } else {
            single = path
        }
    }

    private static func entries(of folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted { $0.precedesInCodePointOrder($1) }
    }

    /// The next snapshot, or `nil` at the end.
    public mutating func next() -> BatchItem? {
        if let file = single {
            single = nil
            return BatchItem(file: file, identity: FileIdentity(path: file))
        }
        while var top = stack.popLast() {
            guard top.next < top.entries.count else { continue }
            let name = top.entries[top.next]
            top.next += 1
            stack.append(top)
            let path = top.folder.hasSuffix("/") ? top.folder + name : top.folder + "/" + name
            var status = stat()
            guard stat(path, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                stack.append((path, Self.entries(of: path), 0))
            } else if name.hasSuffix(suffix) {
                return BatchItem(file: path, identity: FileIdentity(status))
            }
        }
        return nil
    }
}

/// The lines of an NDJSON stream, one snapshot a line (blank lines skipped), read 64 KiB at a
/// time; each item carries its line number and byte offset, so errors point into the stream.
///
/// ```swift
/// var source = try NDJSONSnapshotSource(path: "decisions.ndjson")
/// ```
public final class NDJSONSnapshotSource: SnapshotSource {
    /// The stream's file descriptor, owned (closed when the source goes) unless it is stdin.
    private let descriptor: Int32
    private let name: String
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var line = 0
    /// Stream offset of `buffer[0]`.
    private var consumed = 0
    private var finished = false

    /// The stream in the file at `path`, or standard input for `-`.
    ///
    /// - Throws: ``SnapshotSourceError`` (`file_not_found`) when the file cannot be opened.
    public init(path: String) throws(SnapshotSourceError) {
        let descriptor = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SnapshotSourceError(code: "file_not_found", message: "\(path): no such file")
        }
        self.descriptor = descriptor
        self.name = path == "-" ? "<stdin>" : path
    }

    deinit {
        if descriptor != 0 { close(descriptor) }
    }

    /// The next snapshot, or `nil` at the end.
    public func next() -> BatchItem? {
        while true {
            if let newline = buffer[bufferStart...].firstIndex(of: 0x0A) {
                let bytes = Array(buffer[bufferStart..<newline])
                let offset = consumed + bufferStart
                bufferStart = newline + 1
                line += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return BatchItem(file: name, line: line, offset: offset, bytes: bytes)
            }
            if finished {
                guard bufferStart < buffer.count else { return nil }
                let bytes = Array(buffer[bufferStart...])
                let offset = consumed + bufferStart
                bufferStart = buffer.count
                line += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                return BatchItem(file: name, line: line, offset: offset, bytes: bytes)
            }
            consumed += bufferStart
            buffer.removeFirst(bufferStart)
            bufferStart = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                finished = true
            } else {
                buffer.append(contentsOf: chunk[0..<count])
            }
        }
    }
}

/// Snapshots held in memory, each with the name reports give it.
///
/// ```swift
/// var source = MemorySnapshotSource([("task-48219", bytes)])
/// ```
public struct MemorySnapshotSource: SnapshotSource {
    private var items: IndexingIterator<[(name: String, bytes: [UInt8])]>

    /// The snapshots, in the order given.
    public init(_ items: [(name: String, bytes: [UInt8])]) {
        self.items = items.makeIterator()
    }

    /// The next snapshot, or `nil` at the end.
    public mutating func next() -> BatchItem? {
        items.next().map { BatchItem(file: $0.name, bytes: $0.bytes) }
    }
}
