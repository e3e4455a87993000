import ApprovalCLI
import ApprovalClient
import ApprovalLedger
import ApprovalNotices
import ApprovalService
import ArgumentParser
import Logging

/// `approvalctl serve`: the decision service, until SIGTERM or SIGINT.
struct LiveServe: AsyncParsableCommand {
    static let configuration = Serve.configuration

    @OptionGroup var command: Serve

    func run() async throws {
        try await exitingAsync {
            var logger = Logger(label: "approvalctl.serve") { label in LineLogHandler(label: label) }
            logger.logLevel = command.verbose ? .debug : Logger.Level(rawValue: command.logLevel) ?? .info
            let rules = try Inputs.rulesPath(command.rules, format: .text)
            var configuration = DecisionService.Configuration(rules: rules)
            configuration.host = command.host
            configuration.port = command.port
            configuration.shadow = command.shadow
            configuration.token = command.token
            configuration.allowClockOverride = command.allowClockOverride
            configuration.reloadInterval = .milliseconds(Int64(command.reloadInterval * 1000))
            configuration.requireLedger = command.requireLedger
            let notify = try command.notifyPath.map { path throws(CommandFailure) in
                try NotifyFile.load(path, format: .text)
            }
            let base = command.baseURL ?? Console.environment("APPROVAL_BASE_URL")
            if let base, !base.isEmpty {
                do {
                    configuration.apiClient = try APIClient.live(baseURL: base, logger: logger)
                } catch {
                    throw Live.report(error, format: .text)
                }
            }
            defer { if let client = configuration.apiClient { Task { try? await client.shutdown() } } }
            if let location = command.ledger {
                try await LedgerStores.with(location, mode: .create, format: .text, logger: logger) { ledger in
                    var configuration = configuration
                    configuration.ledger = ledger
                    if let notify {
                        configuration.notices = NoticeDeliverer(ledger: ledger, configuration: notify, logger: logger)
                        configuration.noticeInterval = .milliseconds(Int64(command.notifyInterval * 1000))
                    }
                    try await Self.serve(configuration, logger: logger)
                }
            } else {
                try await Self.serve(configuration, logger: logger)
            }
            if let client = configuration.apiClient { try? await client.shutdown() }
        }
    }

    /// Runs the service until it is told to stop.
    private static func serve(_ configuration: DecisionService.Configuration, logger: Logger) async throws {
        let service = DecisionService(configuration: configuration, logger: logger)
        do {
            try await service.run { address in Console.out("listening on http://\(address)\n") }
        } catch let error as DecisionService.StartError {
            Inputs.report(error.diagnostics, format: .text)
            throw Console.fail(
                error.message, code: "start_failed",
                status: error.diagnostics.isEmpty ? .cannotCreateOutput : .invalidInput, format: .text)
        }
    }
}
