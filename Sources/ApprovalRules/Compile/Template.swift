import ApprovalJSON

/// A message with placeholders (`"Contract value {{variables.contract_value}} exceeds 250,000"`),
/// parsed once; placeholders are fact paths read from the snapshot when rendered.
struct Template: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case text(String)
        case fact([String])
    }

    let segments: [Segment]

    /// The fact paths the template quotes.
    var factPaths: [[String]] {
        segments.compactMap { if case .fact(let path) = $0 { return path } else { return nil } }
    }

    /// Parses `text`; throws a message describing the first malformed placeholder.
    init(parsing text: String) throws(TemplateError) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                throw TemplateError(message: "unclosed \"{{\" in message template")
            }
            let name = afterOpen[..<close.lowerBound].trimmingCharacters(in: " ")
            guard !name.isEmpty else { throw TemplateError(message: "empty placeholder \"{{}}\" in message template") }
            guard !name.contains("{"),
                let path = FactPath.parse(String(name))
            else { throw TemplateError(message: "invalid placeholder \"{{\(name)}}\": expected a fact path such as variables.contract_value") }
            segments.append(.fact(path))
            rest = afterOpen[close.upperBound...]
        }
        if rest.firstRange(of: "}}") != nil { throw TemplateError(message: "\"}}\" without a matching \"{{\" in message template") }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        self.segments = segments
    }

    /// Renders with values read through `context`; missing facts read as `(missing)`. The result
    /// is cut at `limit` bytes (on a character boundary) with an ellipsis.
    func render(_ context: EvaluationContext, limit: Int) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .fact(let path):
                if let value = context.lookupRoot(path[...]), !value.isNull {
                    output += TraceText.plain(value)
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

extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return text
    }
}

/// Dotted fact paths (`variables.contract_value`), as used by `var`, templates and required facts.
enum FactPath {
    /// Splits a dotted path; `nil` when empty or with an empty segment.
    static func parse(_ text: String) -> [String]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else { return nil }
        return parts
    }
}
