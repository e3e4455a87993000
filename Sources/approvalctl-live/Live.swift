import ApprovalCLI
import ApprovalClient
import ApprovalJSON
import ApprovalRules
import ApprovalService
import Logging

/// Everything that talks to the approvals API. It lives in `approvalctl-live` only, so the
/// `approvalctl` that decides saved snapshots never links or starts an HTTP client.
enum Live {
    /// The base URL: `--base-url`, then `$APPROVAL_BASE_URL`.
    static func baseURL(_ given: String?, format: OutputFormat) throws(CommandFailure) -> String {
        if let given, !given.isEmpty { return given }
        if let url = Console.environment("APPROVAL_BASE_URL"), !url.isEmpty { return url }
        throw Console.fail(
            "no API base URL; pass --base-url or set APPROVAL_BASE_URL", code: "usage", status: .usage, format: format)
    }

    /// Logs go to stderr; `--verbose` shows each request (the key and URL signatures redacted).
    static func logger(verbose: Bool) -> Logger { Console.logger(verbose: verbose) }

    /// Fetches a task as a snapshot document (approval details plus the requested parts).
    static func fetch(
        taskID: Int64, baseURL: String, parts: SnapshotParts, keepSignatures: Bool, verbose: Bool, format: OutputFormat
    ) async throws(CommandFailure) -> JSONValue {
        let client: APIClient
        do {
            client = try APIClient.live(baseURL: baseURL, logger: logger(verbose: verbose))
        } catch {
            throw report(error, format: format)
        }
        do {
            let snapshot = try await client.fetchSnapshot(taskID: taskID, parts: parts, keepSignatures: keepSignatures)
            try? await client.shutdown()
            return snapshot
        } catch {
            try? await client.shutdown()
            throw report(error, format: format)
        }
    }

    /// The parts of a task a rule set reads, as the client names them.
    static func parts(for rules: RuleSet) -> SnapshotParts { SnapshotParts(neededBy: rules) }

    /// Prints an API failure to stderr and maps it to its exit status (the one place this happens).
    static func report(_ error: any Error, format: OutputFormat) -> CommandFailure {
        guard let error = error as? APIError else {
            Console.err("error: \(error)\n")
            return CommandFailure(status: .internalFailure)
        }
        let status: ExitStatus
        if error.isAuthentication || error.code == .missingAPIKey {
            status = .authentication
        } else if error.isTemporary {
            status = .temporary
        } else if error.isUnavailable {
            status = .apiUnavailable
        } else if error.code == .notFound || error.code == .notAtApprovalStep {
            status = .missingInput
        } else if error.code == .invalidRequest || error.code == .validation {
            status = .usage  // 422: the request itself was wrong (e.g. a task id the API rejects)
        } else if error.code == .invalidResponse {
            status = .apiUnavailable  // the API answered with a body that is not what it documents
        } else {
            status = .apiUnavailable
        }
        if format == .text {
            Console.err("error: \(error)\n")
        } else {
            Console.err(
                JSONWriter.compact.string([
                    "error": .string(error.code.description), "message": .string(error.description),
                    "exit_code": .integer(Int64(status.rawValue)),
                ]) + "\n")
        }
        return CommandFailure(status: status)
    }
}
