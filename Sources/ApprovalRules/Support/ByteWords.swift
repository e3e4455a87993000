/// Eight bytes at a time: the classic word-at-a-time tests ("SWAR") the e-mail matcher uses to
/// scan addresses, on `UInt64` words loaded from UTF-8 (any alignment, little-endian or not: the
/// tests only ask whether *some* byte of a word qualifies, never which).
enum ByteWords {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Loads the eight bytes at `offset` (which must leave eight bytes in `bytes`).
    @inline(__always)
    static func load(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self)
    }

    /// Whether some byte of `word` is `byte`.
    @inline(__always)
    static func contains(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highs != 0
    }

    /// Whether some byte of `word` is below `limit` (at most 0x80), ignoring bytes of 0x80 and more.
    @inline(__always)
    static func containsBelow(_ word: UInt64, _ limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }

    /// Whether some byte of `word` is 0x80 or more (not ASCII).
    @inline(__always)
    static func containsNonASCII(_ word: UInt64) -> Bool {
        word & highs != 0
    }

    /// `word` with its ASCII upper-case letters in lower case (for words without non-ASCII bytes).
    @inline(__always)
    static func lowercased(_ word: UInt64) -> UInt64 {
        // A byte b is in A...Z when b + (0x80 - "A") sets the high bit and b + (0x80 - "Z" - 1)
        // does not; no carry crosses bytes because every byte is below 0x80.
        let aboveA = word &+ ones &* UInt64(0x80 - 0x41)
        let aboveZ = word &+ ones &* UInt64(0x80 - 0x5B)
        let upper = aboveA & ~aboveZ & highs
        return word | (upper >> 2)
    }
}
