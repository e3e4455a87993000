/// A JSON value in one contiguous, versioned binary block, with the repeated keys its text's parse
/// reported: what a cache keeps so that a document read again, unchanged, is not parsed again
/// (`approvalctl dry-run` over the same files keeps what the rules' projection copies of each).
/// Reading the value back (``value(maxDepth:)``) is a walk of one buffer.
///
/// A block is derived data, never the source of truth. Whatever its bytes, reading it never traps:
/// bytes that are not a well-formed block of this ``version`` read as `nil`, and the caller parses
/// the text again.
///
/// Layout (little-endian), version 1:
///
/// ```text
/// block    = "AJB" 0x01  u32 version  u32 repeats-offset  value  repeats
/// value    = 0 (null) | 1 (false) | 2 (true) | 3 zigzag-varint | 4 f64-bits | 5 varint-length bytes
///          | 6 varint-count value*                              (array)
///          | 7 varint-count (varint-length key-bytes value)*    (object, in order)
/// repeats  = varint-count (varint-token-count (varint-length bytes)* varint-line varint-column varint-offset)*
/// ```
///
/// Varints are LEB128 (seven bits a byte, low bits first).
///
/// ```swift
/// var repeats: [JSONRepeatedKey] = []
/// let value = try JSONParser().parse(bytes, file: "task.json", projection: wanted, repeatedKeys: &repeats)
/// let block = JSONBlock(value, repeatedKeys: repeats)
/// JSONBlock(bytes: block.bytes)?.value() == value  // true
/// ```
public struct JSONBlock: Sendable, Hashable {
    /// The block's bytes, as stored.
    public let bytes: [UInt8]

    /// The layout version this build reads and writes; a block of another version reads as `nil`.
    public static let version: UInt32 = 1

    private static let magic: [UInt8] = [0x41, 0x4A, 0x42, 0x01]  // "AJB" 1
    private static let headerSize = 12

    /// The block whose bytes are `bytes`, or `nil` when they do not start like a block of this
    /// ``version`` (the rest is checked as it is read).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize, bytes[0..<4].elementsEqual(Self.magic),
            bytes.withUnsafeBytes({ UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) })
                == Self.version
        else { return nil }
        self.bytes = bytes
    }

    /// The block of `value`, with the repeated keys of the text it was parsed from.
    public init(_ value: JSONValue, repeatedKeys: [JSONRepeatedKey] = []) {
        var writer = BlockWriter(capacity: 2048)
        for byte in Self.magic { writer.byte(byte) }
        writer.fixed(Self.version)
        writer.fixed(UInt32(0))  // where the repeats start, set below
        writer.write(value)
        writer.patch(UInt32(truncatingIfNeeded: writer.count), at: 8)
        writer.varint(UInt64(repeatedKeys.count))
        for repeated in repeatedKeys {
            writer.varint(UInt64(repeated.path.tokens.count))
            for token in repeated.path.tokens { writer.text(token) }
            for number in [repeated.location.line, repeated.location.column, repeated.location.byteOffset] {
                writer.varint(UInt64(max(0, number)))
            }
        }
        bytes = writer.bytes
    }

    /// The value; `nil` when the block is not well formed or nests deeper than `maxDepth`.
    public func value(maxDepth: Int = 64) -> JSONValue? {
        read(maxDepth: maxDepth) { reader throws(BlockReader.Malformed) in
            try reader.value(depth: 1)
        }
    }

    /// The repeated keys the parse reported, located in `file`; `nil` when the block is not well
    /// formed.
    public func repeatedKeys(file: String?) -> [JSONRepeatedKey]? {
        read(maxDepth: 0, section: .repeats) { reader throws(BlockReader.Malformed) in
            var repeats: [JSONRepeatedKey] = []
            for _ in 0..<(try reader.length()) {
                var tokens: [String] = []
                for _ in 0..<(try reader.length()) { tokens.append(try reader.string()) }
                let line = try reader.number(), column = try reader.number(), offset = try reader.number()
                repeats.append(
                    JSONRepeatedKey(
                        path: JSONPointer(tokens: tokens),
                        location: SourceLocation(file: file, line: line, column: column, byteOffset: offset)))
            }
            return repeats
        }
    }

    private enum Section { case value, repeats }

    /// Runs `body` over a section, which it must read to its end.
    private func read<Result>(
        maxDepth: Int, section: Section = .value, _ body: (inout BlockReader) throws(BlockReader.Malformed) -> Result
    ) -> Result? {
        bytes.withUnsafeBytes { raw in
            let repeats = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            guard repeats >= Self.headerSize, repeats <= raw.count else { return nil }
            var reader = BlockReader(raw, maxDepth: maxDepth)
            (reader.at, reader.end) = section == .value ? (Self.headerSize, repeats) : (repeats, raw.count)
            guard let result = try? body(&reader), reader.at == reader.end else { return nil }
            return result
        }
    }

    enum Tag: UInt8 {
        case null = 0, `false`, `true`, integer, double, string, array, object
    }
}

// MARK: - Writing

/// Writes a block into memory it grows itself (about twice the block at most), without the
/// uniqueness check an array append makes for every byte.
private struct BlockWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Makes room for `more` bytes.
    @inline(__always)
    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = max(capacity * 2, count + more)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.initialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    @inline(__always)
    mutating func byte(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    mutating func write(_ value: borrowing JSONValue) {
        switch value {
        case .null: byte(JSONBlock.Tag.null.rawValue)
        case .bool(let flag): byte((flag ? JSONBlock.Tag.true : .false).rawValue)
        case .integer(let number):
            byte(JSONBlock.Tag.integer.rawValue)
            varint(UInt64(bitPattern: (number << 1) ^ (number >> 63)))  // zigzag: small negatives are short
        case .double(let number):
            byte(JSONBlock.Tag.double.rawValue)
            fixed(number.bitPattern)
        case .string(let text):
            byte(JSONBlock.Tag.string.rawValue)
            self.text(text)
        case .array(let elements):
            byte(JSONBlock.Tag.array.rawValue)
            varint(UInt64(elements.count))
            for element in elements { write(element) }
        case .object(let object):
            byte(JSONBlock.Tag.object.rawValue)
            varint(UInt64(object.count))
            for index in 0..<object.count {
                text(object.keys[index])
                write(object.values[index])
            }
        }
    }

    @inline(__always)
    mutating func text(_ text: String) {
        // Native strings (all a parse makes) lend their bytes; others are copied first.
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in bytes(utf8) }
        if written == nil { Array(text.utf8).withUnsafeBufferPointer { bytes($0) } }
    }

    /// A length and the bytes.
    @inline(__always)
    private mutating func bytes(_ utf8: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(utf8.count))
        guard let start = utf8.baseAddress, !utf8.isEmpty else { return }
        reserve(utf8.count)
        (base + count).initialize(from: start, count: utf8.count)
        count += utf8.count
    }

    /// LEB128: seven bits a byte, low bits first, the high bit set on every byte but the last.
    @inline(__always)
    mutating func varint(_ value: UInt64) {
        reserve(10)
        var value = value
        while value >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: value) | 0x80
            count += 1
            value >>= 7
        }
        base[count] = UInt8(value)
        count += 1
    }

    @inline(__always)
    mutating func fixed<T: FixedWidthInteger>(_ number: T) {
        reserve(MemoryLayout<T>.size)
        UnsafeMutableRawPointer(base + count).storeBytes(of: number.littleEndian, as: T.self)
        count += MemoryLayout<T>.size
    }

    /// Sets the `u32` at `offset` (written before).
    mutating func patch(_ number: UInt32, at offset: Int) {
        UnsafeMutableRawPointer(base + offset).storeBytes(of: number.littleEndian, as: UInt32.self)
    }
}

// MARK: - Reading

/// Reads a block's bytes, checking every length against the bytes it has: a block that is not
/// well formed throws ``Malformed``, never reads outside the buffer.
private struct BlockReader {
    struct Malformed: Error {}

    let raw: UnsafeRawBufferPointer
    let maxDepth: Int
    var at = 0
    /// Where the section being read ends.
    var end = 0

    init(_ raw: UnsafeRawBufferPointer, maxDepth: Int) {
        self.raw = raw
        self.maxDepth = maxDepth
    }

    mutating func byte() throws(Malformed) -> UInt8 {
        guard at < end else { throw Malformed() }
        defer { at += 1 }
        return raw[at]
    }

    /// A LEB128 varint of at most 64 bits.
    mutating func varint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try self.byte()
            guard shift < 64 else { throw Malformed() }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A count or length: no more than the bytes left (every element takes at least one).
    mutating func length() throws(Malformed) -> Int {
        let value = try varint()
        guard value <= UInt64(end - at) else { throw Malformed() }
        return Int(value)
    }

    /// A non-negative number (a line, a column, an offset).
    mutating func number() throws(Malformed) -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw Malformed() }
        return Int(value)
    }

    mutating func string() throws(Malformed) -> String {
        let length = try length()
        defer { at += length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: raw[at..<at + length]), as: UTF8.self)
    }

    mutating func value(depth: Int) throws(Malformed) -> JSONValue {
        guard let tag = JSONBlock.Tag(rawValue: try byte()) else { throw Malformed() }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .integer:
            let zigzag = try varint()
            return .integer(Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1))
        case .double:
            guard end - at >= 8 else { throw Malformed() }
            defer { at += 8 }
            return .double(
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))))
        case .string: return .string(try string())
        case .array:
            guard depth <= maxDepth else { throw Malformed() }
            let count = try length()
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(depth: depth + 1)) }
            return .array(elements)
        case .object:
            guard depth <= maxDepth else { throw Malformed() }
            let count = try length()
            var keys: [String] = []
            var values: [JSONValue] = []
            keys.reserveCapacity(count)
            values.reserveCapacity(count)
            for _ in 0..<count {
                // Keys are unique in a block written from a `JSONObject`. (One that is not, from
                // damage a record's checksum missed, makes an object whose lookups find one of the
                // members: no trap, and nothing a parse of jansson's distinct byte strings that
                // compare equal as Swift strings could not give too.)
                keys.append(try string())
                values.append(try value(depth: depth + 1))
            }
            return .object(JSONObject(uniqueKeys: keys, values: values))
        }
    }
}
