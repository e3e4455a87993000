import ApprovalJSON
package import ApprovalLedger
import ApprovalRules
package import ArgumentParser

/// `approvalctl notices`: the outbox of escalation notices in a decision ledger.
package struct Notices: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Deliver, list and retry the escalation notices queued in a decision ledger.",
        discussion: """
            Recording a decision (evaluate --ledger, serve --ledger) queues one notice per new escalation in the ledger's outbox, and the reminders and further escalations its rules declare (remind_after, escalate_after) when a later evaluation finds the task still waiting at the same step run. `notices deliver` sends them through the channels of a notify file (webhooks, e-mail); `serve --notify` does it in the background. Each notice has a stable id, sent as the webhook's Idempotency-Key and in the e-mail's Message-ID.

            Examples:
              approvalctl notices deliver --ledger decisions.ledger --notify notify.json
              approvalctl notices list --ledger decisions.ledger --state failed
              approvalctl notices retry sha256:3f1c2a0b --ledger decisions.ledger
            """,
        subcommands: [NoticesDeliver.self, NoticesList.self, NoticesRetry.self]
    )

    /// The defaults.
    package init() {}
}

/// The ledger a notices command works on: `--ledger`, then `$APPROVAL_LEDGER`.
package struct NoticesLedgerOption: ParsableArguments {
    @Option(help: "The decision ledger: an SQLite file or a postgres:// URL (default: $APPROVAL_LEDGER).")
    package var ledger: String?

    /// The defaults.
    package init() {}

    /// The path, or a usage error when neither is given.
    package func path() throws(CommandFailure) -> String {
        if let ledger { return ledger }
        if let path = Console.environment("APPROVAL_LEDGER"), !path.isEmpty { return path }
        throw Console.fail(
            "no ledger: pass --ledger PATH or set APPROVAL_LEDGER", code: "usage", status: .usage, format: .text)
    }
}

/// `approvalctl notices deliver`.
package struct NoticesDeliver: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Send the notices that are due, once each (for cron).",
        discussion: """
            One pass over the outbox: every notice due now is claimed (a lease, so that two deliverers never send the same notice at once), sent to the channels its recipients are routed to, and marked sent, retried later (5xx, 429 and its Retry-After, timeouts, refused connections, with exponential backoff and jitter), failed (another 4xx, or the last attempt) or undeliverable (an address no route matches). Prints a summary. Exit status: 0 when nothing is left failing; 75 when some notices wait for a retry; 4 when some are failed or undeliverable (see notices list --state failed).

            Examples:
              approvalctl notices deliver --ledger decisions.ledger --notify notify.json
              */5 * * * *  APPROVAL_LEDGER=/var/lib/approvals/decisions.ledger APPROVAL_NOTIFY=/etc/approvals/notify.json approvalctl notices deliver
            """
    )

    @OptionGroup package var ledger: NoticesLedgerOption

    @Option(help: "The channels and routes (a notify file; default: $APPROVAL_NOTIFY).")
    package var notify: String?

    @Option(help: "Output format: text or json.")
    package var format: OutputFormat = .text

    @Flag(help: "Log each delivery attempt on stderr.")
    package var verbose = false

    /// The defaults.
    package init() {}

    /// Checks `--format`.
    package func validate() throws {
        if format == .ndjson { throw ValidationError("notices deliver takes --format text or json") }
    }

    /// The notify file: `--notify`, then `$APPROVAL_NOTIFY`.
    package func notifyPath() throws(CommandFailure) -> String {
        if let notify { return notify }
        if let path = Console.environment("APPROVAL_NOTIFY"), !path.isEmpty { return path }
        throw Console.fail(
            "no channels: pass --notify FILE or set APPROVAL_NOTIFY", code: "usage", status: .usage, format: format)
    }

    /// Runs in the companion (it links the HTTP client).
    package func run() throws {
        try exiting { throw Companion.exec(for: "notices deliver", format: format) }
    }
}

/// `approvalctl notices list`.
package struct NoticesList: LedgerCommand {
    package static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the notices in the outbox, oldest first.",
        discussion: """
            One line per notice: its id, state, kind, task, severity, recipients, attempts and, for one that failed, why. With --format json, a JSON array of the notices.

            Examples:
              approvalctl notices list --ledger decisions.ledger
              approvalctl notices list --ledger decisions.ledger --state failed --format json
            """
    )

    @OptionGroup package var ledger: NoticesLedgerOption

    @Option(help: "Only notices in this state: pending, sent, failed or undeliverable.")
    package var state: String?

    @Option(help: "Output format: text or json.")
    package var format: OutputFormat = .text

    /// The defaults.
    package init() {}

    /// Checks `--state` and `--format`.
    package func validate() throws {
        if let state, Notice.State(rawValue: state) == nil {
            throw ValidationError(
                "--state must be one of \(Notice.State.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if format == .ndjson { throw ValidationError("notices list takes --format text or json") }
    }

    /// `--ledger`, then `$APPROVAL_LEDGER`.
    package func ledgerLocation() throws(CommandFailure) -> String { try ledger.path() }
    /// `--format`.
    package var ledgerFormat: OutputFormat { format }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "notices list", format: format) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        let notices: [Notice]
        do {
            notices = try await ledger.notices(state: state.flatMap(Notice.State.init(rawValue:)))
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        if format == .json {
            Console.outJSON(.array(notices.map(\.json)))
            return
        }
        if notices.isEmpty { Console.out("no notices\n") }
        for notice in notices {
            var line =
                "\(notice.id)  \(notice.state.rawValue)  \(notice.kind.rawValue)  task \(notice.taskID.isNull ? "(none)" : TraceTextPlain.plain(notice.taskID))"
            if let step = notice.stepRunID { line += " step \(step)" }
            line += "  \(notice.severity.rawValue)  \(notice.recipients.joined(separator: ", "))"
            line += "  attempts \(notice.attempts)"
            if notice.state == .pending && notice.attempts > 0 { line += "  next \(notice.nextAttemptAt)" }
            if let error = notice.lastError, notice.state != .sent { line += "\n    \(error)" }
            Console.out(line + "\n")
        }
    }
}

/// `approvalctl notices retry`.
package struct NoticesRetry: LedgerCommand {
    package static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put a failed or undeliverable notice back in the queue.",
        discussion: """
            The notice is due at once, its attempts counted from zero; channels it already reached are not sent to again. ID is the notice's id (sha256:...) or a unique prefix of its hex digits (at least 8). Exits 66 when no notice has that id, 64 when the prefix is ambiguous or the notice is not failed or undeliverable.

            Examples:
              approvalctl notices retry sha256:3f1c2a0b --ledger decisions.ledger
            """
    )

    @Argument(help: "The notice's id or a unique prefix of it.")
    package var id: String

    @OptionGroup package var ledger: NoticesLedgerOption

    /// The defaults.
    package init() {}

    /// `--ledger`, then `$APPROVAL_LEDGER`.
    package func ledgerLocation() throws(CommandFailure) -> String { try ledger.path() }
    /// Failures as text.
    package var ledgerFormat: OutputFormat { .text }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "notices retry", format: .text) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        do {
            let digits = id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
            guard digits.count >= 8 else {
                throw Console.fail(
                    "a notice id needs at least 8 hex digits", code: "usage", status: .usage, format: .text)
            }
            let matches = try await ledger.notices().filter { $0.id.dropFirst(7).hasPrefix(digits.lowercased()) }
            guard let notice = matches.first else {
                throw Console.fail(
                    "no notice has the id \(id)", code: "not_found", status: .missingInput, format: .text)
            }
            guard matches.count == 1 else {
                throw Console.fail(
                    "\(matches.count) notices start with \(id); give more of the id", code: "ambiguous_id",
                    status: .usage, format: .text)
            }
            let before = try await ledger.retryNotice(id: notice.id)
            guard before == .failed || before == .undeliverable else {
                throw Console.fail(
                    "notice \(notice.id) is \(before?.rawValue ?? "gone"), not failed or undeliverable",
                    code: "not_failed", status: .usage, format: .text)
            }
            Console.out("notice \(notice.id) is pending again (was \(before!.rawValue))\n")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw LedgerAccess.report(error, format: .text)
        }
    }
}
