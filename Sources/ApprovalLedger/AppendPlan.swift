import ApprovalJSON
package import ApprovalRules

/// What one append writes, worked out from the entries, the chain's head and what the ledger
/// already knows of their escalations: the one place that decides record hashes, new escalations
/// and the notices they queue, whatever database holds the ledger.
///
/// A backend appends in one transaction that serialises writers: it reads the head and, for the
/// entries' ``escalationKeys``, when each was first recorded; plans; writes the plan's rows (rule
/// documents, snapshots and notices "insert if absent", the rest plain inserts); and makes the
/// receipts from the notice ids its inserts really added.
package struct AppendPlan: Sendable {
    /// A rule document to store once under its content hash.
    package struct Document: Sendable {
        package let hash: String
        package let name: String
        package let bytes: [UInt8]
    }

    /// A snapshot to store once under its digest.
    package struct Snapshot: Sendable {
        package let hash: String
        package let bytes: [UInt8]
    }

    /// One escalation of a record, with its key and whether it was new.
    package struct EscalationRow: Sendable {
        package init(recordSequence: Int64, position: Int, key: String, isNew: Bool) {
            self.recordSequence = recordSequence
            self.position = position
            self.key = key
            self.isNew = isNew
        }

        package let recordSequence: Int64
        package let position: Int
        package let key: String
        package let isNew: Bool
    }

    /// A notice for the outbox (inserted only if no notice has its id).
    package struct NoticeRow: Sendable {
        package let id: String
        package let kind: Notice.Kind
        package let escalationKey: String
        package let recordSequence: Int64
        package let createdAt: Int64
        package let taskID: String?
        package let stepRunID: String?
        package let taskURL: String?
        /// JSON text of the recipients.
        package let recipients: String
        package let severity: String
        package let message: String
        /// JSON text of the rule ids.
        package let rules: String
        package let ruleSetHash: String
    }

    package private(set) var documents: [Document] = []
    package private(set) var snapshots: [Snapshot] = []
    package private(set) var records: [LedgerRecord] = []
    package private(set) var escalations: [EscalationRow] = []
    package private(set) var notices: [NoticeRow] = []
    /// Each entry's escalation keys, in order.
    private var keys: [[String]] = []

    /// The keys whose first recording the backend looks up before planning.
    package static func escalationKeys(_ entries: [PreparedEntry]) -> [String] {
        var seen: Set<String> = []
        return entries.flatMap(\.escalationKeys).filter { seen.insert($0).inserted }
    }

    /// Plans the append of `entries` after the record `head` (`nil`: the chain is empty).
    ///
    /// - Parameters:
    ///   - firstSeen: for each escalation key already in the ledger, the time (milliseconds) of
    ///     the first record holding it; keys the ledger does not hold are absent.
    ///   - recordedAt: the time every record of this append is stamped with.
    package init(
        _ entries: [PreparedEntry], after head: (sequence: Int64, hash: String)?, firstSeen: [String: Int64],
        recordedAt: Timestamp
    ) {
        var sequence = head?.sequence ?? 0
        var previous = head?.hash
        var firstSeen = firstSeen
        var storedDocuments: Set<String> = []
        var storedSnapshots: Set<String> = []
        var queuedNotices: Set<String> = []
        func store(_ rules: RuleSet) {
            guard storedDocuments.insert(rules.contentHash).inserted else { return }
            documents.append(Document(hash: rules.contentHash, name: rules.name, bytes: rules.documentBytes))
        }
        for prepared in entries {
            let entry = prepared.entry
            sequence += 1
            store(entry.rules)
            if let shadow = entry.shadow { store(shadow.rules) }
            if storedSnapshots.insert(prepared.snapshotHash).inserted {
                snapshots.append(Snapshot(hash: prepared.snapshotHash, bytes: entry.snapshot))
            }
            let fresh = prepared.escalationKeys.indices.filter { position in
                let key = prepared.escalationKeys[position]
                return firstSeen[key] == nil && !prepared.escalationKeys[..<position].contains(key)
            }
            var record = LedgerRecord(
                sequence: sequence,
                format: entry.shadow == nil ? LedgerRecord.currentFormat : LedgerRecord.shadowFormat,
                recordedAt: recordedAt, taskID: prepared.taskID, stepRunID: entry.stepRunID, source: entry.source,
                ruleSetName: entry.rules.name, ruleSetHash: entry.rules.contentHash,
                snapshotHash: prepared.snapshotHash, evaluatedAt: entry.options.now, explained: entry.options.explain,
                decision: prepared.decision, newEscalations: fresh, previousHash: previous, hash: "")
            record.shadowRuleSetName = entry.shadow?.rules.name
            record.shadowRuleSetHash = entry.shadow?.rules.contentHash
            record.shadowDecision = prepared.shadowDecision
            record.hash = record.computedHash
            records.append(record)
            keys.append(prepared.escalationKeys)
            // "First seen" counts the records before this one only.
            for (position, escalation) in entry.decision.escalations.enumerated() {
                let key = prepared.escalationKeys[position]
                for notice in Self.notices(
                    for: escalation, key: key, isNew: fresh.contains(position), firstSeen: firstSeen[key],
                    record: record, taskURL: entry.taskURL)
                where queuedNotices.insert(notice.id).inserted {
                    notices.append(notice)
                }
            }
            for (position, key) in prepared.escalationKeys.enumerated() {
                escalations.append(
                    EscalationRow(
                        recordSequence: sequence, position: position, key: key, isNew: fresh.contains(position)))
                if firstSeen[key] == nil { firstSeen[key] = recordedAt.millisecondsSinceEpoch }
            }
            previous = record.hash
        }
    }

    /// A plan that writes `records` and their `escalations` as they are, with no notices (a ledger
    /// copied in by `ledger migrate`, which keeps sequence numbers and hashes).
    package init(copying records: [LedgerRecord], escalations: [EscalationRow]) {
        self.records = records
        self.escalations = escalations
    }

    /// The receipts, given the ids of the notices the backend's inserts added (a notice already in
    /// the outbox is not queued again).
    package func receipts(inserted: Set<String>) -> [LedgerReceipt] {
        zip(records, keys).map { record, keys in
            LedgerReceipt(
                record: record, escalationKeys: keys,
                queuedNotices: notices.filter { $0.recordSequence == record.sequence && inserted.contains($0.id) }
                    .map(\.id))
        }
    }

    /// The notices one escalation of a record asks for: its notice when it is new; otherwise the
    /// reminder and the further escalation that have come due since it was first recorded.
    private static func notices(
        for escalation: Escalation, key: String, isNew: Bool, firstSeen: Int64?, record: LedgerRecord,
        taskURL: String?
    ) -> [NoticeRow] {
        let now = record.recordedAt.millisecondsSinceEpoch
        func row(_ id: String, _ kind: Notice.Kind, to: [String], severity: Severity, message: String) -> NoticeRow {
            NoticeRow(
                id: id, kind: kind, escalationKey: key, recordSequence: record.sequence, createdAt: now,
                taskID: record.taskID, stepRunID: record.stepRunID, taskURL: taskURL, recipients: Notice.text(to),
                severity: severity.rawValue, message: message, rules: Notice.text(escalation.ruleIDs),
                ruleSetHash: record.ruleSetHash)
        }
        if isNew {
            return [row(key, .notice, to: escalation.to, severity: escalation.severity, message: escalation.message)]
        }
        guard let firstSeen else { return [] }
        var rows: [NoticeRow] = []
        let waited = now - firstSeen
        if let interval = escalation.remindAfter?.milliseconds, interval > 0, waited >= interval {
            // The n-th reminder is due n intervals after the first notice; one evaluation queues
            // at most the latest one due (a task not seen for a week gets one reminder, not seven).
            let number = waited / interval
            rows.append(
                row(
                    Digest.sha256(Array("\(key)#reminder-\(number)".utf8)), .reminder, to: escalation.to,
                    severity: escalation.severity, message: escalation.message))
        }
        if let further = escalation.escalateAfter, waited >= further.after.milliseconds {
            rows.append(
                row(
                    Digest.sha256(Array("\(key)#escalate".utf8)), .escalation, to: further.to,
                    severity: further.severity, message: further.message))
        }
        return rows
    }
}

/// What can be computed of an entry before the append's transaction (its hashing and writing).
package struct PreparedEntry: Sendable {
    package let entry: LedgerEntry
    package let snapshotHash: String
    package let decision: [UInt8]
    package let shadowDecision: [UInt8]?
    package let taskID: String?
    package let escalationKeys: [String]

    package init(_ entry: LedgerEntry) {
        self.entry = entry
        snapshotHash = Digest.sha256(entry.snapshot)
        decision = entry.decision.compactJSON
        shadowDecision = entry.shadow.map(\.decision.compactJSON)
        let task = entry.decision.taskID
        taskID = task == .null ? nil : JSONWriter.compact.string(task)
        escalationKeys = entry.decision.escalations.map {
            Escalations.key($0, taskID: task, stepRunID: entry.stepRunID)
        }
    }
}
