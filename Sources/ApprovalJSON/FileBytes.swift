#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Reads whole files into memory without Foundation (which would cost start-up time).
///
/// ```swift
/// let bytes = try FileBytes.read("examples/snapshots/basic.json", limit: 8 << 20)
/// ```
package enum FileBytes {
    /// The bytes of the file at `path`, or of standard input when `path` is `-`.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - limit: the largest size accepted; a larger file is not read.
    /// - Throws: ``JSONError`` with code `file_not_found`, `unreadable` or `too_large`.
    package static func read(_ path: String, limit: Int) throws(JSONError) -> [UInt8] {
        let descriptor: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let problem = errno
            let location = SourceLocation(file: path, line: 1, column: 1, byteOffset: 0)
            if problem == ENOENT || problem == ENOTDIR {
                throw JSONError(code: .fileNotFound, message: "no such file", location: location)
            }
            throw JSONError(code: .unreadable, message: "cannot open: \(describe(problem))", location: location)
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var status = stat()
        if fstat(descriptor, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR {
                throw JSONError(
                    code: .unreadable, message: "is a directory",
                    location: SourceLocation(file: path, line: 1, column: 1, byteOffset: 0))
            }
            if (status.st_mode & S_IFMT) == S_IFREG && Int(status.st_size) > limit {
                throw tooLarge(path, size: Int(status.st_size), limit: limit)
            }
        }
        if (status.st_mode & S_IFMT) == S_IFREG {
            // A regular file: read into the array's own storage, sized from fstat (one extra byte
            // to see growth since), with no intermediate buffer.
            let expected = Int(status.st_size)
            var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
                count = 0
                while count < buffer.count {
                    // capacity >= 1
                    let read = Glibc.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                    if read < 0 && errno == EINTR { continue }
                    if read <= 0 { break }
                    count += read
                }
            }
            if bytes.count <= expected { return bytes }
            // The file grew while we read it: read the rest in chunks.
            try readRest(descriptor, path, into: &bytes, limit: limit)
            return bytes
        }
        var bytes: [UInt8] = []
        try readRest(descriptor, path, into: &bytes, limit: limit)
        return bytes
    }

    /// Reads until end of file in chunks (pipes, standard input, growing files).
    private static func readRest(_ descriptor: Int32, _ path: String, into bytes: inout [UInt8], limit: Int)
        throws(JSONError)
    {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw JSONError(
                    code: .unreadable, message: "read failed: \(describe(errno))",
                    location: SourceLocation(file: path, line: 1, column: 1, byteOffset: bytes.count))
            }
            if count == 0 { return }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { throw tooLarge(path, size: bytes.count, limit: limit) }
        }
    }

    private static func tooLarge(_ path: String, size: Int, limit: Int) -> JSONError {
        JSONError(
            code: .tooLarge, message: "file is \(size) bytes or more, larger than the limit of \(limit) bytes",
            location: SourceLocation(file: path, line: 1, column: 1, byteOffset: 0))
    }

    /// The C library's words for the `errno` value `code` (`no such file or directory`).
    package static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
