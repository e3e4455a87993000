/// Keys under which two names that a person reads as the same name are equal: the matching
/// behind the `in_list` operator (vendor blocklists) and `near_list`.
///
/// A list entry is stored under ``entryKeys(_:)`` (once, when the rules compile) and a tested value
/// is looked up under ``valueKeys(_:)``; they match when the two sets share a key. Both run the
/// same pipeline, in this order:
///
/// 1. **Drop, as written**, every scalar that is white space (`isWhitespace`: every space
///    separator such as U+00A0, U+2000...U+200A and U+3000, tab, CR, LF, U+0085, U+2028, U+2029),
///    invisible (`isDefaultIgnorableCodePoint`: U+200B, U+200C, U+200D, U+00AD, U+2060, U+FEFF,
///    the bidi controls, variation selectors...; every control, Cc; every format character, Cf)
///    or punctuation (every P* category: `. , ' ’ - – — / ( ) [ ] : ; & ! ? "` ...). The one
///    exception is punctuation whose look-alike is made only of ASCII letters and digits, which is
///    kept so that step 2 reads it as those letters (U+05C0 HEBREW PUNCTUATION PASEQ as `l`,
///    U+2016 DOUBLE VERTICAL LINE as `ll`, U+166E CANADIAN SYLLABICS FULL STOP as `x`).
/// 2. **Fold case and look-alikes** into two keys (UTS #39 skeletons: each scalar replaced by its
///    ``Confusables`` skeleton, then every run of combining marks put in canonical order, stably by
///    `canonicalCombiningClass`; lower-casing is `String.lowercased()`, scalar by scalar):
///    - the *visual* key V(x) = skeleton(lowercased(skeleton(x))) catches look-alikes as written:
///      Cyrillic `В` in "Вlackridge" (skeleton `B`, then `b`), capital `I` or digit `1` for `l`,
///      digit `0` for `O`, Greek and Cyrillic vowels, fullwidth letters, `rn` for `m` (the
///      skeleton maps `m` to `rn`, on both sides);
///    - the *caseless* key C(x) = skeleton(lowercased(x)) catches any spelling in any case
///      ("BLACKRIDGE", whose visual key has `l` for each `I`).
/// 3. **Drop, from the skeleton**, every scalar of the kinds step 1 drops (no exception): the
///    look-alikes of dots, apostrophes, hyphens and spaces that step 2 produced (U+2024 ONE DOT
///    LEADER, U+02BC MODIFIER LETTER APOSTROPHE, the grave accent and U+00B4 all become `'` or
///    `.`, and go).
/// 4. **Join** what is left, with nothing between words: "Blackridge Offshore",
///    "Blackridge\u{200B}Offshore" and "BlackridgeOffshore" share a key, and no separator or
///    invisible scalar, wherever it stands, changes a key.
/// 5. **Shorten legal forms**: every occurrence (leftmost, longest first) of a long legal form
///    of ``legalForms`` in the joined key, as steps 1 to 4 spell it in the same key (written in
///    lower case, capitalised or in capitals), is replaced by its abbreviation as steps 1 to 4
///    spell that: "Blackridge Offshore Limited" and "Blackridge Offshore Ltd." both become
///    `blackridgeoffshoreltd`. Abbreviations need no entry: steps 1 and 4 already turn "L.L.C.",
///    "S. A." and "Ltd." into `llc`, `sa` and `ltd`. The forms are found in the joined key, not
///    word by word, so that an invisible or missing space cannot hide one ("Lim\u{200B}ited",
///    "OffshoreLimited"); the price is that a long form inside a longer word shortens too
///    ("Unlimited" becomes `unltd` on both sides), which can only make more names match.
///
/// Entries get a third key, V(entry.uppercased()), which catches names written in capitals with
/// a look-alike among them ("ВLACKRIDGE" with a Cyrillic `В`, "BLACKR1DGE").
///
/// ```swift
/// let stored = Set(NameMatching.entryKeys("Blackridge Offshore Ltd"))
/// NameMatching.valueKeys("Вlackridge Offshore Limited").contains(where: stored.contains)  // true
/// NameMatching.valueKeys("Blackridge Onshore Ltd").contains(where: stored.contains)       // false
/// ```
///
/// ASCII text takes a fast path that gives the same keys without reading Unicode properties: a
/// 128-entry table (built on first use by running steps 1 to 3 on each ASCII scalar) of what each
/// byte becomes in each key, written into a stack buffer, then step 5 over the bytes, and one
/// `String` per distinct key. Other text takes the same table for its ASCII scalars and runs only
/// the stretches of other scalars through the general steps.
enum NameMatching {
    // MARK: - Keys

    /// The keys a list entry is stored under: V(e), C(e) and V(e.uppercased()), without repeats.
    ///
    /// - Parameter text: The list entry as written in the rule document.
    /// - Returns: One to three keys.
    static func entryKeys(_ text: String) -> [String] {
        var keys = valueKeys(text)
        let upper = text.uppercased()
        // Both return the visual key first, and always return it.
        let upperVisual = asciiKeys(upper, caseless: false)?.first ?? generalKeys(upper, caseless: false)[0]
        if !keys.contains(upperVisual) { keys.append(upperVisual) }
        return keys
    }

    /// The keys a tested value is looked up under: V(x) and C(x), or one key when they are equal.
    ///
    /// - Parameter text: The value being tested (a vendor name, say).
    /// - Returns: One or two keys; the value matches an entry when one of them is among the
    ///   entry's ``entryKeys(_:)``.
    static func valueKeys(_ text: String) -> [String] {
        asciiKeys(text, caseless: true) ?? generalKeys(text, caseless: true)
    }

    /// Whether one of the ``valueKeys(_:)`` of `text` is in `keys` (what `in_list` asks of a
    /// name list): the same answer as `valueKeys(text).contains(where: keys.contains)`, but each
    /// key is built only when needed (the caseless one only when the visual one is not found and
    /// differs) and no array is.
    ///
    /// - Parameters:
    ///   - text: The value being tested.
    ///   - keys: The ``entryKeys(_:)`` of every entry of the list.
    /// - Returns: Whether the value matches some entry.
    static func anyValueKey(of text: String, in keys: Set<String>) -> Bool {
        let found = withASCIIFolded(text, caseless: true) { visual, caseless in
            if keys.contains(key(visual)) { return true }
            guard let caseless else { return false }
            return keys.contains(key(caseless))
        }
        return found ?? generalKeys(text, caseless: true).contains(where: keys.contains)
    }

    // MARK: - Nearest entry

    /// The closest entry within `maxDistance` edits, for the `near_list` operator.
    ///
    /// The distance between a value and an entry is the smallest Levenshtein distance (insert,
    /// delete or replace one Unicode scalar) between one of `valueKeys` and one of the entry's
    /// keys. Keys longer than `maxInputScalars` are cut to that many scalars first, and the
    /// distance is computed only within a band of `2 * maxDistance + 1` diagonals, so the cost is
    /// at most `maxInputScalars * (2 * maxDistance + 1)` steps per pair of keys: linear in the
    /// number of entries, never quadratic in the length of the value.
    ///
    /// - Parameters:
    ///   - valueKeys: The tested value's ``valueKeys(_:)``.
    ///   - entries: Each entry's ``entryKeys(_:)``.
    ///   - maxDistance: The most edits that still count as near; an exact match (0) counts.
    ///   - maxInputScalars: The length, in scalars, that longer keys are cut to.
    /// - Returns: The index of the nearest entry (the first of those equally near) and its
    ///   distance, or `nil` when no entry is within `maxDistance`.
    static func nearest(
        valueKeys: [String], entries: [[String]], maxDistance: Int, maxInputScalars: Int = 128
    ) -> (index: Int, distance: Int)? {
        guard maxDistance >= 0, maxInputScalars > 0 else { return nil }
        let values = valueKeys.map { Array($0.unicodeScalars.prefix(maxInputScalars).lazy.map(\.value)) }
        var entry: [UInt32] = []
        entry.reserveCapacity(maxInputScalars)
        var previous = [Int](repeating: 0, count: maxInputScalars + 1)
        var current = previous
        var best: (index: Int, distance: Int)?
        // No two cut keys are further apart than the longer one's length.
        var limit = min(maxDistance, maxInputScalars)
        for (index, keys) in entries.enumerated() {
            for key in keys {
                entry.removeAll(keepingCapacity: true)
                for scalar in key.unicodeScalars.prefix(maxInputScalars) { entry.append(scalar.value) }
                for value in values {
                    guard let distance = boundedDistance(value, entry, limit: limit, &previous, &current) else {
                        continue
                    }
                    best = (index, distance)
                    if distance == 0 { return best }
                    // Later entries must be strictly nearer to replace this one.
                    limit = distance - 1
                }
            }
        }
        return best
    }

    /// The Levenshtein distance between `a` and `b` when it is at most `limit`, otherwise `nil`.
    ///
    /// Only cells within `limit` of the diagonal are computed (Ukkonen's band); `previous` and
    /// `current` are scratch rows of at least `b.count + 1` cells.
    private static func boundedDistance(
        _ a: [UInt32], _ b: [UInt32], limit: Int, _ previous: inout [Int], _ current: inout [Int]
    ) -> Int? {
        let (n, m) = (a.count, b.count)
        guard abs(n - m) <= limit else { return nil }
        if n == 0 || m == 0 { return max(n, m) }
        let beyond = limit + 1
        for j in 0...m { previous[j] = j <= limit ? j : beyond }
        for i in 1...n {
            let low = max(1, i - limit)
            let high = min(m, i + limit)
            // The cell left of the band (column 0 is i deletions).
            current[low - 1] = low == 1 ? min(i, beyond) : beyond
            var rowMinimum = current[low - 1]
            let left = a[i - 1]
            for j in low...high {
                var cell = previous[j - 1] + (left == b[j - 1] ? 0 : 1)
                cell = min(cell, previous[j] + 1, current[j - 1] + 1)
                cell = min(cell, beyond)
                current[j] = cell
                rowMinimum = min(rowMinimum, cell)
            }
            // The next row reads one cell right of this row's band.
            if high < m { current[high + 1] = beyond }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[m] <= limit ? previous[m] : nil
    }

    // MARK: - Legal forms

    /// The long legal forms and the abbreviations they are keyed as (step 5), written as people
    /// write them; ``NameMatching`` turns both sides into keys on first use.
    ///
    /// | Long form | Key |
    /// |---|---|
    /// | limited | ltd |
    /// | incorporated | inc |
    /// | company | co |
    /// | corporation | corp |
    /// | public limited company | plc |
    /// | limited liability company | llc |
    /// | limited liability partnership | llp |
    /// | limited partnership | lp |
    /// | proprietary | pty |
    /// | gesellschaft mit beschränkter haftung | gmbh |
    /// | aktiengesellschaft | ag |
    /// | kommanditgesellschaft | kg |
    /// | société anonyme, sociedad anónima | sa |
    /// | besloten vennootschap | bv |
    /// | naamloze vennootschap | nv |
    /// | società a responsabilità limitata | srl |
    /// | société à responsabilité limitée | sarl |
    /// | osakeyhtiö | oy |
    /// | aktiebolag | ab |
    /// | aksjeselskap | as |
    ///
    /// The abbreviations themselves (ltd, llc, inc, co, corp, sa, gmbh, plc, ag, bv, nv, srl, sarl,
    /// pty, lp, llp, kg, oy, ab, as) need no entry: dots and spaces drop out, so "L.L.C.", "Ltd."
    /// and "S. A." already key as `llc`, `ltd` and `sa`.
    static let legalForms: [String: String] = [
        "limited": "ltd",
        "incorporated": "inc",
        "company": "co",
        "corporation": "corp",
        "public limited company": "plc",
        "limited liability company": "llc",
        "limited liability partnership": "llp",
        "limited partnership": "lp",
        "proprietary": "pty",
        "gesellschaft mit beschränkter haftung": "gmbh",
        "aktiengesellschaft": "ag",
        "kommanditgesellschaft": "kg",
        "société anonyme": "sa",
        "sociedad anónima": "sa",
        "besloten vennootschap": "bv",
        "naamloze vennootschap": "nv",
        "società a responsabilità limitata": "srl",
        "société à responsabilité limitée": "sarl",
        "osakeyhtiö": "oy",
        "aktiebolag": "ab",
        "aksjeselskap": "as",
    ]

    /// ``legalForms`` as keys: every long form's spellings in both keys, with what replaces each.
    private static let legalFormTable = LegalFormTable()

    /// Step 5 over UTF-8 bytes: the patterns sorted by first byte, longest first.
    private struct LegalFormTable: Sendable {
        /// One pattern: where its bytes and its replacement's bytes are in ``bytes``.
        struct Pattern: Sendable {
            /// Offset of the pattern in `bytes`.
            var start: Int
            /// Length of the pattern.
            var count: Int
            /// Offset of the replacement in `bytes`.
            var replacementStart: Int
            /// Length of the replacement (never more than `count`).
            var replacementCount: Int
        }

        /// Every pattern's bytes followed by its replacement's.
        let bytes: [UInt8]
        /// The patterns, by first byte, then longest first.
        let patterns: [Pattern]
        /// `patterns[firstByte[b]..<firstByte[b + 1]]` are those starting with byte `b`.
        let firstByte: [Int]
        /// A bit for each pair of bytes that starts some pattern (bit `b0 << 8 | b1`), so most
        /// positions are passed over with one test.
        let pairs: [UInt64]

        /// Spells every long form and its abbreviation as steps 1 to 4 do, in lower case,
        /// capitalised and in capitals, in the visual key and in the caseless key.
        init() {
            var replacements: [[UInt8]: [UInt8]] = [:]
            let spellings: [(String) -> String] = [{ $0 }, Self.capitalized, { $0.uppercased() }]
            for (long, short) in NameMatching.legalForms.sorted(by: { $0.key < $1.key }) {
                for spell in spellings {
                    let (longVisual, longCaseless) = NameMatching.foldedBytes(spell(long), caseless: true)
                    let (shortVisual, shortCaseless) = NameMatching.foldedBytes(spell(short), caseless: true)
                    for (pattern, replacement) in [(longVisual, shortVisual), (longCaseless, shortCaseless)] {
                        guard !pattern.isEmpty, pattern != replacement else { continue }
                        // Replacing never lengthens a key: the output buffers rely on it.
                        precondition(replacement.count <= pattern.count, "legal form \(long) keys longer than \(short)")
                        if replacements[pattern] == nil { replacements[pattern] = replacement }
                    }
                }
            }
            let sorted = replacements.sorted { left, right in
                if left.key[0] != right.key[0] { return left.key[0] < right.key[0] }
                if left.key.count != right.key.count { return left.key.count > right.key.count }
                return left.key.lexicographicallyPrecedes(right.key)
            }
            var bytes: [UInt8] = []
            var patterns: [Pattern] = []
            var firstByte = [Int](repeating: 0, count: 257)
            var pairs = [UInt64](repeating: 0, count: 1024)
            for (pattern, replacement) in sorted {
                // Every long form keys to at least two bytes (the pair filter relies on it).
                precondition(pattern.count >= 2, "legal form pattern shorter than two bytes")
                let pair = Int(pattern[0]) << 8 | Int(pattern[1])
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
                patterns.append(
                    Pattern(
                        start: bytes.count, count: pattern.count, replacementStart: bytes.count + pattern.count,
                        replacementCount: replacement.count))
                bytes += pattern
                bytes += replacement
                firstByte[Int(pattern[0]) + 1] += 1
            }
            for index in 1...256 { firstByte[index] += firstByte[index - 1] }
            self.bytes = bytes
            self.patterns = patterns
            self.firstByte = firstByte
            self.pairs = pairs
        }

        /// `text` with the first scalar of each space-separated word in capitals.
        static func capitalized(_ text: String) -> String {
            text.split(separator: " ", omittingEmptySubsequences: false)
                .map { word in word.prefix(1).uppercased() + word.dropFirst() }
                .joined(separator: " ")
        }

        /// Writes `input` with every pattern (leftmost, longest first) replaced to `output`,
        /// which must hold `input.count` bytes; returns how many bytes it wrote.
        func replace(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
            bytes.withUnsafeBufferPointer { table in
                patterns.withUnsafeBufferPointer { patterns in
                    pairs.withUnsafeBufferPointer { pairs in
                        var (read, written) = (0, 0)
                        while read < input.count {
                            if read + 1 < input.count {
                                let pair = Int(input[read]) << 8 | Int(input[read + 1])
                                if pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0,
                                    let pattern = match(input, at: read, table, patterns)
                                {
                                    for offset in 0..<pattern.replacementCount {
                                        output[written + offset] = table[pattern.replacementStart + offset]
                                    }
                                    written += pattern.replacementCount
                                    read += pattern.count
                                    continue
                                }
                            }
                            output[written] = input[read]
                            written += 1
                            read += 1
                        }
                        return written
                    }
                }
            }
        }

        /// The first pattern (so the longest) that `input` holds at `position`, if any.
        private func match(
            _ input: UnsafeBufferPointer<UInt8>, at position: Int, _ table: UnsafeBufferPointer<UInt8>,
            _ patterns: UnsafeBufferPointer<Pattern>
        ) -> Pattern? {
            let byte = Int(input[position])
            for index in firstByte[byte]..<firstByte[byte + 1] {
                let pattern = patterns[index]
                guard pattern.count <= input.count - position else { continue }
                var offset = 1
                while offset < pattern.count, table[pattern.start + offset] == input[position + offset] { offset += 1 }
                if offset == pattern.count { return pattern }
            }
            return nil
        }
    }

    // MARK: - The general path

    /// Which of the two keys of step 2.
    private enum Kind {
        /// V(x) = skeleton(lowercased(skeleton(x))).
        case visual
        /// C(x) = skeleton(lowercased(x)).
        case caseless
    }

    /// Steps 1 to 5 on any text: the visual key, then the caseless one when `caseless` and it
    /// differs.
    private static func generalKeys(_ text: String, caseless wantCaseless: Bool) -> [String] {
        let (visual, caseless) = foldedBytes(text, caseless: wantCaseless)
        let visualKey = visual.withUnsafeBufferPointer(key)
        guard wantCaseless, caseless != visual else { return [visualKey] }
        let caselessKey = caseless.withUnsafeBufferPointer(key)
        return caselessKey == visualKey ? [visualKey] : [visualKey, caselessKey]
    }

    /// Steps 1 to 4 (the keys before legal forms are shortened, as UTF-8): the visual key, and
    /// the caseless key when `caseless` (otherwise empty).
    ///
    /// ASCII scalars take their bytes from the ASCII table and only the runs of other scalars
    /// between them go through ``fold(_:_:into:)``. That gives the same bytes as folding the whole
    /// text: every kept ASCII scalar stays one or more scalars of combining class 0 through steps
    /// 2 (so no run of combining marks that canonical ordering sorts spans it), and steps 2 and 3
    /// work scalar by scalar otherwise. Dropped scalars end no run: step 1 removes them before
    /// anything is ordered.
    private static func foldedBytes(
        _ text: String, caseless wantCaseless: Bool
    ) -> (visual: [UInt8], caseless: [UInt8]) {
        let table = asciiTable
        var visual: [UInt8] = []
        var caseless: [UInt8] = []
        visual.reserveCapacity(text.utf8.count + 8)
        if wantCaseless { caseless.reserveCapacity(text.utf8.count + 8) }
        var run: [Unicode.Scalar] = []
        /// Folds the pending run of scalars beyond ASCII.
        func flush() {
            guard !run.isEmpty else { return }
            fold(run, .visual, into: &visual)
            if wantCaseless { fold(run, .caseless, into: &caseless) }
            run.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                guard !isDropped(scalar, asWritten: true) else { continue }
                flush()
                var packed = table.visual[Int(value)]
                for _ in 0..<(packed & 0xFF) {
                    packed >>= 8
                    visual.append(UInt8(truncatingIfNeeded: packed))
                }
                guard wantCaseless else { continue }
                packed = table.caseless[Int(value)]
                for _ in 0..<(packed & 0xFF) {
                    packed >>= 8
                    caseless.append(UInt8(truncatingIfNeeded: packed))
                }
            } else if !isDropped(scalar, asWritten: true) {
                run.append(scalar)
            }
        }
        flush()
        return (visual, caseless)
    }

    /// Steps 2 and 3 on `written` (scalars step 1 kept), appending the result as UTF-8.
    private static func fold(_ written: [Unicode.Scalar], _ kind: Kind, into bytes: inout [UInt8]) {
        let folded: [Unicode.Scalar]
        switch kind {
        case .visual: folded = skeleton(lowercased(skeleton(written)))
        case .caseless: folded = skeleton(lowercased(written))
        }
        for scalar in folded where !isDropped(scalar, asWritten: false) {
            UTF8.encode(scalar) { bytes.append($0) }
        }
    }

    /// Whether steps 1 (`asWritten`) or 3 drop `scalar`: white space, invisible or punctuation;
    /// as written, punctuation that looks like ASCII letters and digits stays.
    private static func isDropped(_ scalar: Unicode.Scalar, asWritten: Bool) -> Bool {
        let value = scalar.value
        if value < 0x80 { return asciiDropped[Int(value >> 6)] & (1 << UInt64(value & 63)) != 0 }
        return isDroppedByProperties(scalar, asWritten: asWritten)
    }

    /// The ASCII scalars steps 1 and 3 drop, as a 128-bit set (the same for both steps: no ASCII
    /// punctuation looks like a letter).
    private static let asciiDropped: [UInt64] = {
        var set: [UInt64] = [0, 0]
        for value in 0..<128 where isDroppedByProperties(Unicode.Scalar(UInt8(value)), asWritten: true) {
            set[value >> 6] |= 1 << UInt64(value & 63)
        }
        return set
    }()

    /// ``isDropped(_:asWritten:)`` from the scalar's Unicode properties.
    private static func isDroppedByProperties(_ scalar: Unicode.Scalar, asWritten: Bool) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return false
        default: break
        }
        let properties = scalar.properties
        if properties.isWhitespace || properties.isDefaultIgnorableCodePoint { return true }
        switch properties.generalCategory {
        case .control, .format:
            return true
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            guard asWritten, let lookAlike = Confusables.mapping(of: scalar) else { return true }
            return !lookAlike.allSatisfy(isASCIILetterOrDigit)
        default:
            return false
        }
    }

    /// Whether `scalar` is `0`...`9`, `A`...`Z` or `a`...`z`.
    private static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }

    /// The skeleton of `scalars`: each scalar's ``Confusables`` skeleton, then every run of
    /// combining marks in canonical order.
    private static func skeleton(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars { Confusables.skeleton(of: scalar, into: &out) }
        orderCombiningMarks(&out)
        return out
    }

    /// Sorts each run of scalars with a non-zero canonical combining class by that class,
    /// keeping the order of equal classes (the canonical ordering of NFD).
    private static func orderCombiningMarks(_ scalars: inout [Unicode.Scalar]) {
        /// The class, 0 for everything below U+0300 without reading properties.
        func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
            scalar.value < 0x300 ? 0 : scalar.properties.canonicalCombiningClass.rawValue
        }
        var index = 0
        while index < scalars.count {
            guard combiningClass(scalars[index]) != 0 else {
                index += 1
                continue
            }
            var end = index + 1
            while end < scalars.count, combiningClass(scalars[end]) != 0 { end += 1 }
            if end - index > 1 {
                // Insertion sort: runs are short, and it is stable.
                for next in (index + 1)..<end {
                    let scalar = scalars[next]
                    let weight = combiningClass(scalar)
                    var slot = next
                    while slot > index, combiningClass(scalars[slot - 1]) > weight {
                        scalars[slot] = scalars[slot - 1]
                        slot -= 1
                    }
                    scalars[slot] = scalar
                }
            }
            index = end
        }
    }

    /// `scalars` lower-cased as `String.lowercased()` does it: each scalar's `lowercaseMapping`.
    private static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.value < 0x80 {
                let value = scalar.value
                out.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value) | 0x20) : scalar)
            } else if !scalar.properties.changesWhenLowercased {
                out.append(scalar)
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    // MARK: - The ASCII path

    /// What each ASCII byte becomes in each key (steps 1 to 3 run on the byte alone).
    private static let asciiTable = ASCIITable()

    /// For each ASCII byte, its bytes in the visual and in the caseless key, packed in a
    /// `UInt32`: the count in the low byte, then up to three bytes, lowest first.
    private struct ASCIITable: Sendable {
        /// The visual key's bytes for each ASCII byte.
        let visual: [UInt32]
        /// The caseless key's bytes for each ASCII byte.
        let caseless: [UInt32]
        /// The most bytes one ASCII byte becomes.
        let maxExpansion: Int

        /// Runs steps 1 to 3 on each ASCII scalar: for ASCII they work scalar by scalar (no
        /// combining marks to order), so a string's folded key is its bytes' entries in a row.
        init() {
            var tables: [[UInt32]] = [[], []]
            var maxExpansion = 1
            for (table, kind) in zip(tables.indices, [Kind.visual, .caseless]) {
                for byte in 0..<128 {
                    let scalar = Unicode.Scalar(UInt8(byte))
                    var folded: [UInt8] = []
                    if !NameMatching.isDropped(scalar, asWritten: true) {
                        NameMatching.fold([scalar], kind, into: &folded)
                    }
                    // More than three bytes would not fit; none of the ASCII skeletons is that long.
                    precondition(folded.count <= 3, "ASCII skeleton of \(byte) is too long")
                    var packed = UInt32(folded.count)
                    for (position, folded) in folded.enumerated() { packed |= UInt32(folded) << (8 * (position + 1)) }
                    tables[table].append(packed)
                    maxExpansion = max(maxExpansion, folded.count)
                }
            }
            self.visual = tables[0]
            self.caseless = tables[1]
            self.maxExpansion = maxExpansion
        }
    }

    /// The keys of ASCII text (the visual one, then the caseless one when `caseless` and it
    /// differs), or `nil` when the text is not ASCII or not stored contiguously.
    private static func asciiKeys(_ text: String, caseless wantCaseless: Bool) -> [String]? {
        withASCIIFolded(text, caseless: wantCaseless) { visualBytes, caselessBytes in
            let visual = key(visualBytes)
            guard let caselessBytes else { return [visual] }
            let caseless = key(caselessBytes)
            return caseless == visual ? [visual] : [visual, caseless]
        }
    }

    /// Step 5 on folded bytes: the key as a `String`.
    @inline(__always)
    private static func key(_ folded: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: folded.count) { legalFormTable.replace(folded, into: $0) }
    }

    /// Calls `body` with ASCII text's folded visual key and, when `caseless` and it differs, its
    /// folded caseless key (steps 1 to 4, in a stack buffer); `nil` when the text is not ASCII or
    /// not stored contiguously.
    private static func withASCIIFolded<Result>(
        _ text: String, caseless wantCaseless: Bool,
        _ body: (_ visual: UnsafeBufferPointer<UInt8>, _ caseless: UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result? {
        let table = asciiTable
        let result = text.utf8.withContiguousStorageIfAvailable { bytes -> Result? in
            // Each byte's entry is stored as a whole `UInt32` (its bytes, then slack) and the count
            // advanced by its length: three bytes of slack after each half of the buffer.
            let capacity = bytes.count * table.maxExpansion + 3
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * capacity) { buffer -> Result? in
                guard let base = buffer.baseAddress else { return nil }
                let raw = UnsafeMutableRawPointer(base)
                var (visualCount, caselessCount) = (0, 0)
                let ascii = table.visual.withUnsafeBufferPointer { visualTable in
                    table.caseless.withUnsafeBufferPointer { caselessTable in
                        for byte in bytes {
                            guard byte < 0x80 else { return false }
                            let visual = visualTable[Int(byte)]
                            raw.storeBytes(of: (visual >> 8).littleEndian, toByteOffset: visualCount, as: UInt32.self)
                            visualCount += Int(visual & 0xFF)
                            guard wantCaseless else { continue }
                            let caseless = caselessTable[Int(byte)]
                            raw.storeBytes(
                                of: (caseless >> 8).littleEndian, toByteOffset: capacity + caselessCount,
                                as: UInt32.self)
                            caselessCount += Int(caseless & 0xFF)
                        }
                        return true
                    }
                }
                guard ascii else { return nil }
                let visual = UnsafeBufferPointer(start: base, count: visualCount)
                guard wantCaseless, !same(base, base + capacity, visualCount, caselessCount) else {
                    return body(visual, nil)
                }
                return body(visual, UnsafeBufferPointer(start: base + capacity, count: caselessCount))
            }
        }
        return result ?? nil
    }

    /// Whether the `leftCount` bytes at `left` are the `rightCount` bytes at `right`.
    @inline(__always)
    private static func same(
        _ left: UnsafePointer<UInt8>, _ right: UnsafePointer<UInt8>, _ leftCount: Int, _ rightCount: Int
    ) -> Bool {
        guard leftCount == rightCount else { return false }
        for index in 0..<leftCount where left[index] != right[index] { return false }
        return true
    }
}
