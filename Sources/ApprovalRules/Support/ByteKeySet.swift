/// FNV-1a over bytes: a fast, stable (the same in every process) 64-bit hash for short keys. The
/// one FNV in the engine: variable ids and list keys both hash with it.
enum FNV1a {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Mixes one byte into `hash`.
    @inline(__always)
    static func mix(_ hash: inout UInt64, _ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// The hash of `bytes`.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = seed
        for byte in bytes { mix(&hash, byte) }
        return hash
    }

    /// The hash of `text`'s UTF-8.
    static func hash(_ text: String) -> UInt64 {
        text.utf8.withContiguousStorageIfAvailable(hash)
            ?? {
                var hash = seed
                for byte in text.utf8 { mix(&hash, byte) }
                return hash
            }()
    }
}

/// A set of byte strings (list keys), looked up by a buffer of bytes without making a `String`
/// or hashing one with the standard library's per-process seed: an open-addressing table at the
/// FNV-1a hash of each key (linear probing), keys compared byte for byte.
///
/// ```swift
/// let keys = ByteKeySet(["blackridgeoffshoreltd"])
/// "blackridgeoffshoreltd".utf8.withContiguousStorageIfAvailable(keys.contains)  // true
/// ```
final class ByteKeySet: Sendable {
    /// One slot of the table: a key's hash and where its bytes are in ``bytes``; `count` is -1
    /// in an empty slot.
    private struct Slot {
        var hash: UInt64 = 0
        var start: Int32 = 0
        var count: Int32 = -1
    }

    // Plain memory owned by the set (freed in `deinit`), written in `init` only: lookups read
    // it with no reference counting. `nonisolated(unsafe)`: never written after `init`.
    /// The keys, one after the other.
    nonisolated(unsafe) private let bytes: UnsafeMutablePointer<UInt8>
    private let byteCount: Int
    /// A power of two, at least twice as many slots as keys.
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int

    /// The set of `keys` (repeats kept once).
    init(_ keys: some Sequence<String>) {
        let unique = Set(keys).sorted()
        var size = 8
        while size < unique.count * 2 { size *= 2 }
        var bytes: [UInt8] = []
        var slots = Array(repeating: Slot(), count: size)
        for key in unique {
            let hash = FNV1a.hash(key)
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot].count != -1 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Slot(hash: hash, start: Int32(bytes.count), count: Int32(key.utf8.count))
            bytes.append(contentsOf: key.utf8)
        }
        self.byteCount = bytes.count
        self.bytes = .allocate(capacity: max(bytes.count, 1))
        self.bytes.initialize(from: bytes, count: bytes.count)
        self.slots = .allocate(capacity: size)
        self.slots.initialize(from: slots, count: size)
        self.mask = size - 1
    }

    deinit {
        bytes.deallocate()
        slots.deinitialize(count: mask + 1)
        slots.deallocate()
    }

    /// Whether the bytes of `key` are one of the keys.
    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let hash = FNV1a.hash(key)
        var at = Int(truncatingIfNeeded: hash) & mask
        while slots[at].count != -1 {
            let slot = slots[at]
            if slot.hash == hash, Int(slot.count) == key.count,
                UnsafeBufferPointer(start: bytes + Int(slot.start), count: key.count).elementsEqual(key)
            {
                return true
            }
            at = (at + 1) & mask
        }
        return false
    }

    /// Whether `key` is one of the keys.
    func contains(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { contains($0) }
    }
}
