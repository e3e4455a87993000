/// An RFC 6901 JSON Pointer: where a value sits inside a document (`/rules/3/when/and/1`).
///
/// Semantic errors name their place with a pointer; ``SourceLocator`` turns it back into a line
/// and column of the source text when a diagnostic is printed.
///
/// ```swift
/// let pointer = JSONPointer.root.appending("rules").appending(3).appending("when")
/// pointer.description               // "/rules/3/when"
/// JSONPointer(parsing: "/a~1b/0")   // tokens ["a/b", "0"]
/// ```
public struct JSONPointer: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The reference tokens, unescaped.
    public private(set) var tokens: [String]

    /// The whole document.
    public static let root = JSONPointer(tokens: [])

    /// A pointer made of these (unescaped) tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the RFC 6901 string form (`""` is the root, otherwise it starts with `/`).
    ///
    /// Returns `nil` when the text is not a pointer.
    public init?(parsing text: String) {
        if text.isEmpty {
            self.tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                if character == "~" {
                    switch iterator.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                } else {
                    token.append(character)
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// This pointer extended by an object key.
    public func appending(_ key: String) -> JSONPointer {
        var copy = self
        copy.tokens.append(key)
        return copy
    }

    /// This pointer extended by an array index.
    public func appending(_ index: Int) -> JSONPointer {
        appending(String(index))
    }

    /// The pointer to the containing value (the root is its own parent).
    public var parent: JSONPointer {
        JSONPointer(tokens: Array(tokens.dropLast()))
    }

    /// The escaped string form, e.g. `/rules/0/when`.
    public var description: String {
        var text = ""
        for token in tokens {
            text.append("/")
            for character in token {
                switch character {
                case "~": text.append("~0")
                case "/": text.append("~1")
                default: text.append(character)
                }
            }
        }
        return text
    }

    /// Document order: a parent before its children, array elements by index, keys by text.
    public static func < (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        for (a, b) in zip(lhs.tokens, rhs.tokens) where a != b {
            if let i = arrayIndex(a), let j = arrayIndex(b) { return i < j }
            return a < b
        }
        return lhs.tokens.count < rhs.tokens.count
    }

    /// The token as an array index, when it is one (`0`, or digits without a leading zero).
    static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.utf8.first, first >= 0x30, first <= 0x39 else { return nil }
        if first == 0x30 && token.utf8.count > 1 { return nil }
        return Int(token)
    }
}
