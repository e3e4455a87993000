public import ApprovalJSON
public import ApprovalRules

/// How escalations are told apart across records: the same task, step run, recipients, rules
/// and rendered message are the same notice, whatever the order of the recipients or rules.
public enum Escalations {
    /// The escalation's key (also the notice id a receiver can use as an idempotency key):
    /// `sha256:` and the digest of the compact JSON
    /// `[task_id, step_run_id, [recipients, sorted], [rule ids, sorted], message]`.
    ///
    /// ```swift
    /// let id = Escalations.key(decision.escalations[0], taskID: decision.taskID, stepRunID: "sr_1")
    /// ```
    public static func key(_ escalation: Escalation, taskID: JSONValue, stepRunID: String?) -> String {
        let sortedStrings: ([String]) -> JSONValue = { strings in
            .array(strings.sorted { $0.precedesInCodePointOrder($1) }.map(JSONValue.string))
        }
        let identity: JSONValue = [
            taskID, stepRunID.map(JSONValue.string) ?? .null, sortedStrings(escalation.to),
            sortedStrings(escalation.ruleIDs), .string(escalation.message),
        ]
        return Digest.sha256(JSONWriter.compact.bytes(identity))
    }
}
