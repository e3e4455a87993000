import ApprovalBatch
public import ApprovalJSON
import ApprovalRules

/// What `verify` found: how much it checked, the chain's head, and the first record that is
/// broken or whose decision the stored data no longer gives.
///
/// ```swift
/// let report = try await ledger.verify(workers: 2)
/// if let failure = report.failure { print("#\(failure.sequence): \(failure.code): \(failure.message)") }
/// else { print("\(report.records) records verified; head \(report.head ?? "-")") }
/// ```
public struct LedgerVerification: Sendable {
    /// Records checked (up to the first failure).
    public var records = 0
    /// Distinct rule documents and snapshots whose bytes were checked against their digests.
    public var ruleDocuments = 0
    /// See ``ruleDocuments``.
    public var snapshots = 0
    /// The last verified record's hash: keep it elsewhere (a ticket, a log system), and a later
    /// verification with it as `anchor` proves the records up to it were not cut off or rewritten.
    public var head: String?
    /// The first problem, in chain order; `nil` when every record verified.
    public var failure: Failure?

    /// Whether every record verified.
    public var passed: Bool { failure == nil }

    /// A broken or differing record.
    public struct Failure: Error, Sendable, Hashable {
        /// The record's sequence number (where a record is missing: the one expected there).
        public var sequence: Int64
        /// The record's task id, as stored (JSON text).
        public var taskID: String?
        /// What is wrong: `sequence_gap`, `broken_link`, `hash_mismatch`, `rule_document_mismatch`,
        /// `snapshot_mismatch`, `unreadable_snapshot`, `unreadable_rules`, `decision_differs`,
        /// `shadow_decision_differs`, `new_escalations_differ`, `anchor_not_found`, `integrity`.
        public var code: String
        /// What differs, in a sentence.
        public var message: String
    }

    /// The report as JSON (`ledger verify --format json`).
    public var json: JSONValue {
        var object = JSONObject()
        object["verified"] = .bool(passed)
        object["records"] = .integer(Int64(records))
        object["rule_documents"] = .integer(Int64(ruleDocuments))
        object["snapshots"] = .integer(Int64(snapshots))
        object["head"] = head.map(JSONValue.string) ?? .null
        if let failure {
            object["failure"] = [
                "sequence": .integer(failure.sequence), "task_id": failure.taskID.map(JSONValue.string) ?? .null,
                "code": .string(failure.code), "message": .string(failure.message),
            ]
        } else {
            object["failure"] = .null
        }
        return .object(object)
    }
}

extension LedgerStore {
    /// Walks the chain, recomputing every hash and digest, and decides every record again from its
    /// stored rule document, snapshot and clock, comparing the decision with the recorded one byte
    /// for byte (and the new-escalation marks with what the history before it gives).
    ///
    /// Stops at the first failure in chain order. Covers the records up to the newest one when it
    /// starts (records are only ever appended, so reading them by page up to that one is a
    /// consistent view whatever other processes record meanwhile).
    ///
    /// - Parameters:
    ///   - workers: threads re-deciding, the calling one included.
    ///   - anchor: a record hash kept elsewhere; the verification fails unless the chain holds it.
    ///   - progress: called after each record, with the count so far.
    /// - Throws: ``LedgerError`` when the ledger cannot be read at all.
    public func verify(workers: Int = 1, anchor: String? = nil, progress: (Int) -> Void = { _ in }) async throws
        -> LedgerVerification
    {
        if let problem = try await integrityProblem() {
            var report = LedgerVerification()
            report.failure = .init(sequence: 0, taskID: nil, code: "integrity", message: problem)
            return report
        }
        let head = try await lastSequence()
        let walk = ChainWalk(location: location)
        var evaluator: BatchEvaluator?
        var after: Int64 = 0
        var delivered = 0
        while walk.reading {
            let page = try await records(LedgerFilter(), after: after, through: head, limit: Self.pageSize)
            guard let last = page.last else { break }
            after = last.sequence
            let documents = Set(page.flatMap(\.ruleDocumentHashes))
            walk.load(
                page, snapshots: try await snapshots(Set(page.map(\.snapshotHash))),
                documents: try await ruleDocuments(documents.subtracting(walk.compiledDocuments)))
            // Every item is decided by the rule set it was recorded with; the first names the
            // evaluator's own (which therefore never decides anything).
            var source = ChainWalk.Source(walk: walk, first: walk.next())
            guard let rules = source.first?.recorded?.rules else { break }
            let run = evaluator ?? BatchEvaluator(rules: rules, options: EvaluationOptions(), workers: workers)
            evaluator = run
            let render: @Sendable (BatchItem, BatchOutcome) -> ChainWalk.Rendered? = { _, outcome in
                guard case .decided(let decision, let shadow) = outcome else { return nil }
                return ChainWalk.Rendered(
                    decision: decision.compactJSON,
                    shadow: shadow.map(\.compactJSON))
            }
            run.run(&source, render: render) { _, outcome, rendered in
                walk.check(outcome, rendered: rendered)
                delivered += 1
                progress(delivered)
            }
        }
        var report = walk.report
        if report.failure == nil, let anchor, !walk.hashes.contains(anchor) {
            report.failure = .init(
                sequence: Int64(report.records), taskID: nil, code: "anchor_not_found",
                message: "no record has the anchor hash \(anchor): the chain was cut or rewritten before it")
        }
        return report
    }

    /// How many records a paged read asks for at once.
    static var pageSize: Int { 1000 }
}

/// The chain as verification walks it: loaded a page at a time, read record by record (checking
/// links, hashes and digests as each is read), handed to the batch evaluator, and each
/// re-decision checked as it comes back, in order, on the same thread. A class: the evaluator
/// reads it as its source while the delivery checks results against it, both on the calling
/// thread.
private final class ChainWalk {
    /// The walk as the evaluator's source.
    struct Source: SnapshotSource {
        let walk: ChainWalk
        /// The first item, read before the evaluator was made (it names the first rule set).
        var first: BatchItem?

        mutating func next() -> BatchItem? {
            if let item = first {
                first = nil
                return item
            }
            return walk.next()
        }
    }

    let location: String
    /// The page being read, the snapshots of its records, and rule documents not compiled yet.
    private var page: [LedgerRecord] = []
    private var pageStart = 0
    private var snapshots: [String: [UInt8]] = [:]
    private var documents: [String: [UInt8]] = [:]

    private var rules: [String: RuleSet] = [:]
    private var checkedSnapshots: Set<String> = []
    private var previous: LedgerRecord?
    /// Records read and handed out, whose re-decisions have not come back yet, in order.
    private var pending: [LedgerRecord] = []
    private var pendingStart = 0
    /// Keys of every escalation seen so far (what makes one new).
    private var seenEscalations: Set<String> = []
    private var checked = LedgerVerification()
    private(set) var hashes: Set<String> = []
    /// A failure found while reading; re-decisions of earlier records may still fail first.
    private var readFailure: LedgerVerification.Failure?

    /// What the walk found: the first failing re-decision, else the failure that ended the reading.
    var report: LedgerVerification {
        var report = checked
        if report.failure == nil { report.failure = readFailure }
        return report
    }

    init(location: String) {
        self.location = location
    }

    /// Whether the walk goes on (no failure found yet).
    var reading: Bool { readFailure == nil && checked.failure == nil }

    /// The rule documents compiled so far (by content hash): a page need not fetch them again.
    var compiledDocuments: Set<String> { Set(rules.keys) }

    /// Starts on the next page of records, with their snapshots and the rule documents not yet
    /// compiled that they use.
    func load(_ records: [LedgerRecord], snapshots: [String: [UInt8]], documents: [String: [UInt8]]) {
        page = records
        pageStart = 0
        self.snapshots = snapshots
        self.documents = documents
    }

    func next() -> BatchItem? {
        guard reading, pageStart < page.count else { return nil }
        let record = page[pageStart]
        pageStart += 1
        if let failure = checkChain(record) {
            readFailure = failure
            return nil
        }
        previous = record
        hashes.insert(record.hash)
        let snapshot: [UInt8]
        switch storedSnapshot(record) {
        case .success(let bytes): snapshot = bytes
        case .failure(let failure):
            readFailure = failure
            return nil
        }
        let ruleSet: RuleSet
        switch storedRules(record.ruleSetHash, of: record) {
        case .success(let compiled): ruleSet = compiled
        case .failure(let failure):
            readFailure = failure
            return nil
        }
        var shadow: RuleSet?
        if let hash = record.shadowRuleSetHash {
            switch storedRules(hash, of: record) {
            case .success(let compiled): shadow = compiled
            case .failure(let failure):
                readFailure = failure
                return nil
            }
        }
        pending.append(record)
        return BatchItem(
            file: "\(location)#\(record.sequence)", bytes: snapshot,
            recorded: BatchItem.Recorded(
                rules: ruleSet, options: EvaluationOptions(now: record.evaluatedAt, explain: record.explained),
                shadow: shadow))
    }

    /// The sequence, the link to the previous record and the record's own hash.
    private func checkChain(_ record: LedgerRecord) -> LedgerVerification.Failure? {
        let expected = (previous?.sequence ?? 0) + 1
        if record.sequence != expected {
            return failure(
                expected, record, "sequence_gap",
                "expected record #\(expected), found #\(record.sequence): records were deleted or inserted")
        }
        if record.previousHash != previous?.hash {
            return failure(
                record, "broken_link",
                "its previous_hash \(record.previousHash ?? "null") is not the hash of record #\(expected - 1) (\(previous?.hash ?? "none")): records were deleted, reordered or rewritten"
            )
        }
        let expectedFormat = record.shadowDecision == nil ? LedgerRecord.currentFormat : LedgerRecord.shadowFormat
        if record.format != expectedFormat
            || (record.shadowDecision == nil) != (record.shadowRuleSetHash == nil || record.shadowRuleSetName == nil)
        {
            return failure(
                record, "hash_mismatch", "format \(record.format) does not fit its fields: the record was edited")
        }
        let computed = record.computedHash
        if computed != record.hash {
            return failure(
                record, "hash_mismatch",
                "its fields hash to \(computed), not to its stored hash \(record.hash): the record was edited")
        }
        return nil
    }

    private func storedSnapshot(_ record: LedgerRecord) -> Result<[UInt8], LedgerVerification.Failure> {
        guard let bytes = snapshots[record.snapshotHash] else {
            return .failure(failure(record, "snapshot_mismatch", "its snapshot \(record.snapshotHash) is missing"))
        }
        if !checkedSnapshots.contains(record.snapshotHash) {
            let digest = Digest.sha256(bytes)
            guard digest == record.snapshotHash else {
                return .failure(
                    failure(
                        record, "snapshot_mismatch",
                        "the stored snapshot \(record.snapshotHash) now hashes to \(digest): it was changed"))
            }
            checkedSnapshots.insert(record.snapshotHash)
            checked.snapshots += 1
        }
        return .success(bytes)
    }

    /// The rule set stored under `hash` (the record's, or its shadow's), checked and compiled once.
    private func storedRules(_ hash: String, of record: LedgerRecord) -> Result<
        RuleSet, LedgerVerification.Failure
    > {
        if let known = rules[hash] { return .success(known) }
        guard let bytes = documents[hash] else {
            return .failure(failure(record, "rule_document_mismatch", "its rule document \(hash) is missing"))
        }
        let digest = Digest.sha256(bytes)
        guard digest == hash else {
            return .failure(
                failure(
                    record, "rule_document_mismatch",
                    "the stored rule document \(hash) now hashes to \(digest): it was changed"))
        }
        do {
            let ruleSet = try RuleSet(bytes: bytes, file: "\(location)#\(hash)")
            rules[hash] = ruleSet
            checked.ruleDocuments += 1
            return .success(ruleSet)
        } catch {
            return .failure(
                failure(record, "unreadable_rules", "its rule document no longer compiles with this version: \(error)"))
        }
    }

    /// Checks the re-decision of the oldest pending record.
    /// A re-decision's bytes (and its shadow's), written on the worker that made it.
    struct Rendered: Sendable {
        let decision: [UInt8]
        let shadow: [UInt8]?
    }

    func check(_ outcome: BatchOutcome, rendered: Rendered?) {
        let record = pending[pendingStart]
        pendingStart += 1
        if pendingStart > 4096 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        guard checked.failure == nil else { return }
        switch outcome {
        case .unreadable(let error):
            checked.failure = failure(
                record, "unreadable_snapshot", "its stored snapshot cannot be read: \(error.message) [\(error.code)]")
        case .decided(let decision, _):
            if let rendered, rendered.decision != record.decision {
                checked.failure = failure(
                    record, "decision_differs", Self.difference(record.decision, rendered.decision))
                return
            }
            if let rendered, let recorded = record.shadowDecision, rendered.shadow != recorded {
                checked.failure = failure(
                    record, "shadow_decision_differs",
                    "shadow: " + Self.difference(recorded, rendered.shadow ?? []))
                return
            }
            let keys = decision.escalations.map {
                Escalations.key($0, taskID: decision.taskID, stepRunID: record.stepRunID)
            }
            var fresh: [Int] = []
            for (position, key) in keys.enumerated()
            where !seenEscalations.contains(key) && !keys[..<position].contains(key) {
                fresh.append(position)
            }
            seenEscalations.formUnion(keys)
            if fresh != record.newEscalations {
                checked.failure = failure(
                    record, "new_escalations_differ",
                    "it marks escalations \(record.newEscalations) as new; the history before it gives \(fresh)")
                return
            }
            checked.records += 1
            checked.head = record.hash
        }
    }

    private func failure(_ record: LedgerRecord, _ code: String, _ message: String) -> LedgerVerification.Failure {
        failure(record.sequence, record, code, message)
    }

    private func failure(_ sequence: Int64, _ record: LedgerRecord, _ code: String, _ message: String)
        -> LedgerVerification.Failure
    {
        LedgerVerification.Failure(sequence: sequence, taskID: record.taskID, code: code, message: message)
    }

    /// Which part of the decision differs (the top-level keys, in the decision's order).
    static func difference(_ recorded: [UInt8], _ now: [UInt8]) -> String {
        guard let old = try? JSONParser().parse(recorded), let new = try? JSONParser().parse(now),
            case .object(let before) = old, case .object(let after) = new
        else { return "the recorded decision is not the one its stored data gives" }
        for (key, value) in after.members where before[key] != value {
            let was = before[key].map { JSONWriter.compact.string($0) } ?? "absent"
            let shown = JSONWriter.compact.string(value)
            if was.utf8.count + shown.utf8.count <= 240 {
                return "\(key): recorded \(was), re-evaluated \(shown)"
            }
            return "\(key) differs between the recorded decision and the re-evaluation"
        }
        return "the recorded decision's bytes differ from the re-evaluation's (same values, other writing)"
    }
}
