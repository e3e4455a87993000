public import ApprovalJSON

/// One step of an explanation: what was compared or tested, and what came out.
///
/// ```swift
/// // contract_value 300000 > 250000 → true
/// print("\(event.text) → \(event.result)")
/// ```
public struct TraceEvent: Sendable, Hashable {
    /// The sub-expression, as a pointer into the rule document.
    public var path: JSONPointer
    /// A readable account, e.g. `contract_value 300000 > 250000`.
    public var text: String
    /// What the sub-expression gave.
    public var result: JSONValue

    /// An event.
    public init(path: JSONPointer, text: String, result: JSONValue) {
        self.path = path
        self.text = text
        self.result = result
    }
}

/// Collects trace events during one evaluation.
struct TraceRecorder: Sendable {
    var events: [TraceEvent] = []
}

/// How values and operators read in traces and messages.
enum TraceText {
    /// Objects are quoted with sorted keys, so messages do not depend on the input's key order.
    private static let sortedWriter = JSONWriter(sortKeys: true)

    /// Strings quoted, numbers and the rest as compact JSON; long values shortened.
    /// Presigned-URL signatures are redacted: traces and messages leave the process.
    static func value(_ value: JSONValue) -> String {
        let text = SecretRedaction.text(sortedWriter.string(value))
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
