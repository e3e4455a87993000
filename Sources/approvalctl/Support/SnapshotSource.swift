import ApprovalCLI
import ApprovalJSON

#if canImport(Glibc)
    import Glibc
#endif

/// One snapshot to evaluate: where it comes from and, for streams, its bytes.
struct SourceItem: Sendable {
    /// The file path, or the NDJSON stream's name (`<stdin>` for standard input).
    let file: String
    /// For NDJSON: the line number and the byte offset where the line starts in the stream.
    let line: Int?
    let offset: Int
    /// The bytes, for NDJSON lines (files are read by the worker).
    let bytes: [UInt8]?

    init(file: String, line: Int? = nil, offset: Int = 0, bytes: [UInt8]? = nil) {
        self.file = file
        self.line = line
        self.offset = offset
        self.bytes = bytes
    }

    /// How reports name it: the path, or `STREAM:LINE`.
    var name: String { line.map { "\(file):\($0)" } ?? file }

    /// A parse error's location moved from the line's own coordinates to the stream's.
    func locate(_ error: JSONError) -> JSONError {
        guard let line, var location = error.location else { return error }
        var moved = error
        location.file = file
        location.line = line + location.line - 1
        location.byteOffset = offset + location.byteOffset
        moved.location = location
        return moved
    }
}

/// Yields snapshots in a stable order without holding them all: a folder is walked depth-first
/// with each directory's entries sorted by name (memory bounded by the largest directory); an
/// NDJSON stream is read line by line.
struct SnapshotSource {
    private enum Mode {
        case files
        case ndjson(descriptor: Int32, name: String)
    }

    private var mode: Mode
    private var stack: [(folder: String, entries: [String], next: Int)] = []
    private var single: String?
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var line = 0
    /// Stream offset of `buffer[0]`.
    private var consumed = 0
    private var finished = false

    /// A folder (recursively, `*.json`), one file, or an NDJSON stream (`-`, `*.ndjson`, `*.jsonl`).
    init(_ path: String, ndjson: Bool, format: OutputFormat) throws(CommandFailure) {
        if ndjson || path == "-" || path.hasSuffix(".ndjson") || path.hasSuffix(".jsonl") {
            let descriptor = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw Console.fail("\(path): no such file", code: "file_not_found", status: .missingInput, format: format)
            }
            mode = .ndjson(descriptor: descriptor, name: path == "-" ? "<stdin>" : path)
            return
        }
        mode = .files
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw Console.fail(
                "\(path): no such file or directory", code: "file_not_found", status: .missingInput, format: format)
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
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted { $0.precedesInCodePointOrder($1) }
    }

    /// The next item, or `nil` at the end.
    mutating func next() -> SourceItem? {
        switch mode {
        case .files: return nextFile()
        case .ndjson(let descriptor, let name): return nextLine(descriptor, name)
        }
    }

    private mutating func nextFile() -> SourceItem? {
        if let file = single {
            single = nil
            return SourceItem(file: file)
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
            } else if name.hasSuffix(".json") {
                return SourceItem(file: path)
            }
        }
        return nil
    }

    private mutating func nextLine(_ descriptor: Int32, _ name: String) -> SourceItem? {
        while true {
            if let newline = buffer[bufferStart...].firstIndex(of: 0x0A) {
                let bytes = Array(buffer[bufferStart..<newline])
                let offset = consumed + bufferStart
                bufferStart = newline + 1
                line += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return SourceItem(file: name, line: line, offset: offset, bytes: bytes)
            }
            if finished {
                guard bufferStart < buffer.count else { return nil }
                let bytes = Array(buffer[bufferStart...])
                let offset = consumed + bufferStart
                bufferStart = buffer.count
                line += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                return SourceItem(file: name, line: line, offset: offset, bytes: bytes)
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
