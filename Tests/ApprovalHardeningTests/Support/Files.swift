import Foundation
import Testing

/// A folder under the system's temporary directory, removed with everything in it by ``remove()``.
struct ScratchDirectory: Sendable {
    let path: String

    init(_ label: String) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("hardening-\(label)-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` to `name` (folders created on the way); returns the full path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Reads a whole file (fixtures and outputs; no size limit worth checking here).
func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Records an issue when two outputs differ, naming the first line that does (comparing byte
/// arrays with `#expect` would print every byte of both).
func expectIdentical(
    _ actual: [UInt8], _ expected: [UInt8], _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard actual != expected else { return }
    let got = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    var difference = "(no line differs: check line endings)"
    for index in 0..<max(got.count, want.count) {
        let a = index < got.count ? String(got[index]) : "<end>"
        let b = index < want.count ? String(want[index]) : "<end>"
        if a != b {
            difference = "line \(index + 1):\n  expected: \(b.prefix(400))\n  actual:   \(a.prefix(400))"
            break
        }
    }
    Issue.record(
        "\(what) (\(actual.count) bytes, expected \(expected.count)); first difference at \(difference)",
        sourceLocation: sourceLocation)
}
