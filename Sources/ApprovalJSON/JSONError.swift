/// Why a JSON document could not be read: a stable ``Code``, a message, and where.
///
/// Syntax errors carry the line, column and byte offset jansson reported; limit errors found
/// after parsing (depth) carry the ``JSONPointer`` of the offending value and, since the source is
/// kept, its line and column too.
///
/// ```swift
/// do {
///     _ = try JSONParser().parse(Array("[1, 2".utf8))
/// } catch {
///     print(error)  // <input>:1:6: error[premature_end]: ...
/// }
/// ```
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of problem, printed as snake_case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case syntax = "syntax_error"
            case invalidUTF8 = "invalid_utf8"
            case prematureEnd = "premature_end"
            case trailingContent = "trailing_content"
            case numericOverflow = "numeric_overflow"
            case duplicateKey = "duplicate_key"
            case nulCharacter = "nul_character"
            case tooDeep = "too_deep"
            case tooLarge = "too_large"
            case emptyInput = "empty_input"
            case fileNotFound = "file_not_found"
            case unreadable = "unreadable"
            case outOfMemory = "out_of_memory"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Invalid JSON syntax (an unexpected token or character).
        public static let syntax = Code(.syntax)
        /// The bytes are not valid UTF-8.
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// The input ends in the middle of a value.
        public static let prematureEnd = Code(.prematureEnd)
        /// Something follows the complete value.
        public static let trailingContent = Code(.trailingContent)
        /// An integer does not fit in 64 bits, or a real is out of range.
        public static let numericOverflow = Code(.numericOverflow)
        /// An object repeats a key (rejected in rule files).
        public static let duplicateKey = Code(.duplicateKey)
        /// A string contains `\u0000` and the options do not allow it.
        public static let nulCharacter = Code(.nulCharacter)
        /// Arrays and objects are nested deeper than the limit.
        public static let tooDeep = Code(.tooDeep)
        /// The input is larger than the limit.
        public static let tooLarge = Code(.tooLarge)
        /// The input is empty or only white space.
        public static let emptyInput = Code(.emptyInput)
        /// The file does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// The file exists but could not be read (permissions, a directory, an I/O error).
        public static let unreadable = Code(.unreadable)
        /// jansson ran out of memory.
        public static let outOfMemory = Code(.outOfMemory)

        /// The snake_case identifier, e.g. `premature_end`.
        public var description: String { kind.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where in the text, when known.
    public var location: SourceLocation?
    /// Which value, for problems found after parsing (e.g. depth).
    public var path: JSONPointer?

    /// An error.
    public init(code: Code, message: String, location: SourceLocation? = nil, path: JSONPointer? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.path = path
    }

    /// Compiler style: `file:line:column: error[code]: message (at /path)`.
    public var description: String {
        var text = ""
        if let location {
            text += "\(location): "
        }
        text += "error[\(code)]: \(message)"
        if let path, !path.tokens.isEmpty {
            text += " (at \(path))"
        }
        return text
    }
}
