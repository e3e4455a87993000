public import ApprovalClient
import ApprovalJSON
import ApprovalLedger
public import ApprovalRules
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/decisions`, `POST /v1/decisions/batch`, `POST /v1/tasks/{task_id}/decision`.
enum DecisionRoutes {
    static let routes: [Route] = [
        Route(method: .post, template: "/v1/decisions", open: false) {
            service, request, _, notes throws(ServiceError) in
            let options = try service.options(for: request)
            let bytes = try await request.bytes(as: "application/json", limit: Limits.default.snapshotBytes)
            let (json, hash) = try await service.decide(bytes, name: "<request>", options: options, notes: &notes)
            return .json(json, headers: [ruleSetHashField: hash])
        },
        Route(method: .post, template: "/v1/decisions/batch", open: false) {
            service, request, _, notes throws(ServiceError) in
            let options = try service.options(for: request)
            try request.checkContentType("application/x-ndjson")
            guard let live = service.store.current.live else { throw .notReady }
            notes.ruleSetHash = live.rules.contentHash
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson", ruleSetHashField: live.rules.contentHash],
                body: ResponseBody { writer in
                    try await service.decideLines(of: request, options: options, into: &writer)
                })
        },
        Route(method: .post, template: "/v1/tasks/{task_id}/decision", open: false) {
            service, request, parameters, notes throws(ServiceError) in
            let options = try service.options(for: request)
            guard let text = parameters["task_id"], let taskID = Int64(text), taskID > 0 else {
                throw ServiceError(
                    status: .badRequest, code: "invalid_task_id", message: "the task id must be a positive integer")
            }
            notes.taskID = String(taskID)
            guard let client = service.configuration.apiClient else {
                throw ServiceError(
                    status: .serviceUnavailable, code: "api_not_configured",
                    message: "this service was started without an approvals API (--base-url or APPROVAL_BASE_URL)")
            }
            guard let live = service.store.current.live else { throw .notReady }
            let snapshot: JSONValue
            do {
                snapshot = try await client.fetchSnapshot(
                    taskID: taskID, parts: SnapshotParts(neededBy: live.rules), keepSignatures: false)
            } catch {
                throw ServiceError(error)
            }
            let (json, hash) = try await service.decide(
                JSONWriter.compact.bytes(snapshot), name: "task \(taskID)", options: options, notes: &notes)
            return .json(json, headers: [ruleSetHashField: hash])
        },
    ]

    /// `X-Rule-Set-Hash`: the content hash of the rule set that decided.
    // A literal of token characters only: `HTTPField.Name` accepts it, so the `!` cannot trap.
    static let ruleSetHashField = HTTPField.Name("X-Rule-Set-Hash")!
}

extension SnapshotParts {
    /// The parts of a task a rule set reads (what `evaluate --task` and the service fetch).
    public init(neededBy rules: RuleSet) {
        self.init()
        if rules.neededParts.contains(.task) { insert(.task) }
        if rules.neededParts.contains(.taskFiles) { insert(.taskFiles) }
        if rules.neededParts.contains(.signedDocuments) { insert(.signedDocuments) }
    }
}

extension ServiceError {
    /// An approvals-API failure as the service answers it: its 401/403 (our key refused) and
    /// failures are 502, a missing task 404, a task not at an approval step 409, a timeout 504.
    init(_ error: any Error) {
        guard let error = error as? APIError else {
            self.init(status: .badGateway, code: "api_unavailable", message: "the approvals API failed: \(error)")
            return
        }
        let message = "the approvals API answered: \(error.message)"
        switch error.code {
        case .unauthorized, .missingAPIKey:
            self.init(status: .badGateway, code: "api_unauthorized", message: message)
        case .forbidden:
            self.init(status: .badGateway, code: "api_forbidden", message: message)
        case .notFound:
            self.init(status: .notFound, code: "task_not_found", message: message)
        case .notAtApprovalStep:
            self.init(status: .conflict, code: "not_at_approval_step", message: message)
        case .timeout, .deadlineExceeded:
            self.init(status: .gatewayTimeout, code: "api_timeout", message: message)
        default:
            self.init(status: .badGateway, code: "api_unavailable", message: message)
        }
        fields.append(("api_code", .string(error.code.description)))
        if let status = error.status { fields.append(("api_status", .integer(Int64(status)))) }
    }
}

extension DecisionService {
    /// The evaluation options a request asks for: `?explain=true`, and `?now=` where allowed.
    func options(for request: Request) throws(ServiceError) -> EvaluationOptions {
        var explain = false
        switch request.query("explain") {
        case nil, "false", "0": explain = false
        case "true", "1", "": explain = true
        case let other?: throw .badQuery("explain must be true or false, not \"\(other)\"")
        }
        guard let now = request.query("now") else {
            return EvaluationOptions(now: configuration.clock(), explain: explain)
        }
        guard configuration.allowClockOverride else {
            throw ServiceError(
                status: .badRequest, code: "clock_override_not_allowed",
                message: "now= is accepted only by a service started with --allow-clock-override")
        }
        guard let clock = Timestamp(iso8601: now) else {
            throw .badQuery("now must be an ISO 8601 date-time with a zone, e.g. 2025-06-01T00:00:00Z")
        }
        return EvaluationOptions(now: clock, explain: explain)
    }

    /// Decides a snapshot's bytes with the rule set in force, and with the shadow rule set too when
    /// there is one (same snapshot, same options); records both when there is a ledger.
    ///
    /// - Returns: the decision's JSON (with its `record` when recorded) and the rule set's hash.
    /// - Throws: 400 when the bytes are not a snapshot (nothing is decided), 503 when no rule set
    ///   is loaded or the ledger cannot record.
    func decide(_ bytes: [UInt8], name: String, options: EvaluationOptions, notes: inout RequestNotes)
        async throws(ServiceError) -> (JSONValue, String)
    {
        let (live, shadow) = store.current
        guard let live else { throw .notReady }
        notes.ruleSetHash = live.rules.contentHash
        let started = ContinuousClock.now
        var json: JSONValue
        let decision: Decision
        var shadowDecision: Decision?
        do {
            if let ledger = configuration.ledger {
                let entry = try LedgerEntry.deciding(
                    bytes, file: name, rules: live.rules, options: options, source: "service", shadow: shadow?.rules,
                    parser: ApprovalSnapshot.arenaParserOptions)
                decision = entry.decision
                shadowDecision = entry.shadow?.decision
                json = decision.json
                var record: JSONValue
                do {
                    record = try await ledger.record(entry).json
                    if case .object(var object) = record {
                        object["recorded"] = true
                        record = .object(object)
                    }
                } catch {
                    metrics.unrecorded()
                    logger.error("a decision could not be recorded", metadata: ["error": "\(error)"])
                    let code = (error as? LedgerError)?.code.description ?? "io"
                    if configuration.requireLedger {
                        throw ServiceError(
                            status: .serviceUnavailable, code: "ledger_unavailable",
                            message: "the decision could not be recorded in the ledger (\(code))")
                    }
                    record = ["recorded": false, "error": .string(code)]
                }
                if case .object(var object) = json {
                    object["record"] = record
                    json = .object(object)
                }
            } else {
                let projection = shadow == nil ? live.rules.projection : .all
                // Requests are parsed on the same few threads of the task pool: in their arena.
                let snapshot = try ApprovalSnapshot(
                    parsing: bytes, file: name, projection: projection, options: ApprovalSnapshot.arenaParserOptions)
                decision = live.rules.evaluate(snapshot, options: options)
                shadowDecision = shadow?.rules.evaluate(snapshot, options: options)
                json = decision.json
            }
        } catch let error as JSONError {
            throw .unreadable(error)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError(status: .internalServerError, code: "internal", message: "\(error)")
        }
        metrics.decided(decision, in: ContinuousClock.now - started)
        if !decision.taskID.isNull { notes.taskID = JSONWriter.compact.string(decision.taskID) }
        if let shadowDecision, shadowDecision.recommendation != decision.recommendation {
            metrics.shadowDisagreed(live: decision.recommendation, shadow: shadowDecision.recommendation)
        }
        return (json, live.rules.contentHash)
    }

    /// Decides each line of an NDJSON body as it arrives, writing one line per input line, in
    /// order: the decision (compact), or `{"line": N, "error": {...}}` for a line that is not a
    /// snapshot. Empty lines are skipped. A line over the snapshot limit is an error line too.
    func decideLines(of request: Request, options: EvaluationOptions, into writer: inout any ResponseBodyWriter)
        async throws
    {
        let limit = Limits.default.snapshotBytes
        var pending: [UInt8] = []
        var lineNumber = 0
        var skipping = false
        var output: [UInt8] = []
        func finishLine(_ line: [UInt8]) async {
            lineNumber += 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
            var notes = RequestNotes()
            do throws(ServiceError) {
                let (json, _) = try await decide(line, name: "line \(lineNumber)", options: options, notes: &notes)
                JSONWriter.compact.write(json, into: &output)
            } catch {
                JSONWriter.compact.write(["line": .integer(Int64(lineNumber)), "error": error.json], into: &output)
            }
            output.append(0x0A)
        }
        for try await chunk in request.body {
            var rest = chunk.readableBytesView[...]
            while let newline = rest.firstIndex(of: 0x0A) {
                let piece = rest[..<newline]
                rest = rest[rest.index(after: newline)...]
                if skipping {
                    skipping = false
                    lineNumber += 1
                    let error = ServiceError.tooLarge(limit: limit)
                    JSONWriter.compact.write(["line": .integer(Int64(lineNumber)), "error": error.json], into: &output)
                    output.append(0x0A)
                    pending.removeAll()
                    continue
                }
                pending.append(contentsOf: piece)
                await finishLine(pending)
                pending.removeAll(keepingCapacity: true)
            }
            if !skipping {
                pending.append(contentsOf: rest)
                if pending.count > limit {
                    skipping = true
                    pending.removeAll()
                }
            }
            if !output.isEmpty {
                try await writer.write(ByteBuffer(bytes: output))
                output.removeAll(keepingCapacity: true)
            }
        }
        if skipping {
            lineNumber += 1
            JSONWriter.compact.write(
                ["line": .integer(Int64(lineNumber)), "error": ServiceError.tooLarge(limit: limit).json], into: &output)
            output.append(0x0A)
        } else if !pending.isEmpty {
            await finishLine(pending)
        }
        if !output.isEmpty { try await writer.write(ByteBuffer(bytes: output)) }
        try await writer.finish(nil)
    }
}
