import ApprovalBatch
import ApprovalJSON
package import ApprovalLedger
import ApprovalRules
package import ArgumentParser
import Logging

/// Opening ledgers and reporting their failures, in one place for every ledger
package enum LedgerAccess {
    /// Opens the ledger at `path`; on failure reports it on stderr and throws its exit status.
    package static func open(_ path: String, mode: DecisionLedger.Mode, format: OutputFormat) throws(CommandFailure)
        -> DecisionLedger
    {
        do {
            return try DecisionLedger(path: path, mode: mode, logger: Console.logger(verbose: false))
        } catch {
            throw report(error, format: format)
        }
    }

    /// Prints a ledger failure (`PATH: MESSAGE`) and maps it to its exit status.
    package static func report(_ error: any Error, format: OutputFormat) -> CommandFailure {
        guard let error = error as? LedgerError else {
            return Console.fail("\(error)", code: "internal", status: .internalFailure, format: format)
        }
        let status: ExitStatus
        switch error.code {
        case .notFound: status = .missingInput
        case .busy, .unavailable: status = .temporary
        case .invalidLocation: status = .usage
        case .io: status = .cannotCreateOutput
        default: status = .invalidInput
        }
        return Console.fail(
            "\(error.path): \(error.message)", code: "ledger_\(error.code)", status: status, format: format)
    }

    /// The filter the read options give.
    static func filter(_ options: LedgerReadOptions) -> LedgerFilter {
        LedgerFilter(task: options.task, since: options.sinceTime, until: options.untilTime)
    }
}

/// A command that works on an open ledger of either backend: `approvalctl` parses it and hands it
/// to the companion, which opens the ledger and runs it (`LiveOnLedger` in approvalctl-live).
package protocol LedgerCommand: ParsableCommand {
    /// Where the ledger is, as the user gave it (a path or a `postgres://` URL).
    func ledgerLocation() throws(CommandFailure) -> String
    /// How a failure to open the ledger is reported.
    var ledgerFormat: OutputFormat { get }
    /// Runs the command on the open ledger.
    func run(on ledger: any LedgerStore) async throws
}

/// `ledger verify`: the chain, the digests and every decision again.
extension LedgerVerify: LedgerCommand {
    /// The ledger argument.
    package func ledgerLocation() -> String { ledger }
    /// `--format`.
    package var ledgerFormat: OutputFormat { format }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "ledger verify", format: format) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        let started = Console.monotonic()
        let report: LedgerVerification
        do {
            report = try await ledger.verify(workers: jobs ?? Console.cores, anchor: anchor)
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        if format == .json {
            Console.outJSON(report.json)
        } else if let failure = report.failure {
            let task = failure.taskID.map { " (task \($0))" } ?? ""
            Console.out(
                "FAILED at record #\(failure.sequence)\(task): \(failure.code): \(failure.message)\n"
                    + "\(report.records) records before it verified.\n")
        } else {
            let seconds = Console.monotonic() - started
            Console.out(
                "OK: \(report.records) records verified (\(report.ruleDocuments) rule documents, \(report.snapshots) snapshots) in \(String(Int(seconds * 1000))) ms\n"
                    + "head: \(report.head ?? "(empty ledger)")\n")
        }
        if !report.passed { throw CommandFailure(status: .invalidInput) }
    }
}

/// `ledger log`: the history, newest last.
extension LedgerLog: LedgerCommand {
    /// The ledger argument.
    package func ledgerLocation() -> String { read.ledger }
    /// `--format`.
    package var ledgerFormat: OutputFormat { format }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "ledger log", format: format) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        var records: [JSONValue] = []
        do {
            try await ledger.forEachRecord(LedgerAccess.filter(read)) { record in
                if format == .json {
                    records.append(record.json)
                } else {
                    Console.out(Self.line(record))
                }
            }
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        if format == .json { Console.outJSON(.array(records)) }
    }

    /// `#SEQ TIME task T step S: RECOMMENDATION [SOURCE] RULES@HASH`, then one line per escalation.
    static func line(_ record: LedgerRecord) -> String {
        let decision = record.decisionJSON
        var text = "#\(record.sequence) \(record.recordedAt) task \(record.taskID ?? "-")"
        text += " step \(record.stepRunID ?? "-"): \(decision?["recommendation"]?.string ?? "?")"
        text += " [\(record.source)] \(record.ruleSetName)@\(record.ruleSetHash.prefix(19))"
        if let shadow = record.shadowDecision.flatMap({ try? JSONParser().parse($0) }) {
            text += "; shadow \(record.shadowRuleSetName ?? "?"): \(shadow["recommendation"]?.string ?? "?")"
        }
        text += "\n"
        for (index, escalation) in (decision?["escalations"]?.array ?? []).enumerated() {
            let marker = record.newEscalations.contains(index) ? "new " : "seen"
            let to = (escalation["to"]?.array ?? []).compactMap(\.string).joined(separator: ", ")
            let severity = escalation["severity"]?.string ?? "?"
            text += "    \(marker) [\(severity)] \(to): \(escalation["message"]?.string ?? "")\n"
        }
        return text
    }
}

/// `ledger export`: every record as NDJSON.
extension LedgerExport: LedgerCommand {
    /// The ledger argument.
    package func ledgerLocation() -> String { read.ledger }
    /// Failures as JSON lines.
    package var ledgerFormat: OutputFormat { .json }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "ledger export", format: .json) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        var buffer: [UInt8] = []
        func write(_ json: JSONValue) {
            JSONWriter.compact.write(json, into: &buffer)
            buffer.append(0x0A)
            if buffer.count >= 1 << 16 {
                Console.out(bytes: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        do {
            let filter = LedgerAccess.filter(read)
            if withSnapshots {
                try await ledger.forEachRecordWithInputs(filter) { record, snapshot, ruleDocument in
                    guard case .object(var object) = record.json else { return }
                    object["snapshot"] = Self.stored(snapshot)
                    object["rule_document"] = Self.stored(ruleDocument)
                    write(.object(object))
                }
            } else {
                try await ledger.forEachRecord(filter) { write($0.json) }
            }
        } catch {
            Console.out(bytes: buffer)
            throw LedgerAccess.report(error, format: .json)
        }
        Console.out(bytes: buffer)
    }

    /// Stored JSON bytes as a value (`null` when missing; a string when not JSON).
    private static func stored(_ bytes: [UInt8]?) -> JSONValue {
        guard let bytes else { return .null }
        return (try? JSONParser(options: ApprovalSnapshot.parserOptions).parse(bytes))
            ?? .string(String(decoding: bytes, as: UTF8.self))
    }
}

/// `replay`: recorded history decided again by a candidate rule set, reported as a dry-run
/// comparison.
extension Replay: LedgerCommand {
    /// The ledger argument.
    package func ledgerLocation() -> String { read.ledger }
    /// `--format`.
    package var ledgerFormat: OutputFormat { format }

    /// Runs in the companion, which opens SQLite and PostgreSQL ledgers alike.
    package func run() throws {
        try exiting { throw Companion.exec(for: "replay", format: format) }
    }

    /// Runs the command on an open ledger.
    package func run(on ledger: any LedgerStore) async throws {
        let candidate = try Inputs.ruleSet(rules, format: format)
        let failOn = try FailOn.parse(list: failOn)
        let filter = LedgerAccess.filter(read)
        let (unreadable, matched): (Int, Bool)
        do {
            // The report's "before" names the rule set of the newest record in the window, the
            // one in force (each record is still decided by the rule set it was recorded with).
            var before = candidate
            if let last = try await ledger.lastRecord(filter), let current = try await ledger.ruleSet(last.ruleSetHash)
            {
                before = current
            }
            // Recorded snapshots are found in the cache by their contents.
            let pack = cache.pack(
                source: "ledger:\(ledger.location)",
                projection: BatchEvaluator.projection(rules: before, comparedWith: candidate))
            defer { cache.finish(pack) }
            let evaluator = BatchEvaluator(
                rules: before, comparedWith: candidate, options: EvaluationOptions(), workers: jobs ?? Console.cores,
                cache: pack)
            var report = DryRunReport(
                before: before, after: candidate, source: "ledger \(ledger.location)", format: format)
            var bar = ProgressBar(enabled: progress ?? Console.stderrIsTerminal)
            var anyMatched = false
            report.begin()
            try await ledger.forEachHistoryPage(filter) { history in
                anyMatched = report.feed(evaluator, over: &history, failOn: failOn, bar: &bar) || anyMatched
            }
            bar.finish()
            report.end()
            (unreadable, matched) = (report.summary.unreadable, anyMatched)
        } catch {
            throw LedgerAccess.report(error, format: format)
        }
        if unreadable > 0 { throw CommandFailure(status: .invalidInput) }
        if matched { throw CommandFailure(status: .decisionMatched) }
    }
}
