public import ApprovalBatch
import ApprovalJSON
public import ApprovalRules

/// Which records to read: one task's, and those recorded in a time window.
///
/// ```swift
/// let filter = LedgerFilter(task: "48219", since: Timestamp(iso8601: "2025-06-01T00:00:00Z"))
/// ```
public struct LedgerFilter: Sendable, Hashable {
    /// A task id as given on a command line (`48219`, or `T-1` for a string id).
    public var task: String?
    /// Records written at or after this time.
    public var since: Timestamp?
    /// Records written before this time.
    public var until: Timestamp?

    /// A filter (every record by default).
    public init(task: String? = nil, since: Timestamp? = nil, until: Timestamp? = nil) {
        self.task = task
        self.since = since
        self.until = until
    }
}

extension LedgerStore {
    /// The records that pass `filter`, oldest first.
    ///
    /// - Throws: ``LedgerError``.
    public func records(_ filter: LedgerFilter = LedgerFilter()) async throws -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try await forEachRecord(filter) { records.append($0) }
        return records
    }

    /// Calls `body` with each record that passes `filter`, oldest first, a page at a time (for
    /// exports of any size), up to the newest record when it starts.
    ///
    /// - Throws: ``LedgerError``, or what `body` throws.
    public func forEachRecord(_ filter: LedgerFilter = LedgerFilter(), _ body: (LedgerRecord) throws -> Void)
        async throws
    {
        let head = try await lastSequence()
        var after: Int64 = 0
        while true {
            let page = try await records(filter, after: after, through: head, limit: Self.pageSize)
            guard let last = page.last else { return }
            after = last.sequence
            for record in page { try body(record) }
        }
    }

    /// Calls `body` with each record that passes `filter` and the stored bytes it was decided
    /// from (its snapshot and rule document; `nil` where missing), oldest first (for
    /// self-contained exports).
    ///
    /// - Throws: ``LedgerError``, or what `body` throws.
    public func forEachRecordWithInputs(
        _ filter: LedgerFilter = LedgerFilter(),
        _ body: (LedgerRecord, _ snapshot: [UInt8]?, _ ruleDocument: [UInt8]?) throws -> Void
    ) async throws {
        let head = try await lastSequence()
        var after: Int64 = 0
        var documents: [String: [UInt8]] = [:]
        var missing: Set<String> = []
        while true {
            let page = try await records(filter, after: after, through: head, limit: Self.pageSize)
            guard let last = page.last else { return }
            after = last.sequence
            let snapshots = try await snapshots(Set(page.map(\.snapshotHash)))
            let wanted = Set(page.map(\.ruleSetHash)).subtracting(documents.keys).subtracting(missing)
            let found = try await ruleDocuments(wanted)
            documents.merge(found) { old, _ in old }
            missing.formUnion(wanted.subtracting(found.keys))
            for record in page {
                try body(record, snapshots[record.snapshotHash], documents[record.ruleSetHash])
            }
        }
    }

    /// The stored bytes of a rule document, by its content hash.
    ///
    /// - Throws: ``LedgerError``.
    public func ruleDocument(_ hash: String) async throws -> [UInt8]? {
        try await ruleDocuments([hash])[hash]
    }

    /// The stored bytes of a snapshot, by its digest.
    ///
    /// - Throws: ``LedgerError``.
    public func snapshot(_ hash: String) async throws -> [UInt8]? {
        try await snapshots([hash])[hash]
    }

    /// The rule set stored under a content hash, compiled (`nil` when none is stored).
    ///
    /// - Throws: ``LedgerError`` (`corrupt` when the stored document does not compile).
    public func ruleSet(_ hash: String) async throws -> RuleSet? {
        guard let bytes = try await ruleDocument(hash) else { return nil }
        do {
            return try RuleSet(bytes: bytes, file: "\(location)#\(hash)")
        } catch {
            throw LedgerError(
                code: .corrupt, path: location, message: "the stored rule document \(hash) does not compile")
        }
    }

    // MARK: - Replay

    /// Calls `body` with the recorded history, a page at a time, as a ``SnapshotSource``: each
    /// record's stored snapshot, with the rule set and clock it was decided with
    /// (``BatchItem/recorded``), named `LOCATION#SEQUENCE`, oldest first. A ``BatchEvaluator``
    /// comparing with a candidate rule set then shows what the candidate would have decided on
    /// real history.
    ///
    /// ```swift
    /// let evaluator = BatchEvaluator(rules: current, comparedWith: candidate, options: EvaluationOptions(), workers: 2)
    /// try await ledger.forEachHistoryPage(LedgerFilter(since: lastMonth)) { history in
    ///     evaluator.run(&history, render: { _, _ in () }) { item, outcome, _ in summary.add(outcome) }
    /// }
    /// ```
    ///
    /// - Throws: ``LedgerError`` (a missing snapshot, or a stored rule document that is missing
    ///   or no longer compiles, is `corrupt`), or what `body` throws.
    public func forEachHistoryPage(
        _ filter: LedgerFilter = LedgerFilter(), _ body: (inout LedgerHistory) throws -> Void
    ) async throws {
        let head = try await lastSequence()
        var after: Int64 = 0
        var rules: [String: RuleSet] = [:]
        while true {
            let page = try await records(filter, after: after, through: head, limit: Self.pageSize)
            guard let last = page.last else { return }
            after = last.sequence
            let snapshots = try await snapshots(Set(page.map(\.snapshotHash)))
            let wanted = Set(page.map(\.ruleSetHash)).subtracting(rules.keys)
            for (hash, bytes) in try await ruleDocuments(wanted) {
                do {
                    rules[hash] = try RuleSet(bytes: bytes, file: "\(location)#\(hash)")
                } catch {
                    throw LedgerError(
                        code: .corrupt, path: location, message: "its rule document \(hash) does not compile")
                }
            }
            var items: [BatchItem] = []
            for record in page {
                guard let snapshot = snapshots[record.snapshotHash] else {
                    throw LedgerError(
                        code: .corrupt, path: location, message: "record #\(record.sequence): its snapshot is missing")
                }
                guard let ruleSet = rules[record.ruleSetHash] else {
                    throw LedgerError(
                        code: .corrupt, path: location,
                        message: "record #\(record.sequence): its rule document \(record.ruleSetHash) is missing")
                }
                items.append(
                    BatchItem(
                        file: "\(location)#\(record.sequence)", bytes: snapshot,
                        recorded: BatchItem.Recorded(
                            rules: ruleSet, options: EvaluationOptions(now: record.evaluatedAt))
                    ))
            }
            var history = LedgerHistory(items: items)
            try body(&history)
        }
    }
}

/// A page of a ledger's recorded snapshots as a batch source (see
/// ``LedgerStore/forEachHistoryPage(_:_:)``).
///
/// ```swift
/// var names: [String] = []
/// try await ledger.forEachHistoryPage(LedgerFilter(task: "48219")) { history in
///     while let item = history.next() { names.append(item.name) }  // "decisions.ledger#12", ...
/// }
/// ```
public struct LedgerHistory: SnapshotSource {
    private var items: [BatchItem]
    private var position = 0

    init(items: [BatchItem]) {
        self.items = items
    }

    /// The next recorded snapshot, or `nil` at the end of the page.
    public mutating func next() -> BatchItem? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }
}
