package import ArgumentParser

/// `approvalctl serve`: the decision service. `approvalctl` parses and validates the command line
/// (so usage errors and `--help` are its own), then hands it to the `approvalctl-live` companion,
/// which links the HTTP server.
package struct Serve: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the decision service: an HTTP API that decides snapshots and tasks.",
        discussion: """
            Routes: POST /v1/decisions, POST /v1/decisions/batch (NDJSON), POST /v1/tasks/{task_id}/decision, GET /v1/rule-set, POST /v1/rule-sets/validate, GET /healthz, GET /readyz, GET /metrics, GET /openapi.json (see README.md, "Service"). Prints "listening on http://HOST:PORT" on stdout once it accepts connections; logs one line per request on stderr. With APPROVAL_SERVICE_TOKEN set, every route but /healthz and /readyz needs "Authorization: Bearer <token>"; binding to an address other than loopback without a token is refused unless --insecure-no-auth is given. The rule files are reloaded on SIGHUP and when they change; a file that does not compile leaves the last good rule set in force. SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0. With --ledger and --notify, the escalation notices queued in the ledger are delivered in the background (as `notices deliver` does).

            Examples:
              approvalctl serve --rules rules/default.rules.json --port 8080
              APPROVAL_SERVICE_TOKEN=... approvalctl serve --host 0.0.0.0 --ledger decisions.ledger --shadow candidate.rules.json
              approvalctl serve --ledger decisions.ledger --notify notify.json
            """
    )

    @Option(help: OptionHelp.rules)
    package var rules: String?

    @Option(help: "The address to bind.")
    package var host = "127.0.0.1"

    @Option(help: "The port (0: a free one, printed on stdout).")
    package var port = 8080

    @Option(
        help:
            "Record every decision in this decision ledger: an SQLite file (created if missing) or a postgres:// URL shared by several instances."
    )
    package var ledger: String?

    @Flag(
        help:
            "Refuse to answer (503 ledger_unavailable) when a decision cannot be recorded; by default the decision is answered with \"record\": {\"recorded\": false}."
    )
    package var requireLedger = false

    @Option(
        help:
            "Deliver the ledger's escalation notices in the background through this notify file's channels (default: $APPROVAL_NOTIFY when --ledger is given)."
    )
    package var notify: String?

    @Option(help: "Seconds between the background deliverer's looks for due notices.")
    package var notifyInterval: Double = 2

    @Option(help: "A candidate rule file: decide every request with it too and count where it disagrees.")
    package var shadow: String?

    @Option(help: OptionHelp.baseURL)
    package var baseURL: String?

    @Option(help: "Seconds between checks of the rule files for changes.")
    package var reloadInterval: Double = 2

    @Flag(help: "Accept ?now= to set a decision's clock (for tests).")
    package var allowClockOverride = false

    @Flag(help: "Serve a non-loopback address without APPROVAL_SERVICE_TOKEN.")
    package var insecureNoAuth = false

    @Flag(help: "Log at debug level (API requests too).")
    package var verbose = false

    @Option(help: "The lowest level logged: trace, debug, info (one line per request), notice, warning, error.")
    package var logLevel = "info"

    /// The defaults.
    package init() {}

    /// The log levels `--log-level` takes.
    package static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Checks the port, the interval, the log level, and that a public address has a token.
    package func validate() throws {
        if !Self.logLevels.contains(logLevel) {
            throw ValidationError("--log-level must be one of \(Self.logLevels.joined(separator: ", "))")
        }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if !(reloadInterval > 0 && reloadInterval <= 3600) {
            throw ValidationError("--reload-interval must be between 0 and 3600 seconds")
        }
        if !(notifyInterval > 0 && notifyInterval <= 3600) {
            throw ValidationError("--notify-interval must be between 0 and 3600 seconds")
        }
        if requireLedger && ledger == nil {
            throw ValidationError("--require-ledger needs --ledger")
        }
        if notify != nil && ledger == nil {
            throw ValidationError("--notify needs --ledger: notices are queued in the decision ledger")
        }
        if !Self.isLoopback(host), token == nil, !insecureNoAuth {
            throw ValidationError(
                "refusing to serve \(host) without APPROVAL_SERVICE_TOKEN; set it, or pass --insecure-no-auth")
        }
    }

    /// The notify file: `--notify`, or `$APPROVAL_NOTIFY` when a ledger is given.
    package var notifyPath: String? {
        if let notify { return notify }
        guard ledger != nil, let path = Console.environment("APPROVAL_NOTIFY"), !path.isEmpty else { return nil }
        return path
    }

    /// `APPROVAL_SERVICE_TOKEN`, when set and not empty.
    package var token: String? {
        guard let token = Console.environment("APPROVAL_SERVICE_TOKEN"), !token.isEmpty else { return nil }
        return token
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Runs in the companion.
    package func run() throws {
        try exiting { throw Companion.exec(for: "serve", format: .text) }
    }
}
