import ApprovalJSON

/// A message with placeholders (`"Contract value {{variables.contract_value | money}} exceeds
/// USD 250,000"`), parsed once; placeholders are fact paths read from the snapshot when rendered,
/// optionally through a ``Formatter``. A class: rules hold their templates by reference, and a
/// decision that renders one does not copy it.
final class Template: Sendable {
    enum Segment: Sendable, Hashable {
        /// Literal text, as UTF-8.
        case text([UInt8])
        case fact(FactTable.Fact)
        /// `{{path | formatter}}`: the fact, formatted for people.
        case formatted(FactTable.Fact, Formatter)
        /// `{{near_list.<list>}}`: the entry the rule's `near_list` test of that list found.
        case nearMatch(String)
    }

    /// How a placeholder's value is written (`{{variables.contract_value | money}}`), through
    /// ``Readable``, as explanations write it. A value the formatter cannot read (`| money` on
    /// text that is no amount) is written as it would be without one.
    enum Formatter: String, Sendable, Hashable, CaseIterable {
        /// An amount in its currency, the base currency when it states none: `EUR 240,000.00`.
        case money
        /// A date or date-time as its (UTC) calendar day: `1 March 2025`.
        case date
        /// A list comma-separated, strings unquoted: `a@example.com, b@example.com` (`none` when
        /// empty).
        case list

        /// `value` formatted, or `nil` when the formatter cannot read it.
        func format(_ value: JSONValue, baseCurrency: String?) -> String? {
            switch self {
            case .money: return Readable.money(value, baseCurrency: baseCurrency)
            case .date: return Readable.date(value)
            case .list:
                guard case .array = value else { return nil }
                return Readable.list(value)
            }
        }
    }

    let segments: [Segment]
    /// The fact paths the template quotes, in order.
    let factPaths: [[String]]
    /// The lists whose `near_list` entry the template quotes (`{{near_list.<list>}}`), in order.
    let nearLists: [String]
    /// How a placeholder naming a `near_list` entry starts.
    static let nearMatchPrefix = "near_list."
    /// The whole text, when the template quotes no fact.
    private let constantText: String?
    /// How many bytes the literal text has (what a rendering reserves, with room for the facts).
    private let literalBytes: Int
    /// The rule document's base currency: what `| money` writes for an amount that states none.
    private let baseCurrency: String?

    /// Parses `text`, numbering the facts it quotes in `facts`; throws a message describing the
    /// first malformed placeholder. `baseCurrency` is the rule document's (`currency.base`).
    init(parsing text: String, facts: inout FactTable, baseCurrency: String? = nil) throws(TemplateError) {
        let bytes = Array(text.utf8)
        /// Where `pair` (`{{` or `}}`) next starts at or after `from`.
        func find(_ pair: UInt8, from: Int) -> Int? {
            var at = from
            while at + 1 < bytes.count {
                if bytes[at] == pair && bytes[at + 1] == pair { return at }
                at += 1
            }
            return nil
        }
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func literal(_ range: Range<Int>) -> Segment { .text(Array(bytes[range])) }
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        var segments: [Segment] = []
        var factPaths: [[String]] = []
        var nearLists: [String] = []
        var start = 0
        while let opening = find(open, from: start) {
            if opening > start { segments.append(literal(start..<opening)) }
            guard let closing = find(close, from: opening + 2) else {
                throw TemplateError(message: "unclosed \"{{\" in message template")
            }
            var lower = opening + 2
            var upper = closing
            while lower < upper && bytes[lower] == UInt8(ascii: " ") { lower += 1 }
            while upper > lower && bytes[upper - 1] == UInt8(ascii: " ") { upper -= 1 }
            let placeholder = string(lower..<upper)
            guard !placeholder.isEmpty else {
                throw TemplateError(message: "empty placeholder \"{{}}\" in message template")
            }
            let (name, formatter) = try Self.formatter(in: placeholder)
            if name.hasPrefix(Self.nearMatchPrefix), name.count > Self.nearMatchPrefix.count {
                if formatter != nil {
                    throw TemplateError(message: "\"{{\(placeholder)}}\": a near_list entry takes no formatter")
                }
                let list = String(name.dropFirst(Self.nearMatchPrefix.count))
                segments.append(.nearMatch(list))
                nearLists.append(list)
                start = closing + 2
                continue
            }
            guard !bytes[lower..<upper].contains(open), let path = FactPath.parse(name) else {
                throw TemplateError(
                    message:
                        "invalid placeholder \"{{\(placeholder)}}\": expected a fact path such as variables.contract_value"
                )
            }
            if let formatter {
                segments.append(.formatted(facts.fact(path), formatter))
            } else {
                segments.append(.fact(facts.fact(path)))
            }
            factPaths.append(path)
            start = closing + 2
        }
        if find(close, from: start) != nil {
            throw TemplateError(message: "\"}}\" without a matching \"{{\" in message template")
        }
        if start < bytes.count { segments.append(literal(start..<bytes.count)) }
        self.segments = segments
        self.baseCurrency = baseCurrency
        self.factPaths = factPaths
        self.nearLists = nearLists
        self.constantText = factPaths.isEmpty && nearLists.isEmpty ? text : nil
        self.literalBytes = segments.reduce(0) { total, segment in
            if case .text(let text) = segment { return total + text.count }
            return total
        }
    }

    /// Splits `path | formatter` (spaces around `|` ignored); throws for an empty or unknown
    /// formatter (with the closest known one) or more than one.
    private static func formatter(in placeholder: String) throws(TemplateError) -> (String, Formatter?) {
        let parts = placeholder.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return (placeholder, nil) }
        let known = Formatter.allCases.map(\.rawValue)
        guard parts.count == 2 else {
            throw TemplateError(
                message:
                    "\"{{\(placeholder)}}\" has more than one \"|\": a placeholder takes one formatter (\(known.joined(separator: ", ")))"
            )
        }
        let name = String(parts[0]).trimmingASCIIWhitespace()
        let formatterName = String(parts[1]).trimmingASCIIWhitespace()
        guard !formatterName.isEmpty else {
            throw TemplateError(
                message: "\"{{\(placeholder)}}\": expected a formatter after \"|\" (\(known.joined(separator: ", ")))")
        }
        guard let formatter = Formatter(rawValue: formatterName) else {
            var message = "unknown formatter \"\(formatterName)\" in \"{{\(placeholder)}}\""
            if let guess = Suggestion.closest(to: formatterName, among: known) {
                message += "; did you mean \"\(guess)\"?"
            }
            throw TemplateError(message: message + " (formatters: \(known.joined(separator: ", ")))")
        }
        return (name, formatter)
    }

    /// Renders with values read through `context`; missing facts read as `(missing)`. The result
    /// is cut at `limit` bytes (on a character boundary) with an ellipsis.
    ///
    /// The text is assembled as bytes in a buffer on the stack (literal parts copied, facts written
    /// in place) and becomes a `String` once.
    func render(_ context: inout EvaluationContext, limit: Int) -> String {
        if let constantText, constantText.utf8.count <= limit { return constantText }
        let capacity = min(literalBytes + 64 * factPaths.count, limit + 64)
        if capacity <= Self.stackBytes {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
                var output = TextBuffer(buffer)
                append(to: &output, context, limit: limit)
                return output.overflowed ? renderSlowly(&context, limit: limit) : output.string(limit: limit)
            }
        }
        return renderSlowly(&context, limit: limit)
    }

    /// Renders without the stack buffer (long templates, long facts).
    private func renderSlowly(_ context: inout EvaluationContext, limit: Int) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let text): output += String(decoding: text, as: UTF8.self)
            case .fact(let fact):
                let entry = context[fact]
                if context.isMissing(fact) {
                    output += Self.missing
                } else {
                    TraceText.appendPlain(entry.pointee.value, to: &output)
                }
            case .formatted(let fact, let formatter):
                output += formatted(fact, formatter, context)
            case .nearMatch(let list):
                output += context.nearMatch(list: list).map { TraceText.plain(.string($0)) } ?? Self.missing
            }
            if output.utf8.count > limit { break }
        }
        return TextBuffer.cut(output, limit: limit)
    }

    private static let stackBytes = 1024
    private static let missing = Readable.missing

    /// A fact through `formatter`; as it is when the formatter cannot read it; `(missing)` when
    /// absent or `null`.
    private func formatted(_ fact: FactTable.Fact, _ formatter: Formatter, _ context: borrowing EvaluationContext)
        -> String
    {
        let entry = context[fact]
        guard !context.isMissing(fact) else { return Self.missing }
        return formatter.format(entry.pointee.value, baseCurrency: baseCurrency) ?? TraceText.plain(entry.pointee.value)
    }

    private func append(to output: inout TextBuffer, _ context: borrowing EvaluationContext, limit: Int) {
        for segment in segments {
            switch segment {
            case .text(let text): text.withUnsafeBufferPointer { output.append($0) }
            case .nearMatch(let list):
                output.append(context.nearMatch(list: list).map { TraceText.plain(.string($0)) } ?? Self.missing)
            case .formatted(let fact, let formatter):
                output.append(formatted(fact, formatter, context))
            case .fact(let fact):
                let entry = context[fact]
                guard !context.isMissing(fact) else {
                    output.append(Self.missing)
                    break
                }
                switch entry.pointee.value {
                case .integer(let number): output.append(number)
                case .string(let text):
                    // Text that cannot hold a presigned-URL signature goes in as it is.
                    let copied: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
                        guard !SecretRedaction.mayNeedRedaction(bytes) else { return false }
                        output.append(bytes)
                        return true
                    }
                    if copied != true { output.append(TraceText.plain(entry.pointee.value)) }
                default: output.append(TraceText.plain(entry.pointee.value))
                }
            }
            if output.count > limit || output.overflowed { return }
        }
    }
}

/// Bytes written into a fixed buffer, noting when they do not fit.
private struct TextBuffer {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0
    private(set) var overflowed = false

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard count + bytes.count <= buffer.count else {
            overflowed = true
            return
        }
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (buffer.baseAddress! + count).initialize(from: source, count: bytes.count)
        }
        count += bytes.count
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    /// A decimal integer, without intermediate text.
    mutating func append(_ number: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for any Int64
        withUnsafeMutableBytes(of: &digits) { raw in
            var magnitude = number.magnitude
            var at = raw.count
            repeat {
                at -= 1
                raw[at] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                at -= 1
                raw[at] = UInt8(ascii: "-")
            }
            append(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[at...]))
        }
    }

    /// The text, cut at `limit` bytes.
    func string(limit: Int) -> String {
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        return count > limit ? Self.cut(text, limit: limit) : text
    }

    /// `text` cut at `limit` bytes, on a character boundary, with an ellipsis.
    static func cut(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var cut = ""
        for character in text {
            if cut.utf8.count + character.utf8.count > limit - 3 { break }
            cut.append(character)
        }
        return cut + "..."
    }
}

struct TemplateError: Error {
    let message: String
}
