import ApprovalCLI
import ApprovalJSON
import ApprovalLedger
import ApprovalNotices
import ApprovalRules
import ArgumentParser
import Logging

/// `approvalctl notices`: every subcommand, on SQLite and PostgreSQL ledgers (`deliver` also links
/// the HTTP client).
struct LiveNotices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Notices.configuration.commandName, abstract: Notices.configuration.abstract,
        discussion: Notices.configuration.discussion,
        subcommands: [LiveNoticesDeliver.self, LiveOnLedger<NoticesList>.self, LiveOnLedger<NoticesRetry>.self])
}

/// `approvalctl notices deliver`: one delivery pass over the outbox.
struct LiveNoticesDeliver: AsyncParsableCommand {
    static let configuration = NoticesDeliver.configuration

    @OptionGroup var command: NoticesDeliver

    func run() async throws {
        try await exitingAsync {
            let format = command.format
            var logger = Logger(label: "approvalctl.notices") { label in LineLogHandler(label: label) }
            logger.logLevel = command.verbose ? .info : .warning
            let configuration = try NotifyFile.load(try command.notifyPath(), format: format)
            let (report, waiting) = try await LedgerStores.with(
                try command.ledger.path(), mode: .readExisting, format: format
            ) { ledger in
                let deliverer = NoticeDeliverer(ledger: ledger, configuration: configuration, logger: logger)
                let report: NoticeDeliverer.Report
                do {
                    report = try await deliverer.deliverDue()
                } catch {
                    try? await deliverer.shutdown()
                    throw LedgerAccess.report(error, format: format)
                }
                try? await deliverer.shutdown()
                return (report, try await Self.waiting(ledger, format: format))
            }
            let failed = (report.outbox[.failed] ?? 0) + (report.outbox[.undeliverable] ?? 0)
            if format == .json {
                var json = report.json
                if case .object(var object) = json {
                    object["waiting_for_retry"] = .integer(Int64(waiting))
                    json = .object(object)
                }
                Console.outJSON(json)
            } else {
                Console.out(
                    "sent \(report.sent), retrying \(report.retrying), failed \(report.failed), undeliverable "
                        + "\(report.undeliverable)\n"
                        + "outbox: \(report.outbox[.pending] ?? 0) pending (\(waiting) waiting for a retry), "
                        + "\(report.outbox[.sent] ?? 0) sent, \(report.outbox[.failed] ?? 0) failed, "
                        + "\(report.outbox[.undeliverable] ?? 0) undeliverable\n")
            }
            if failed > 0 { throw CommandFailure(status: .noticesFailed) }
            if waiting > 0 { throw CommandFailure(status: .temporary) }
        }
    }

    /// Pending notices that have been tried already (waiting for their next attempt).
    static func waiting(_ ledger: any LedgerStore, format: OutputFormat) async throws -> Int {
        do {
            return try await ledger.notices(state: .pending).filter { $0.attempts > 0 }.count
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
    }
}

/// Reading a notify file, with its diagnostics on stderr.
enum NotifyFile {
    static func load(_ path: String, format: OutputFormat) throws(CommandFailure) -> NotifyConfiguration {
        do {
            let configuration = try NotifyConfiguration(contentsOf: path)
            Inputs.report(configuration.warnings, format: format)
            return configuration
        } catch {
            Inputs.report(error.diagnostics, format: format)
            let missing = error.diagnostics.contains { $0.code == .fileNotFound }
            throw Console.fail(
                "\(path): not a usable notify file", code: missing ? "file_not_found" : "invalid_notify_file",
                status: missing ? .missingInput : .invalidInput, format: format)
        }
    }
}
