import ApprovalJSON

// MARK: - Escalations

extension RuleCompiler {
    private static let escalationFields: Set<String> = [
        "to", "severity", "message", "remind_after", "escalate_after",
    ]
    private static let followUpFields: Set<String> = ["after", "to", "severity", "message"]

    /// The escalations of the rule at `path` whose `escalate` is `value` (one escalation or an
    /// array of them): those that compile, in order; every problem is reported.
    mutating func escalations(
        _ value: JSONValue?, ofRuleAt path: JSONPointer, rule: String, references: inout References
    ) -> [EscalationSpec] {
        var escalations: [EscalationSpec] = []
        if let escalate = value {
            let list: [JSONValue] = escalate.array ?? [escalate]
            let base = path.appending("escalate")
            for (at, item) in list.enumerated() {
                let itemPath = escalate.array == nil ? base : base.appending(at)
                if let spec = escalation(item, at: itemPath, rule: rule, references: &references) {
                    escalations.append(spec)
                }
            }
        }
        return escalations
    }

    /// One escalation: `to` and `message` required, `severity` (default `medium`), `remind_after`
    /// and `escalate_after` optional; `nil` when it has no usable message.
    private mutating func escalation(
        _ value: JSONValue, at path: JSONPointer, rule: String, references: inout References
    ) -> EscalationSpec? {
        guard case .object(let object) = value else {
            report(
                .invalidFieldType, "an escalation must be an object with \"to\", \"severity\" and \"message\"",
                at: path, rule: rule)
            return nil
        }
        reportUnknownFields(of: object, known: Self.escalationFields, at: path, rule: rule)
        let to = addresses(object, at: path, of: "escalation", rule: rule)
        let severity = self.severity(object, at: path, default: .medium, rule: rule)
        var message: Template?
        if let text = requiredString(object, "message", at: path, rule: rule) {
            message = template(text, at: path.appending("message"), rule: rule, references: &references)
        }
        var remindAfter: ISODuration?
        if let value = object["remind_after"] {
            remindAfter = duration(value, key: "remind_after", at: path.appending("remind_after"), rule: rule)
        }
        var escalateAfter: FollowUpSpec?
        if let value = object["escalate_after"] {
            escalateAfter = followUp(value, at: path.appending("escalate_after"), rule: rule, references: &references)
        }
        guard let message else { return nil }
        return EscalationSpec(
            to: to, severity: severity, message: message, remindAfter: remindAfter, escalateAfter: escalateAfter)
    }

    /// An escalation's `escalate_after`: `after` and `to` required, `severity` (default `high`) and
    /// `message` optional.
    private mutating func followUp(
        _ value: JSONValue, at path: JSONPointer, rule: String, references: inout References
    ) -> FollowUpSpec? {
        guard case .object(let object) = value else {
            report(
                .invalidFieldType,
                "\"escalate_after\" must be an object with \"after\" and \"to\", not \(value.typeName)", at: path,
                rule: rule)
            return nil
        }
        reportUnknownFields(of: object, known: Self.followUpFields, at: path, rule: rule)
        var after: ISODuration?
        if let value = object["after"] {
            after = duration(value, key: "after", at: path.appending("after"), rule: rule)
        } else {
            report(.missingField, "escalate_after has no \"after\"", at: path, rule: rule)
        }
        let to = addresses(object, at: path, of: "escalate_after", rule: rule)
        let severity = self.severity(object, at: path, default: .high, rule: rule)
        var message: Template?
        if let text = optionalString(object, "message", at: path, rule: rule) {
            message = template(text, at: path.appending("message"), rule: rule, references: &references)
        }
        // Any problem above is an error, so a further notice built from partial fields is never used.
        guard let after else { return nil }
        return FollowUpSpec(after: after, to: to, severity: severity, message: message)
    }

    /// An `unknown_field` warning, with a "did you mean", for each key of `object` not in `known`
    /// (escalations, decision tables, variable declarations, the document itself).
    mutating func reportUnknownFields(
        of object: JSONObject, known: Set<String>, at path: JSONPointer, rule: String? = nil
    ) {
        for key in object.keys where !known.contains(key) {
            var message = "unknown field \"\(key)\""
            if let guess = Suggestion.closest(to: key, among: known) {
                message += "; did you mean \"\(guess)\"?"
            }
            report(.unknownField, message, at: path.appending(key), rule: rule)
        }
    }

    /// The `to` of `object`: one e-mail address or an array of them. `owner` names the object in
    /// messages (`escalation`, `escalate_after`).
    private mutating func addresses(_ object: JSONObject, at path: JSONPointer, of owner: String, rule: String)
        -> [String]
    {
        var to: [String] = []
        switch object["to"] {
        case .string(let address)?:
            to = [address]
            if Email.domain(address) == nil {
                report(
                    .invalidValue, "\(owner) address \"\(address)\" is not an e-mail address",
                    at: path.appending("to"), rule: rule)
            }
        case .array(let addresses)?:
            for (at, address) in addresses.enumerated() {
                if case .string(let text) = address, Email.domain(text) != nil {
                    to.append(text)
                } else {
                    report(
                        .invalidValue, "\(owner) address \(address) is not an e-mail address",
                        at: path.appending("to").appending(at), rule: rule)
                }
            }
        case nil: report(.missingField, "\(owner) has no \"to\"", at: path, rule: rule)
        case let other?:
            report(
                .invalidFieldType, "\"to\" must be an address or an array of addresses, not \(other.typeName)",
                at: path.appending("to"), rule: rule)
        }
        return to
    }

    /// The `severity` of `object`, or `fallback` when it has none.
    private mutating func severity(_ object: JSONObject, at path: JSONPointer, default fallback: Severity, rule: String)
        -> Severity
    {
        guard let text = optionalString(object, "severity", at: path, rule: rule) else { return fallback }
        guard let value = Severity(rawValue: text) else {
            report(
                .invalidSeverity, "unknown severity \"\(text)\"; expected low, medium, high or critical",
                at: path.appending("severity"), rule: rule)
            return fallback
        }
        return value
    }

    /// A positive ISO 8601 duration of fixed length (`PT48H`, `P2D`), read from `key`'s `value` at `path`.
    private mutating func duration(_ value: JSONValue, key: String, at path: JSONPointer, rule: String)
        -> ISODuration?
    {
        guard case .string(let text) = value else {
            report(
                .invalidFieldType,
                "\"\(key)\" must be an ISO 8601 duration such as \"PT48H\", not \(value.typeName)", at: path,
                rule: rule)
            return nil
        }
        guard let duration = ISODuration(text) else {
            let why = ISODuration.problem(in: text) ?? "not an ISO 8601 duration"
            report(.invalidDuration, "invalid duration \"\(text)\": \(why)", at: path, rule: rule)
            return nil
        }
        guard duration.milliseconds > 0 else {
            report(
                .invalidDuration, "invalid duration \"\(text)\": it must be longer than zero", at: path,
                rule: rule)
            return nil
        }
        return duration
    }
}
