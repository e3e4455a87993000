import ApprovalJSON

/// A message with placeholders (`"Contract value {{variables.contract_value}} exceeds 250,000"`),
/// parsed once; placeholders are fact paths read from the snapshot when rendered.
struct Template: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case text(String)
        case fact(FactTable.Fact)
    }

    let segments: [Segment]
    /// The fact paths the template quotes, in order.
    let factPaths: [[String]]
    /// The whole text, when the template quotes no fact.
    private let constantText: String?
    /// How many bytes the literal text has (what a rendering reserves, with room for the facts).
    private let literalBytes: Int

    /// Parses `text`, numbering the facts it quotes in `facts`; throws a message describing the
    /// first malformed placeholder.
    init(parsing text: String, facts: inout FactTable) throws(TemplateError) {
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
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        var segments: [Segment] = []
        var factPaths: [[String]] = []
        var start = 0
        while let opening = find(open, from: start) {
            if opening > start { segments.append(.text(string(start..<opening))) }
            guard let closing = find(close, from: opening + 2) else {
                throw TemplateError(message: "unclosed \"{{\" in message template")
            }
            var lower = opening + 2
            var upper = closing
            while lower < upper && bytes[lower] == UInt8(ascii: " ") { lower += 1 }
            while upper > lower && bytes[upper - 1] == UInt8(ascii: " ") { upper -= 1 }
            let name = string(lower..<upper)
            guard !name.isEmpty else { throw TemplateError(message: "empty placeholder \"{{}}\" in message template") }
            guard !bytes[lower..<upper].contains(open), let path = FactPath.parse(name) else {
                throw TemplateError(message: "invalid placeholder \"{{\(name)}}\": expected a fact path such as variables.contract_value")
            }
            segments.append(.fact(facts.fact(path)))
            factPaths.append(path)
            start = closing + 2
        }
        if find(close, from: start) != nil { throw TemplateError(message: "\"}}\" without a matching \"{{\" in message template") }
        if start < bytes.count { segments.append(.text(string(start..<bytes.count))) }
        self.segments = segments
        self.factPaths = factPaths
        self.constantText = factPaths.isEmpty ? text : nil
        self.literalBytes = segments.reduce(0) { total, segment in
            if case .text(let text) = segment { return total + text.utf8.count }
            return total
        }
    }

    /// Renders with values read through `context`; missing facts read as `(missing)`. The result
    /// is cut at `limit` bytes (on a character boundary) with an ellipsis.
    func render(_ context: inout EvaluationContext, limit: Int) -> String {
        if let constantText, constantText.utf8.count <= limit { return constantText }
        var output = ""
        output.reserveCapacity(literalBytes + 24 * factPaths.count)
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .fact(let fact):
                if let value = context.fact(fact), !value.isNull {
                    TraceText.appendPlain(value, to: &output)
                } else {
                    output += "(missing)"
                }
            }
            if output.utf8.count > limit { break }
        }
        guard output.utf8.count > limit else { return output }
        var cut = ""
        for character in output {
            if cut.utf8.count + character.utf8.count > limit - 3 { break }
            cut.append(character)
        }
        return cut + "..."
    }
}

struct TemplateError: Error {
    let message: String
}
