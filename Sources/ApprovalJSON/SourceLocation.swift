/// A place in a source text: file (when known), 1-based line and column, and byte offset.
///
/// Columns count Unicode scalars, as jansson does in its syntax errors, so that both kinds of
/// error point at the same character.
///
/// ```swift
/// let location = SourceLocation(file: "rules/default.rules.json", line: 12, column: 7, byteOffset: 301)
/// location.description  // "rules/default.rules.json:12:7"
/// ```
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file name as the user gave it, or `nil` for in-memory input.
    public var file: String?
    /// The line, from 1.
    public var line: Int
    /// The column in Unicode scalars, from 1.
    public var column: Int
    /// The offset in bytes from the start of the input, from 0.
    public var byteOffset: Int

    /// A location.
    public init(file: String? = nil, line: Int, column: Int, byteOffset: Int) {
        self.file = file
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
    }

    /// `file:line:column`, or `line:column` without a file.
    public var description: String {
        "\(file ?? "<input>"):\(line):\(column)"
    }

    /// Whether `lhs` comes before `rhs` in this type's order.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file ?? "", lhs.byteOffset) < (rhs.file ?? "", rhs.byteOffset)
    }
}
