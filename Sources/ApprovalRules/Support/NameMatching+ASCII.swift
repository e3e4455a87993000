// NameMatching: the ASCII path.
extension NameMatching {
    /// What each ASCII byte becomes in each key (steps 1 to 3 run on the byte alone), from the
    /// precomputed tables (``ASCIITable/derived()`` makes them; a test checks they agree).
    static let asciiTable = ASCIITable(visual: PrecomputedTables.asciiVisual, caseless: PrecomputedTables.asciiCaseless)

    /// For each ASCII byte, its bytes in the visual and in the caseless key, packed in a
    /// `UInt32`: the count in the low byte, then up to three bytes, lowest first.
    struct ASCIITable: @unchecked Sendable {
        // @unchecked: the pointers are to memory written once, in `init`, and only read after.
        /// The visual key's bytes for each ASCII byte (128 entries). Plain memory, made once for
        /// the process and never freed (the table is a `static let`): the per-byte loop reads it
        /// with no reference to count and no copy.
        let visual: UnsafePointer<UInt32>
        /// The caseless key's bytes for each ASCII byte (128 entries), likewise.
        let caseless: UnsafePointer<UInt32>
        /// The most bytes one ASCII byte becomes.
        let maxExpansion: Int

        /// Writes the visual folding of `bytes` at `raw` (each entry stored as a whole `UInt32`,
        /// so the buffer needs three bytes of slack) and, from `patchesAt`, a `UInt32` for each
        /// byte that folds differently in the caseless key (its offset in the visual key, the
        /// byte in the top byte). The count written and the patches; `nil` when not ASCII.
        @inline(__always)
        func foldVisual(_ bytes: UnsafeBufferPointer<UInt8>, into raw: UnsafeMutableRawPointer, patchesAt: Int)
            -> (count: Int, patches: Int)?
        {
            var (count, patches) = (0, 0)
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                let entry = visual[Int(byte)]
                raw.storeBytes(of: (entry >> 8).littleEndian, toByteOffset: count, as: UInt32.self)
                if entry != caseless[Int(byte)] {
                    raw.storeBytes(
                        of: UInt32(count) | UInt32(byte) << 24, toByteOffset: patchesAt + 4 * patches, as: UInt32.self)
                    patches += 1
                }
                count += Int(entry & 0xFF)
            }
            return (count, patches)
        }

        /// Turns a visual key at `key` into the caseless one by rewriting the bytes of the
        /// `patches` that ``foldVisual(_:into:patchesAt:)`` recorded.
        @inline(__always)
        func patchCaseless(
            _ key: UnsafeMutablePointer<UInt8>, patches: Int, from raw: UnsafeMutableRawPointer, at patchesAt: Int
        ) {
            for index in 0..<patches {
                let patch = raw.loadUnaligned(fromByteOffset: patchesAt + 4 * index, as: UInt32.self)
                let entry = caseless[Int(patch >> 24)]
                let offset = Int(patch & 0xFF_FFFF)
                for position in 0..<Int(entry & 0xFF) {
                    key[offset + position] = UInt8(truncatingIfNeeded: entry >> (8 * (position + 1)))
                }
            }
        }

        /// A copy of `values` in memory that is never freed, for the tables of a `static let`.
        static func permanent<Element>(_ values: [Element]) -> UnsafePointer<Element> {
            let memory = UnsafeMutablePointer<Element>.allocate(capacity: values.count)
            memory.initialize(from: values, count: values.count)
            return UnsafePointer(memory)
        }

        /// The table of the packed entries of each ASCII byte (128 each), as ``derived()`` makes them.
        init(visual: [UInt32], caseless: [UInt32]) {
            precondition(visual.count == 128 && caseless.count == 128, "an ASCII table has 128 entries")
            // Every ASCII byte that folds differently in the two keys (`I`, `0`) folds to as many
            // bytes in both, so the caseless key is the visual one with those bytes replaced
            // (``patchCaseless``). The data says so; the table is built on that, and checks it.
            precondition(
                zip(visual, caseless).allSatisfy { $0 == $1 || $0 & 0xFF == $1 & 0xFF },
                "an ASCII byte folds to keys of different lengths")
            self.visual = Self.permanent(visual)
            self.caseless = Self.permanent(caseless)
            self.maxExpansion = max(1, (visual + caseless).map { Int($0 & 0xFF) }.max() ?? 1)
        }

        /// Runs steps 1 to 3 on each ASCII scalar: for ASCII they work scalar by scalar (no
        /// combining marks to order), so a string's folded key is its bytes' entries in a row.
        /// Each entry is the count of bytes in the low byte, then up to three bytes.
        ///
        /// What `NameMatching+Tables.swift` holds: deriving it takes the Unicode properties of
        /// every ASCII scalar and the confusables table, which a process that only matches ASCII
        /// names would otherwise parse at start-up for nothing.
        static func derived() -> (visual: [UInt32], caseless: [UInt32]) {
            var tables: [[UInt32]] = [[], []]
            for (table, kind) in zip(tables.indices, [Kind.visual, .caseless]) {
                for byte in 0..<128 {
                    let scalar = Unicode.Scalar(UInt8(byte))
                    var folded: [UInt8] = []
                    if !NameMatching.isDroppedByProperties(scalar, asWritten: true) {
                        NameMatching.fold([scalar], kind, into: &folded)
                    }
                    // More than three bytes would not fit; none of the ASCII skeletons is that long.
                    precondition(folded.count <= 3, "ASCII skeleton of \(byte) is too long")
                    var packed = UInt32(folded.count)
                    for (position, folded) in folded.enumerated() { packed |= UInt32(folded) << (8 * (position + 1)) }
                    tables[table].append(packed)
                }
            }
            return (tables[0], tables[1])
        }
    }

    /// The keys of ASCII text (the visual one, then the caseless one when `caseless` and it
    /// differs), or `nil` when the text is not ASCII or not stored contiguously.
    static func asciiKeys(_ text: String, caseless wantCaseless: Bool) -> [String]? {
        withASCIIFolded(text, caseless: wantCaseless) { visualBytes, caselessBytes in
            let visual = key(visualBytes)
            guard let caselessBytes else { return [visual] }
            let caseless = key(caselessBytes)
            return caseless == visual ? [visual] : [visual, caseless]
        }
    }

    /// Step 5 on folded bytes: the key as a `String`.
    @inline(__always)
    static func key(_ folded: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: folded.count) { output in
            if let count = legalFormTable.replaceAtEnd(folded, into: output) { return count }
            _ = output.initialize(fromContentsOf: folded)
            return folded.count
        }
    }

    /// Calls `body` with ASCII text's folded visual key and, when `caseless` and it differs, its
    /// folded caseless key (steps 1 to 4, in a stack buffer); `nil` when the text is not ASCII or
    /// not stored contiguously.
    static func withASCIIFolded<Result>(
        _ text: String, caseless wantCaseless: Bool,
        _ body: (_ visual: UnsafeBufferPointer<UInt8>, _ caseless: UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result? {
        text.utf8.withContiguousStorageIfAvailable { withASCIIFolded($0, caseless: wantCaseless, body) } ?? nil
    }

    /// ``withASCIIFolded(_:caseless:_:)`` of UTF-8 bytes.
    static func withASCIIFolded<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>, caseless wantCaseless: Bool,
        _ body: (_ visual: UnsafeBufferPointer<UInt8>, _ caseless: UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result? {
        // Read once: each read of a `static let` checks that it is initialised.
        let table = asciiTable
        // Each byte's entry is stored as a whole `UInt32` (its bytes, then slack) and the count
        // advanced by its length: three bytes of slack after each half of the buffer.
        let capacity = bytes.count * table.maxExpansion + 3
        // The visual key, the caseless key, then where the bytes that differ between the two
        // went in the visual key (a `UInt32` each: offset, and the input byte in the top byte).
        let size = 2 * capacity + 4 * bytes.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer -> Result? in
            guard let base = buffer.baseAddress else { return nil }
            let raw = UnsafeMutableRawPointer(base)
            let patchesAt = 2 * capacity
            guard let (visualCount, patches) = table.foldVisual(bytes, into: raw, patchesAt: patchesAt) else {
                return nil
            }
            let visual = UnsafeBufferPointer(start: base, count: visualCount)
            guard wantCaseless, patches > 0 else { return body(visual, nil) }
            let caseless = base + capacity
            caseless.update(from: base, count: visualCount)
            table.patchCaseless(caseless, patches: patches, from: raw, at: patchesAt)
            return body(visual, UnsafeBufferPointer(start: caseless, count: visualCount))
        }
    }
}
