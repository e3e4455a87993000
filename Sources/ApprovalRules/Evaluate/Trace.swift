public import ApprovalJSON

/// One step of an explanation: what was compared or tested, with the facts it read, and what
/// came out.
///
/// ```swift
/// // contract value EUR 240,000.00 (= USD 259,200.00 at 1.08) ≥ USD 250,000.00: yes
/// print(event.line)
/// ```
public struct TraceEvent: Sendable, Hashable {
    /// The sub-expression, as a pointer into the rule document.
    public var path: JSONPointer
    /// A readable account, with the facts filled in, e.g.
    /// `contract value USD 300,000.00 ≥ USD 250,000.00`.
    public var text: String
    /// What the sub-expression gave.
    public var result: JSONValue
    /// How the opposite test reads, without the facts (`no contract file` for
    /// `contract file attached`): what a negation (`!`) of this event says it tests.
    var negation: String?
    /// Whether the next event restates this one (a negation quoting the test it negates), so a
    /// report for people shows only the next (``RuleTrace/lines``); the JSON trace keeps both.
    var restatedByNext = false

    /// An event.
    public init(path: JSONPointer, text: String, result: JSONValue) {
        self.path = path
        self.text = text
        self.result = result
    }

    /// An event with how its opposite reads.
    init(path: JSONPointer, text: String, result: JSONValue, negation: String?) {
        self.init(path: path, text: text, result: result)
        self.negation = negation
    }

    /// The event as one line for people: the text, then what came out (`: yes`, `: no`, or the
    /// value), e.g. `contract file attached: yes → "no contract file": no`.
    public var line: String {
        switch result {
        case .bool(let value): return "\(text): \(Readable.yesNo(value))"
        default: return "\(text): \(Readable.value(result))"
        }
    }
}

extension RuleTrace {
    /// The rule's tests as lines for people (``TraceEvent/line``), a negation on the same line as
    /// the test it negates: `contract file attached: yes → "no contract file": no`.
    public var lines: [String] {
        events.filter { !$0.restatedByNext }.map(\.line)
    }
}

/// Collects trace events during the evaluation of one rule.
///
/// A class, so that the evaluation context holds one word for it: as a struct with its two
/// arrays it made the context large enough that moving it went through `memcpy`, 2 % of the
/// instructions of every decision, explained or not (callgrind, 10,000 benchmark decisions).
/// It lives in one evaluation context, on one thread.
final class TraceRecorder {
    var events: [TraceEvent] = []
    /// The outcomes of the branch points a coverage run instruments (``RuleCoverage``).
    var branches: [BranchOutcome] = []
}

/// How values and operators read in traces and messages.
enum TraceText {
    /// Objects are quoted with sorted keys, so messages do not depend on the input's key order.
    private static let sortedWriter = JSONWriter(sortKeys: true)

    /// Strings quoted, numbers and the rest as compact JSON; long values shortened.
    /// Presigned-URL signatures are redacted: traces and messages leave the process.
    static func value(_ value: JSONValue) -> String {
        shortened(SecretRedaction.text(sortedWriter.string(value)))
    }

    /// `text` cut to 80 characters (77 and `...`): how long a value may read in a trace.
    static func shortened(_ text: String) -> String {
        guard text.count > 80 else { return text }
        return String(text.prefix(77)) + "..."
    }

    /// How a value reads inside a sentence: strings unquoted, the rest as compact JSON; presigned
    /// URL signatures redacted.
    static func plain(_ value: JSONValue) -> String {
        if case .string(let text) = value { return SecretRedaction.text(text) }
        var output = ""
        appendPlain(value, to: &output)
        return output
    }

    /// Appends ``plain(_:)``'s text to `output` (how templates render, without intermediate strings).
    static func appendPlain(_ value: borrowing JSONValue, to output: inout String) {
        switch value {
        case .string(let text): output += SecretRedaction.text(text)
        case .integer(let number): output += String(number)
        case .double(let number) where number.rounded() == number && abs(number) < 1e15:
            output += String(Int64(number))
        case .double(let number) where number.isFinite:
            output += number.description  // digits only: nothing to redact
        default: output += SecretRedaction.text(sortedWriter.string(value))
        }
    }
}

extension EvaluationContext {
    /// Records what `!` (`negated`) or `!!` made of its operand's `value`, so that it reads
    /// naturally (never `! true`), when tracing; `eventsBefore` is how many events there were
    /// before the operand ran.
    ///
    /// - The operand recorded its own test last (at its own path): for `!`, that event and its
    ///   opposite make one line (the operand's event stays, marked as restated), `contract file attached: yes → "no contract file"` (false), or
    ///   `missing owner: owner → "nothing missing"` (false); for `!!`, the operand's event already
    ///   says everything.
    /// - The operand reads a fact (`{"!": {"var": "approvers.active"}}`):
    ///   `active approvers: a@example.com → "no active approvers"` (false).
    /// - A combination (`and`, `or`, ...) whose tests are listed above it:
    ///   `the above: yes → "not the above"` (false).
    /// - Anything else: the value, `"" → "empty"` (true).
    mutating func recordTruthiness(
        at path: JSONPointer, of operand: Node, value: JSONValue, negated: Bool, eventsBefore: Int
    ) {
        guard let count = trace?.events.count else { return }
        let truthy = Coercion.truthy(value)
        let result = JSONValue.bool(truthy != negated)
        if count > eventsBefore, let last = trace?.events.last, last.path == operand.path {
            guard negated else { return }
            trace?.events[count - 1].restatedByNext = true
            let opposite = last.negation ?? "not \(last.text)"
            record(path, "\(last.line) → \"\(opposite)\"", result, negation: last.text)
            return
        }
        if let label = operand.label {
            let phrase = negated ? "no \(label)" : "\(label) given"
            record(
                path, "\(label): \(Readable.value(value)) → \"\(phrase)\"", result,
                negation: negated ? "\(label) given" : "no \(label)")
        } else if count > eventsBefore {
            record(
                path, "the above: \(Readable.yesNo(truthy))\(negated ? " → \"not the above\"" : "")", result,
                negation: negated ? "the above" : "not the above")
        } else {
            record(
                path, "\(Readable.value(value)) → \"\(negated ? "empty" : "not empty")\"", result,
                negation: negated ? "not empty" : "empty")
        }
    }
}
