import ApprovalJSON
import Foundation
import Testing

/// Fixtures live next to the tests and are found through `#filePath`, so no bundle is needed.
/// Commands run with the fixtures folder as their working directory and get relative paths, so
/// no output (and no golden file) depends on where the repository is checked out.
enum Fixtures {
    static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/Fixtures"
    }()

    /// The rule set most tests use, and the candidate it is compared with.
    static let rules = "rules/vendor-contracts.rules.json"
    static let candidateRules = "rules/vendor-contracts-candidate.rules.json"

    /// The clock every pinned run uses.
    static let now = "2025-06-01T00:00:00Z"

    /// The snapshots of `snapshots/` as `dry-run` walks them (name order, folders recursively,
    /// hidden files and non-JSON files skipped).
    static let snapshotPaths = [
        "snapshots/a-tier1-approve.json",
        "snapshots/b-tier3-cfo.json",
        "snapshots/c-blocked-vendor.json",
        "snapshots/d-missing-file.json",
        "snapshots/e-external-approver.json",
        "snapshots/nested/f-missing-value.json",
        "snapshots/nested/g-self-approval.json",
        "snapshots/nested/h-invalid-date.json",
    ]

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relativePath)))
    }
}

/// Expected outputs kept as files in `Fixtures/golden/`, compared byte for byte.
/// Run with `UPDATE_GOLDEN=1` to rewrite them from the current output (then review the diff).
enum Golden {
    static let directory = Fixtures.directory + "/golden"

    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    static func check(
        _ actual: [UInt8], matches name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let path = directory + "/" + name
        if updating {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(actual).write(to: URL(fileURLWithPath: path))
            return
        }
        let data = try #require(
            FileManager.default.contents(atPath: path),
            "golden file \(name) is missing; run the tests with UPDATE_GOLDEN=1 to create it",
            sourceLocation: sourceLocation)
        let expected = Array(data)
        guard actual != expected else { return }
        let message = """
            output differs from golden file \(name) (\(actual.count) bytes, expected \(expected.count)); \
            rerun with UPDATE_GOLDEN=1 to accept the new output
            \(firstDifference(actual, expected))
            """
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// The first line that differs, both ways round.
    private static func firstDifference(_ actual: [UInt8], _ expected: [UInt8]) -> String {
        let got = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(got.count, want.count) {
            let a = index < got.count ? String(got[index]) : "<end of output>"
            let b = index < want.count ? String(want[index]) : "<end of golden file>"
            if !a.utf8.elementsEqual(b.utf8) {
                return "line \(index + 1):\n  expected: \(b)\n  actual:   \(a)"
            }
        }
        return "(the difference is not in the line structure: check line endings and encodings)"
    }
}

/// Parsing what a command printed.
enum Output {
    private static let parser = JSONParser(options: JSONParser.Options(maxBytes: 1 << 28, maxDepth: 256))

    /// Exactly one JSON document (with its one trailing newline): what stdout carries with
    /// `--format json`.
    static func document(_ bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
        -> JSONValue
    {
        #expect(bytes.last == 0x0A, "output must end in a newline", sourceLocation: sourceLocation)
        return try parser.parse(bytes)
    }

    /// One JSON value per line, every line non-empty: what stdout carries with `--format ndjson`
    /// (and stderr with `--format json`).
    static func lines(_ bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [JSONValue]
    {
        guard !bytes.isEmpty else { return [] }
        #expect(bytes.last == 0x0A, "every line must end in a newline", sourceLocation: sourceLocation)
        var values: [JSONValue] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            #expect(!line.isEmpty, "no empty lines in a JSON-lines stream", sourceLocation: sourceLocation)
            values.append(try parser.parse(Array(line)))
        }
        return values
    }
}

extension JSONValue {
    /// The member at a dotted path of object keys and array indices (`summary.recommendations.hold`).
    func at(_ path: String) -> JSONValue? {
        var current: JSONValue? = self
        for key in path.split(separator: ".") {
            if let index = Int(key), case .array(let elements)? = current {
                current = index < elements.count ? elements[index] : nil
            } else {
                current = current?[String(key)]
            }
        }
        return current
    }

    /// The strings of an array of strings (empty for anything else).
    var strings: [String] { array?.compactMap(\.string) ?? [] }
}
