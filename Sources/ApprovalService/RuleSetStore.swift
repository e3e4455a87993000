import ApprovalJSON
import ApprovalRules
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A rule set as the service holds it: compiled, with where and when it was loaded.
struct LoadedRules: Sendable {
    let rules: RuleSet
    let source: String
    let loadedAt: Timestamp
    /// The document's `version`, when it has one.
    let version: String?
}

/// The rule sets in force (live, and the optional shadow), swapped atomically on reload: a request
/// takes one snapshot of them and is decided entirely by it.
final class RuleSetStore: Sendable {
    struct State: Sendable {
        var live: LoadedRules?
        var shadow: LoadedRules?
        /// The diagnostics of the last reload that failed (cleared by a successful one).
        var lastFailure: ReloadFailure?
        /// What the files looked like when last read (size, modification time, inode).
        var fingerprints: [String: Fingerprint] = [:]
    }

    /// A failed reload: when, which file, and why.
    struct ReloadFailure: Sendable {
        let at: Timestamp
        let source: String
        let diagnostics: [RuleDiagnostic]
    }

    struct Fingerprint: Sendable, Equatable {
        let size: Int64
        let modified: Int64
        let inode: UInt64
    }

    let livePath: String
    let shadowPath: String?
    private let state = Mutex(State())
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Timestamp

    init(
        livePath: String, shadowPath: String?, metrics: ServiceMetrics, logger: Logger,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.livePath = livePath
        self.shadowPath = shadowPath
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// The rule sets in force now.
    var current: (live: LoadedRules?, shadow: LoadedRules?) { state.withLock { ($0.live, $0.shadow) } }

    /// The last failed reload, if the one after it has not succeeded.
    var lastFailure: ReloadFailure? { state.withLock { $0.lastFailure } }

    /// Loads (or reloads) both files; a file that does not compile leaves the rule set it would
    /// replace in force, and is reported (logs, metrics, `/v1/rule-set`).
    ///
    /// - Parameter onlyIfChanged: skip files whose size, modification time and inode are as last read.
    /// - Returns: whether the live rule set is loaded after the call.
    @discardableResult
    func reload(onlyIfChanged: Bool) -> Bool {
        var files = [(path: livePath, isShadow: false)]
        if let shadowPath { files.append((shadowPath, true)) }
        for (path, isShadow) in files {
            let key = (isShadow ? "shadow:" : "live:") + path
            let fingerprint = Self.fingerprint(path)
            if onlyIfChanged, let fingerprint, state.withLock({ $0.fingerprints[key] == fingerprint }) { continue }
            load(path, key: key, fingerprint: fingerprint, isShadow: isShadow)
        }
        return state.withLock { $0.live != nil }
    }

    private func load(_ path: String, key: String, fingerprint: Fingerprint?, isShadow: Bool) {
        let now = clock()
        do {
            let bytes = try FileBytes.read(path, limit: Limits.default.ruleFileBytes)
            let rules = try RuleSet(bytes: bytes, file: path)
            let version = (try? JSONParser(options: Limits.default.ruleFileParsing).parse(bytes))?["version"]?.string
            let loaded = LoadedRules(rules: rules, source: path, loadedAt: now, version: version)
            state.withLock { state in
                if isShadow { state.shadow = loaded } else { state.live = loaded }
                state.fingerprints[key] = fingerprint
                if state.lastFailure?.source == path { state.lastFailure = nil }
            }
            metrics.reloaded(success: true)
            logger.info(
                "rule set loaded",
                metadata: [
                    "rules.file": "\(path)", "rules.name": "\(rules.name)", "rules.hash": "\(rules.contentHash)",
                    "rules.role": "\(isShadow ? "shadow" : "live")",
                ])
        } catch {
            let diagnostics: [RuleDiagnostic]
            if let error = error as? RuleCompilationError {
                diagnostics = error.diagnostics
            } else if let error = error as? JSONError {
                diagnostics = [
                    RuleDiagnostic(code: .unreadableFile, message: error.message, path: .root, location: error.location)
                ]
            } else {
                diagnostics = [RuleDiagnostic(code: .unreadableFile, message: "\(error)", path: .root)]
            }
            state.withLock { state in
                state.lastFailure = ReloadFailure(at: now, source: path, diagnostics: diagnostics)
                // Read again only when the file changes again.
                state.fingerprints[key] = fingerprint
            }
            metrics.reloaded(success: false)
            logger.error(
                "rule set not loaded; the last good one stays in force",
                metadata: [
                    "rules.file": "\(path)",
                    "diagnostics": "\(diagnostics.map(\.description).joined(separator: " | "))",
                ])
        }
    }

    /// Size, modification time and inode of `path` (`nil` when it cannot be read).
    static func fingerprint(_ path: String) -> Fingerprint? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        return Fingerprint(size: Int64(status.st_size), modified: modified, inode: UInt64(status.st_ino))
    }
}
