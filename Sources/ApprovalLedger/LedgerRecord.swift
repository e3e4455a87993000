public import ApprovalJSON
public import ApprovalRules

/// One recorded decision: what was decided, on which data, under which rules, when, and its
/// place in the chain.
///
/// The record's ``hash`` is `sha256:` and the hex SHA-256 digest of its canonical encoding
/// (``canonicalBytes``), which covers every field below and the previous record's hash, so an
/// edit, a deletion or a reordering anywhere breaks the chain from that record on. The rule
/// document and the snapshot are covered through their own digests (``ruleSetHash``,
/// ``snapshotHash``), which verification recomputes from the stored bytes.
///
/// ```swift
/// for record in try ledger.records(LedgerFilter(task: "48219")) {
///     print(record.sequence, record.recordedAt, record.recommendation ?? "?", record.hash)
/// }
/// ```
public struct LedgerRecord: Sendable, Hashable {
    /// The version of the canonical encoding of a record without a shadow decision (1); one with
    /// a shadow decision is format 2 (see ``canonicalBytes``).
    public static let currentFormat = 1
    /// The format of records that hold a shadow decision.
    public static let shadowFormat = 2

    /// The record's place in the chain, from 1, without gaps.
    public var sequence: Int64
    /// The canonical encoding's version (``currentFormat`` for new records).
    public var format: Int
    /// When the record was written (the ledger's clock).
    public var recordedAt: Timestamp
    /// The task id as JSON text (`48219`, or `"T-1"` for a string id); `nil` when the snapshot had
    /// none.
    public var taskID: String?
    /// The step run id (`step_run.step_run_id`), when the snapshot had one.
    public var stepRunID: String?
    /// Where the decision came from: `cli`, `service`, or an embedding application's name.
    public var source: String
    /// The rule document's `name`.
    public var ruleSetName: String
    /// The rule document's content hash (`sha256:...`), under which its bytes are stored.
    public var ruleSetHash: String
    /// The snapshot's digest (`sha256:...`), under which its bytes are stored.
    public var snapshotHash: String
    /// The clock the decision was made at (`nil`: none was given, and the rules that read it
    /// failed closed).
    public var evaluatedAt: Timestamp?
    /// Whether the decision was made with `explain` (its JSON then holds the trace).
    public var explained: Bool
    /// The decision's stable JSON (compact ``JSONWriter`` bytes), exactly as the engine gave it.
    public var decision: [UInt8]
    /// Which of the decision's escalations (indices into its `escalations`) were new for this task
    /// and step run: not in an earlier record for them with the same recipients, rules and message.
    public var newEscalations: [Int]
    /// The previous record's ``hash`` (`nil` for the first record).
    public var previousHash: String?
    /// The shadow rule set's name, when the decision was also made with one (format 2).
    public var shadowRuleSetName: String? = nil
    /// The shadow rule set's content hash (its bytes are stored like the rule set's).
    public var shadowRuleSetHash: String? = nil
    /// The shadow decision's stable JSON.
    public var shadowDecision: [UInt8]? = nil
    /// `sha256:` and the digest of ``canonicalBytes``.
    public var hash: String

    /// A record with every field given (backends decoding their rows; the chain's planning).
    package init(
        sequence: Int64, format: Int, recordedAt: Timestamp, taskID: String?, stepRunID: String?, source: String,
        ruleSetName: String, ruleSetHash: String, snapshotHash: String, evaluatedAt: Timestamp?, explained: Bool,
        decision: [UInt8], newEscalations: [Int], previousHash: String?, shadowRuleSetName: String? = nil,
        shadowRuleSetHash: String? = nil, shadowDecision: [UInt8]? = nil, hash: String
    ) {
        self.sequence = sequence
        self.format = format
        self.recordedAt = recordedAt
        self.taskID = taskID
        self.stepRunID = stepRunID
        self.source = source
        self.ruleSetName = ruleSetName
        self.ruleSetHash = ruleSetHash
        self.snapshotHash = snapshotHash
        self.evaluatedAt = evaluatedAt
        self.explained = explained
        self.decision = decision
        self.newEscalations = newEscalations
        self.previousHash = previousHash
        self.shadowRuleSetName = shadowRuleSetName
        self.shadowRuleSetHash = shadowRuleSetHash
        self.shadowDecision = shadowDecision
        self.hash = hash
    }

    /// The bytes the record's hash is computed over (format 1): the compact JSON of the record's
    /// fields in this fixed order, a line feed, and the decision's bytes as stored.
    ///
    /// `{"format":1,"sequence":N,"recorded_at":"ISO","task_id":JSON|null,"step_run_id":S|null,
    /// "source":S,"rule_set":{"name":S,"hash":S},"snapshot_hash":S,"evaluated_at":"ISO"|null,
    /// "explained":B,"new_escalations":[N,...],"previous_hash":S|null}` `\n` decision
    ///
    /// Times are written as `Timestamp.description` does (ISO 8601, UTC, milliseconds when not
    /// zero); the task id is its JSON text parsed back (so `48219` and `"48219"` differ).
    ///
    /// Format 2 (a record with a shadow decision) adds `"shadow":{"name":S,"hash":S}` as the
    /// header's last member, and a line feed and the shadow decision's bytes at the end.
    public var canonicalBytes: [UInt8] {
        var bytes = JSONWriter.compact.bytes(.object(header))
        bytes.append(0x0A)
        bytes.append(contentsOf: decision)
        if let shadowDecision {
            bytes.append(0x0A)
            bytes.append(contentsOf: shadowDecision)
        }
        return bytes
    }

    /// The hashed fields, in the canonical order.
    private var header: JSONObject {
        var object = JSONObject()
        object["format"] = .integer(Int64(format))
        object["sequence"] = .integer(sequence)
        object["recorded_at"] = .string(recordedAt.description)
        object["task_id"] = taskIDValue
        object["step_run_id"] = stepRunID.map(JSONValue.string) ?? .null
        object["source"] = .string(source)
        object["rule_set"] = ["name": .string(ruleSetName), "hash": .string(ruleSetHash)]
        object["snapshot_hash"] = .string(snapshotHash)
        object["evaluated_at"] = evaluatedAt.map { .string($0.description) } ?? .null
        object["explained"] = .bool(explained)
        object["new_escalations"] = .array(newEscalations.map { .integer(Int64($0)) })
        object["previous_hash"] = previousHash.map(JSONValue.string) ?? .null
        if let shadowRuleSetName, let shadowRuleSetHash {
            object["shadow"] = ["name": .string(shadowRuleSetName), "hash": .string(shadowRuleSetHash)]
        }
        return object
    }

    /// The task id as a JSON value (`null` when absent or unreadable).
    var taskIDValue: JSONValue {
        guard let taskID, let value = try? JSONParser().parse(Array(taskID.utf8)) else { return .null }
        return value
    }

    /// ``newEscalations`` as the ledger's tables store them: the JSON text of the array.
    package var newEscalationsText: String {
        JSONWriter.compact.string(.array(newEscalations.map { .integer(Int64($0)) }))
    }

    /// The indices of stored `new_escalations` text (none when it is not an array of integers).
    package static func newEscalations(text: String) -> [Int] {
        ((try? JSONParser().parse(Array(text.utf8)))?.array?.compactMap(\.integer) ?? []).map { Int($0) }
    }

    /// The content hashes of the rule documents the record was decided with (its rule set's, and
    /// its shadow's when it has one).
    package var ruleDocumentHashes: [String] {
        [ruleSetHash] + (shadowRuleSetHash.map { [$0] } ?? [])
    }

    /// The hash the record's fields give (what ``hash`` must be).
    public var computedHash: String { Digest.sha256(canonicalBytes) }

    /// The decision's JSON value (`nil` when the stored bytes are not JSON).
    public var decisionJSON: JSONValue? { try? JSONParser().parse(decision) }

    /// The decision's recommendation, read from its JSON.
    public var recommendation: String? { decisionJSON?["recommendation"]?.string }

    /// The record as one JSON object, for `ledger log --format json` and `ledger export`: the
    /// hashed fields, the decision as a JSON value, and the record's hash.
    public var json: JSONValue {
        var object = header
        object["decision"] = decisionJSON ?? .string(String(decoding: decision, as: UTF8.self))
        if let shadowDecision {
            object["shadow_decision"] =
                (try? JSONParser().parse(shadowDecision)) ?? .string(String(decoding: shadowDecision, as: UTF8.self))
        }
        object["hash"] = .string(hash)
        return .object(object)
    }
}
