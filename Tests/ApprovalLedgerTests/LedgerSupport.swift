import ApprovalJSON
import ApprovalRules
import Foundation
import Logging

@testable import ApprovalLedger

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder under the system's temporary folder, removed with its contents by `remove()`.
struct TemporaryFolder {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("approval-ledger-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The repository's root (tests run from it, or from a folder below it).
let repositoryRoot: String = {
    var folder = #filePath
    while let slash = folder.lastIndex(of: "/") {
        folder = String(folder[..<slash])
        if access(folder + "/Package.swift", F_OK) == 0 { return folder }
    }
    return "."
}()

/// The shipped default rules.
let defaultRules: RuleSet = {
    do {
        return try RuleSet(contentsOf: repositoryRoot + "/rules/default.rules.json")
    } catch {
        fatalError("the shipped rules do not compile: \(error)")
    }
}()

/// The bytes of a shipped example snapshot.
func exampleSnapshot(_ name: String) -> [UInt8] {
    do {
        return try FileBytes.read(repositoryRoot + "/examples/snapshots/\(name).json", limit: 1 << 24)
    } catch {
        fatalError("missing example \(name): \(error)")
    }
}

/// A logger that drops everything.
let silentLogger = Logger(label: "ledger-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// The examples' clock.
let exampleClock = Timestamp(iso8601: "2025-06-01T00:00:00Z")!
