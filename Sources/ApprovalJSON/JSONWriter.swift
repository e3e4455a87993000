/// Writes ``JSONValue`` as JSON text: stable key order, correct escaping, exact numbers.
///
/// Keys come out in the order the object holds them (or sorted, with ``sortKeys``). Integers
/// print as integers; a real prints in the shortest form that reads back to the same `Double`
/// and always with a `.` or an exponent, so it reads back as a real. Non-finite reals, which JSON
/// cannot express, print as `null`. Strings escape `"`, `\` and control characters; all other
/// characters are written as UTF-8.
///
/// ```swift
/// JSONWriter.compact.string(["a": 1, "b": [true, 2.5]])  // {"a":1,"b":[true,2.5]}
/// JSONWriter.pretty.string(value)                       // two-space indentation, newline-free end
/// ```
public struct JSONWriter: Sendable {
    /// Indent nested values by two spaces per level, one member per line.
    public var pretty: Bool
    /// Sort object keys by their UTF-8 bytes instead of keeping their order.
    public var sortKeys: Bool

    /// A writer.
    public init(pretty: Bool = false, sortKeys: Bool = false) {
        self.pretty = pretty
        self.sortKeys = sortKeys
    }

    /// One line, no spaces.
    public static let compact = JSONWriter()
    /// Indented with two spaces.
    public static let pretty = JSONWriter(pretty: true)

    /// The JSON text of `value`.
    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// The JSON text of `value` as UTF-8 bytes.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output)
        return output
    }

    /// Appends the JSON text of `value` to `output`.
    public func write(_ value: JSONValue, into output: inout [UInt8]) {
        write(value, into: &output, indent: 0)
    }

    private func write(_ value: JSONValue, into output: inout [UInt8], indent: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number): Self.writeDouble(number, into: &output)
        case .string(let text): Self.writeString(text, into: &output)
        case .array(let elements):
            if elements.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (at, element) in elements.enumerated() {
                if at > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent + 1)
                write(element, into: &output, indent: indent + 1)
            }
            newline(&output, indent)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty {
                output.append(contentsOf: "{}".utf8)
                return
            }
            let ordered = sortKeys ? object.sortedByKey() : object
            output.append(UInt8(ascii: "{"))
            for (at, (key, member)) in ordered.members.enumerated() {
                if at > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent + 1)
                Self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                write(member, into: &output, indent: indent + 1)
            }
            newline(&output, indent)
            output.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ output: inout [UInt8], _ indent: Int) {
        guard pretty else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    /// Shortest round-trip form (Swift's `description` is shortest-exact), with a `.0` kept so
    /// the number reads back as a real.
    static func writeDouble(_ number: Double, into output: inout [UInt8]) {
        guard number.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        output.append(contentsOf: number.description.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes a string, or `null` for `nil` (the compact form of an optional member).
    package static func writeOptionalString(_ text: String?, into output: inout [UInt8]) {
        guard let text else { return output.append(contentsOf: "null".utf8) }
        writeString(text, into: &output)
    }

    /// Writes strings as a compact array.
    package static func writeStrings(_ strings: [String], into output: inout [UInt8]) {
        writeArray(strings, into: &output) { writeString($0, into: &$1) }
    }

    /// Writes `elements` as a compact array, each through `element`.
    package static func writeArray<Element>(
        _ elements: [Element], into output: inout [UInt8], _ element: (Element, inout [UInt8]) -> Void
    ) {
        output.append(UInt8(ascii: "["))
        for index in elements.indices {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            element(elements[index], &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Writes a quoted, escaped string; runs of bytes that need no escaping are copied at once.
    package static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x7F || byte == 0x22 || byte == 0x5C {
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                escape(byte, into: &output)
                runStart = index + 1
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        default:
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
