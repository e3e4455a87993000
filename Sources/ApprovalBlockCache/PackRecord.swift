import ApprovalBatch

/// One record of a pack: a file's identity and its block.
///
/// ```text
/// 0  u32 magic "ABLK"        4  u32 record size      8  u64 checksum of bytes 16..<size
/// 16 u64 device   24 u64 inode   32 i64 size   40 i64 modified (ns)   48 i64 changed (ns)
/// 56 u32 key length          60 key                  then the block
/// ```
struct Record {
    /// The record's bytes: fixed part, key, block.
    let bytes: [UInt8]

    static let magic: UInt32 = 0x4B4C_4241  // "ABLK"
    static let fixedSize = 60

    /// The record's size and key length, from the start of a record in `head` (at least the
    /// fixed part): `nil` unless a record of that size could fit in `available` bytes.
    static func measure(_ head: UnsafeRawBufferPointer, available: Int) -> (size: Int, keyLength: Int)? {
        guard head.count >= fixedSize, load(UInt32.self, head, 0) == magic else { return nil }
        let size = Int(load(UInt32.self, head, 4))
        let keyLength = Int(load(UInt32.self, head, 56))
        guard size >= fixedSize, size <= available, keyLength <= size - fixedSize else { return nil }
        return (size, keyLength)
    }

    /// A record read whole: `nil` unless its bytes hold together and its checksum holds.
    init?(_ bytes: [UInt8]) {
        let sound = bytes.withUnsafeBytes { raw in
            guard let (size, _) = Self.measure(raw, available: raw.count), size == raw.count else { return false }
            return Self.load(UInt64.self, raw, 8) == Self.checksum(UnsafeRawBufferPointer(rebasing: raw[16...]))
        }
        guard sound else { return nil }
        self.bytes = bytes
    }

    private var keyLength: Int { bytes.withUnsafeBytes { Int(Self.load(UInt32.self, $0, 56)) } }

    var identity: FileIdentity {
        bytes.withUnsafeBytes { raw in
            FileIdentity(
                device: Self.load(UInt64.self, raw, 16), inode: Self.load(UInt64.self, raw, 24),
                size: Self.load(Int64.self, raw, 32), modified: Self.load(Int64.self, raw, 40),
                changed: Self.load(Int64.self, raw, 48))
        }
    }

    /// The block's bytes (checked by `JSONBlock` as they are read).
    var block: [UInt8] { Array(bytes[(Self.fixedSize + keyLength)...]) }

    static func load<T: FixedWidthInteger>(_: T.Type, _ raw: UnsafeRawBufferPointer, _ offset: Int) -> T {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Appends a new record to `bytes`.
    static func append(key: String, identity: FileIdentity, block: [UInt8], to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.reserveCapacity(start + fixedSize + key.utf8.count + block.count)
        var key = key
        key.withUTF8 { keyBytes in
            func append<T: FixedWidthInteger>(_ number: T) {
                withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
            }
            append(magic)
            append(UInt32(truncatingIfNeeded: fixedSize + keyBytes.count + block.count))
            append(UInt64(0))  // the checksum, below
            append(identity.device)
            append(identity.inode)
            append(identity.size)
            append(identity.modified)
            append(identity.changed)
            append(UInt32(truncatingIfNeeded: keyBytes.count))
            bytes.append(contentsOf: keyBytes)
        }
        bytes.append(contentsOf: block)
        let checksum = bytes.withUnsafeBytes { Self.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 16)...])) }
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(start + 8..<start + 16, with: $0) }
    }

    /// A 64-bit checksum of `bytes`, eight bytes at a time: it tells a damaged record from a
    /// sound one (it is no defence against a forger, and needs not be: a pack is the user's own
    /// derived data, and `verify` parses every file again).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var at = 0
        while bytes.count - at >= 8 {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            at += 8
        }
        var tail: UInt64 = 0
        for (shift, byte) in bytes[at...].enumerated() { tail |= UInt64(byte) << (8 * UInt64(shift)) }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 33)
    }
}
