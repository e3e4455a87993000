import ArgumentParser

/// Every exit status `approvalctl` (and its network companion, `approvalctl-live`) uses, in one
/// place (documented in the README).
package enum ExitStatus: Int32, CaseIterable, Sendable {
    /// Success (a decision such as reject still exits 0 unless `--fail-on` says otherwise).
    case ok = 0
    /// An internal failure (a bug).
    case internalFailure = 1
    /// `test`: at least one rule test case failed.
    case testsFailed = 2
    /// A decision matched `--fail-on`.
    case decisionMatched = 3
    /// `notices deliver`: some notices failed or are undeliverable (`notices list --state failed`).
    case noticesFailed = 4
    /// Bad command-line usage (ArgumentParser's `ValidationError`).
    case usage = 64
    /// Invalid rules or snapshot (diagnostics on stderr).
    case invalidInput = 65
    /// An input file is missing.
    case missingInput = 66
    /// The approvals API is unavailable (5xx, connection refused, a malformed response), or the
    /// `approvalctl-live` companion that talks to it is not installed next to `approvalctl`.
    case apiUnavailable = 69
    /// An output file cannot be written.
    case cannotCreateOutput = 73
    /// A temporary failure (timeout, 429); safe to retry later.
    case temporary = 75
    /// Authentication or permission failure (401, 403, no API key).
    case authentication = 77

    /// A few words on what the status means.
    package var meaning: String {
        switch self {
        case .ok: return "success"
        case .internalFailure: return "internal failure"
        case .testsFailed: return "rule test cases failed, or coverage below its minimum"
        case .decisionMatched: return "a decision matched --fail-on"
        case .noticesFailed: return "notices failed or undeliverable (notices deliver)"
        case .usage: return "usage error"
        case .invalidInput: return "invalid rules or snapshot"
        case .missingInput: return "input file missing"
        case .apiUnavailable: return "approvals API unavailable"
        case .cannotCreateOutput: return "output file cannot be written"
        case .temporary: return "temporary failure, retry later"
        case .authentication: return "authentication or permission failure"
        }
    }
}

/// A failure the CLI reports itself (already rendered to stderr) and exits with.
package struct CommandFailure: Error {
    /// The status to exit with.
    package let status: ExitStatus

    /// A failure that exits with `status`.
    package init(status: ExitStatus) {
        self.status = status
    }
}

/// Runs a command body, turning a ``CommandFailure`` (already reported) into its exit code.
package func exiting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        throw ExitCode(failure.status.rawValue)
    }
}
