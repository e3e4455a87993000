/// Maps byte offsets and JSON Pointers back to lines and columns of a kept source text.
///
/// jansson reports positions for syntax errors only; values carry none. Diagnostics found later
/// name their value by ``JSONPointer``, and this type re-scans the source, only when a diagnostic
/// is printed, to find where that value starts. Columns count Unicode scalars, like jansson.
///
/// ```swift
/// let source = Array("{\n  \"rules\": [ {\"id\": 1} ]\n}".utf8)
/// let locator = SourceLocator(bytes: source, file: "x.rules.json")
/// locator.location(of: JSONPointer(parsing: "/rules/0/id")!)  // x.rules.json:2:20
/// ```
public struct SourceLocator: Sendable {
    /// The source text.
    public let bytes: [UInt8]
    /// The file name to put in locations.
    public let file: String?

    /// A locator over `bytes`.
    public init(bytes: [UInt8], file: String? = nil) {
        self.bytes = bytes
        self.file = file
    }

    /// The line and column of a byte offset (clamped to the text).
    public func location(ofByteOffset offset: Int) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var at = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) && end >= 3 {
            at = 3  // a byte order mark is not a character of line 1
        }
        while at < end {
            let byte = bytes[at]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            at += 1
        }
        return SourceLocation(file: file, line: line, column: column, byteOffset: end)
    }

    /// Where the value at `pointer` starts, or `nil` when the text has no such value.
    ///
    /// - Parameter key: when true and the pointer ends in an object member, point at the member's
    ///   key instead of its value (useful for "unknown key" diagnostics).
    public func location(of pointer: JSONPointer, key: Bool = false) -> SourceLocation? {
        offset(of: pointer, key: key).map { location(ofByteOffset: $0) }
    }

    /// The byte offset where the value (or key) at `pointer` starts.
    public func offset(of pointer: JSONPointer, key: Bool = false) -> Int? {
        var scanner = Scanner(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.at = 3 }
        scanner.skipWhitespace()
        for (step, token) in pointer.tokens.enumerated() {
            guard let byte = scanner.peek() else { return nil }
            let last = step == pointer.tokens.count - 1
            if byte == UInt8(ascii: "{") {
                guard let keyStart = scanner.seekMember(token) else { return nil }
                if last && key { return keyStart }
            } else if byte == UInt8(ascii: "[") {
                guard let index = JSONPointer.arrayIndex(token), scanner.seekElement(index) else { return nil }
            } else {
                return nil
            }
        }
        return scanner.at < bytes.count ? scanner.at : nil
    }
}

// MARK: - Repeated keys

extension SourceLocator {
    /// Every object member whose key an earlier member of the same object already has, in text
    /// order: the pointer and place of each repeat (the second, third, ... occurrence).
    ///
    /// Keys are compared as jansson compares them, by their unescaped bytes (`"\u0041"` repeats
    /// `"A"`; a precomposed `"é"` does not repeat a decomposed one). The walk is iterative, so no
    /// nesting depth can overflow the stack; on text that is not JSON it stops where it stops
    /// understanding and returns what it found until then.
    public func repeatedKeys() -> [JSONRepeatedKey] {
        /// One open container: its pointer, and for an object the keys seen so far.
        struct Open {
            var pointer: JSONPointer
            var keys: Set<[UInt8]>?
            var nextIndex = 0
        }
        var scanner = Scanner(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.at = 3 }
        var found: [JSONRepeatedKey] = []
        var stack: [Open] = []
        /// The pointer of the value about to be read in the innermost container.
        var pending = JSONPointer.root
        while true {
            scanner.skipWhitespace()
            guard let byte = scanner.peek() else { return found }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Open(pointer: pending, keys: byte == UInt8(ascii: "{") ? [] : nil))
                scanner.at += 1
                if byte == UInt8(ascii: "[") { pending = pending.appending(0) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard stack.popLast() != nil else { return found }
                scanner.at += 1
            case UInt8(ascii: ","):
                scanner.at += 1
                if var top = stack.last, top.keys == nil {
                    top.nextIndex += 1
                    stack[stack.count - 1] = top
                    pending = top.pointer.appending(top.nextIndex)
                }
            case UInt8(ascii: "\""):
                let start = scanner.at
                guard let text = scanner.readString() else { return found }
                // A string in an object, where a key is expected, is a key when a colon follows.
                var lookahead = scanner
                lookahead.skipWhitespace()
                if stack.last?.keys != nil, lookahead.peek() == UInt8(ascii: ":") {
                    scanner = lookahead
                    scanner.at += 1
                    let key = Array(text.utf8)
                    let pointer = stack[stack.count - 1].pointer.appending(text)
                    if stack[stack.count - 1].keys?.insert(key).inserted == false {
                        found.append(JSONRepeatedKey(path: pointer, location: location(ofByteOffset: start)))
                    }
                    pending = pointer
                }
            default:
                // A number, true, false or null.
                guard scanner.skipValue() else { return found }
            }
        }
    }
}

/// An object member whose key the object already has: jansson keeps the last value, another
/// reader may keep the first, so the document says two things at once.
///
/// ```swift
/// let text = Array(#"{"a": 1, "a": 2}"#.utf8)
/// SourceLocator(bytes: text).repeatedKeys().first?.path  // "/a"
/// ```
public struct JSONRepeatedKey: Sendable, Hashable {
    /// The repeated member (its object's pointer and the key).
    public var path: JSONPointer
    /// Where the repeat's key starts.
    public var location: SourceLocation

    /// A repeated key.
    public init(path: JSONPointer, location: SourceLocation) {
        self.path = path
        self.location = location
    }
}

// MARK: - Scanner

/// A forgiving scanner over JSON text: never traps, returns `nil` on anything unexpected.
private struct Scanner {
    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipWhitespace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    /// At `{`: moves to the value of member `name`; returns the offset of its key.
    mutating func seekMember(_ name: String) -> Int? {
        at += 1
        while true {
            skipWhitespace()
            guard let byte = peek() else { return nil }
            if byte == UInt8(ascii: "}") { return nil }
            if byte == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard byte == UInt8(ascii: "\"") else { return nil }
            let keyStart = at
            guard let key = readString() else { return nil }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { return nil }
            at += 1
            skipWhitespace()
            if key == name { return keyStart }
            guard skipValue() else { return nil }
        }
    }

    /// At `[`: moves to element `index`.
    mutating func seekElement(_ index: Int) -> Bool {
        at += 1
        var current = 0
        while true {
            skipWhitespace()
            guard let byte = peek(), byte != UInt8(ascii: "]") else { return false }
            if byte == UInt8(ascii: ",") {
                at += 1
                continue
            }
            if current == index { return true }
            guard skipValue() else { return false }
            current += 1
        }
    }

    /// Skips one value of any kind, iteratively (no recursion, whatever the depth).
    mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            skipWhitespace()
            guard let byte = peek() else { return false }
            switch byte {
            case UInt8(ascii: "\""):
                guard skipString() else { return false }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                at += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                at += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                at += 1
            default:
                while at < bytes.count, !Self.delimiters.contains(bytes[at]) { at += 1 }
            }
        } while depth > 0
        return depth == 0
    }

    private static let delimiters: Set<UInt8> = [
        0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"),
    ]

    mutating func skipString() -> Bool {
        at += 1
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "\\"): at += 2
            case UInt8(ascii: "\""):
                at += 1
                return true
            default: at += 1
            }
        }
        return false
    }

    /// Reads a string token, decoding escapes, and moves past it.
    mutating func readString() -> String? {
        at += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            if !raw.isEmpty {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll(keepingCapacity: true)
            }
        }
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                flush()
                return String(scalars)
            }
            if byte != UInt8(ascii: "\\") {
                raw.append(byte)
                at += 1
                continue
            }
            flush()
            guard at + 1 < bytes.count else { return nil }
            let escape = bytes[at + 1]
            at += 2
            switch escape {
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "u"):
                guard var code = readHex4() else { return nil }
                if (0xD800..<0xDC00).contains(code), at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"),
                    bytes[at + 1] == UInt8(ascii: "u")
                {
                    // Combine only with a real low surrogate; otherwise leave the next escape alone.
                    let mark = at
                    at += 2
                    if let low = readHex4(), (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        at = mark
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(escape))
            }
        }
        return nil
    }

    private mutating func readHex4() -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[at..<at + 4] {
            guard let digit = Self.hexValue(byte) else { return nil }
            value = value << 4 | digit
        }
        at += 4
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
