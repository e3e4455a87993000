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
/// 5. **Shorten legal forms at the end**: the legal forms the joined key ends with (up to four in
///    a row, as in "Co. Ltd."), each a long form of ``legalForms`` or an abbreviation, as steps
///    1 to 4 spell it in the same key (written in lower case, capitalised or in capitals), long
///    forms replaced by their abbreviations as steps 1 to 4 spell those: "Blackridge Offshore
///    Limited" and "Blackridge Offshore Ltd." both become `blackridgeoffshoreltd`. Abbreviations
///    need no entry: steps 1 and 4 already turn "L.L.C.", "S. A." and "Ltd." into `llc`, `sa`
///    and `ltd`. The forms are found in the joined key, so an invisible or missing space cannot
///    hide one ("Lim\u{200B}ited", "OffshoreLimited"); only at the end, where legal forms stand,
///    so a word inside a name is never shortened ("Limited Editions Ltd" keeps `limited`), and
///    a name that is only a legal form stays as it is. A form is found from the key's last two
///    bytes (a bit table), so a name that ends in none costs one test.
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

    /// What ``lookUp(_:in:)`` found.
    enum LookUp: Equatable {
        /// A key of the value is in the set.
        case found
        /// None is, and the value is ASCII (so holds no invisible or bidirectional character).
        case notFoundASCII
        /// None is, and the value is not all ASCII.
        case notFound
    }

    /// Whether one of the ``valueKeys(_:)`` of `text` is in `keys` (what `in_list` asks of a name
    /// list), built only as far as needed (no array of keys; the caseless key only when the
    /// visual one is not found and differs), telling also whether a value that matched nothing was
    /// ASCII (the fast path knows it for free; `in_list` looks for bidirectional controls only
    /// otherwise).
    static func lookUp(_ text: String, in keys: ByteKeySet) -> LookUp {
        let found = text.utf8.withContiguousStorageIfAvailable { lookUpASCII($0, in: keys) } ?? nil
        if let found { return found ? .found : .notFoundASCII }
        return generalKeys(text, caseless: true).contains { keys.contains($0) } ? .found : .notFound
    }

    /// ``lookUp(_:in:)`` of ASCII text, in one stack buffer (the folded visual key, its key, then
    /// the caseless ones only when the visual key is not found and differs); `nil` when the text
    /// is not ASCII. The same steps as ``withASCIIFolded(_:caseless:_:)``, without its closures:
    /// this runs on every `in_list` test of a name.
    private static func lookUpASCII(_ bytes: UnsafeBufferPointer<UInt8>, in keys: ByteKeySet) -> Bool? {
        let table = asciiTable
        let forms = legalFormTable
        let capacity = bytes.count * table.maxExpansion + 3
        // Folded key, key, and the patches for the caseless key (see `withASCIIFolded`).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * capacity + 4 * bytes.count) {
            buffer -> Bool? in
            guard let base = buffer.baseAddress else { return nil }
            let raw = UnsafeMutableRawPointer(base)
            let patchesAt = 2 * capacity
            guard let (count, patches) = table.foldVisual(bytes, into: raw, patchesAt: patchesAt) else { return nil }
            let folded = UnsafeBufferPointer(start: base, count: count)
            let output = UnsafeMutableBufferPointer(start: base + capacity, count: capacity)
            func found(_ folded: UnsafeBufferPointer<UInt8>) -> Bool {
                guard let replaced = forms.replaceAtEnd(folded, into: output) else { return keys.contains(folded) }
                return keys.contains(UnsafeBufferPointer(rebasing: output[..<replaced]))
            }
            if found(folded) { return true }
            guard patches > 0 else { return false }
            // The caseless key in place of the visual one: the same bytes but those patched.
            table.patchCaseless(base, patches: patches, from: raw, at: patchesAt)
            return found(folded)
        }
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
        valueKeys: [String], entries: [[String]], maxDistance: Int, maxInputScalars: Int = defaultInputScalars
    ) -> (index: Int, distance: Int)? {
        nearest(
            valueKeys: valueKeys, prepared: entries.map { $0.map { scalars(of: $0, cutTo: maxInputScalars) } },
            maxDistance: maxDistance, maxInputScalars: maxInputScalars)
    }

    /// ``nearest(valueKeys:entries:maxDistance:maxInputScalars:)`` over entry keys already cut to
    /// `maxInputScalars` and spelled as scalar values (``scalars(of:cutTo:)``): what a list that is
    /// tested again and again prepares once.
    static func nearest(
        valueKeys: [String], prepared entries: [[[UInt32]]], maxDistance: Int,
        maxInputScalars: Int = defaultInputScalars
    ) -> (index: Int, distance: Int)? {
        guard maxDistance >= 0, maxInputScalars > 0 else { return nil }
        let values = valueKeys.map { scalars(of: $0, cutTo: maxInputScalars) }
        var previous = [Int](repeating: 0, count: maxInputScalars + 1)
        var current = previous
        var best: (index: Int, distance: Int)?
        // No two cut keys are further apart than the longer one's length.
        var limit = min(maxDistance, maxInputScalars)
        for (index, keys) in entries.enumerated() {
            for key in keys {
                // The scratch rows hold `maxInputScalars + 1` cells: a longer key is cut here too.
                let entry = key.count > maxInputScalars ? Array(key.prefix(maxInputScalars)) : key
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

    /// How many scalars of a key `nearest` compares, by default.
    static let defaultInputScalars = 128

    /// `key`'s first `count` scalars, as their values.
    static func scalars(of key: String, cutTo count: Int = defaultInputScalars) -> [UInt32] {
        Array(key.unicodeScalars.prefix(count).lazy.map(\.value))
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

    /// Step 5 over UTF-8 bytes: legal forms at the end of a key, found from its last byte.
    private struct LegalFormTable: @unchecked Sendable {
        // @unchecked: the pointers are to memory written once, in `init`, and only read after.
        /// One form as a key spells it: where its bytes are in ``bytes`` and, for a long form,
        /// those of its abbreviation (an abbreviation's replacement is itself).
        struct Form: Sendable {
            /// Offset of the form in `bytes`.
            var start: Int
            /// Length of the form.
            var count: Int
            /// Offset of what replaces it in `bytes`.
            var replacementStart: Int
            /// Length of what replaces it (never more than `count`).
            var replacementCount: Int
            /// Whether the replacement differs from the form (a long form, not an abbreviation).
            var replaces: Bool
        }

        /// The most legal forms read at the end of one name ("Co. Ltd." is two).
        static let maxForms = 4

        /// Every form's bytes followed by its replacement's. Plain memory, made once for the
        /// process and never freed (the table is a `static let`): read with no reference to count.
        let bytes: UnsafePointer<UInt8>
        /// The forms (long ones and abbreviations), by last byte, then longest first (plain memory
        /// like ``bytes``).
        let forms: UnsafePointer<Form>
        /// `forms[lastByte[b]..<lastByte[b + 1]]` are those ending with byte `b` (257 entries, plain
        /// memory like ``bytes``).
        let lastByte: UnsafePointer<Int>
        /// A bit for each two bytes some form ends with (bit `b0 << 8 | b1`, 1,024 words, plain
        /// memory like ``bytes``): most names end in none, and are passed over with one test.
        let endings: UnsafePointer<UInt64>

        /// Spells every long form and its abbreviation as steps 1 to 4 do, in lower case,
        /// capitalised and in capitals, in the visual key and in the caseless key.
        init() {
            var replacements: [[UInt8]: [UInt8]] = [:]
            let spellings: [(String) -> String] = [{ $0 }, Self.capitalized, { $0.uppercased() }]
            for (long, short) in NameMatching.legalForms.sorted(by: { $0.key < $1.key }) {
                for spell in spellings {
                    let (longVisual, longCaseless) = NameMatching.foldedBytes(spell(long), caseless: true)
                    let (shortVisual, shortCaseless) = NameMatching.foldedBytes(spell(short), caseless: true)
                    for (form, replacement) in [(longVisual, shortVisual), (longCaseless, shortCaseless)] {
                        guard !form.isEmpty, !replacement.isEmpty else { continue }
                        // Replacing never lengthens a key: the output buffers rely on it.
                        precondition(replacement.count <= form.count, "legal form \(long) keys longer than \(short)")
                        if replacements[form] == nil { replacements[form] = replacement }
                        // The abbreviation is a form too, kept as it is (so forms before it are read).
                        if replacements[replacement] == nil { replacements[replacement] = replacement }
                    }
                }
            }
            let sorted = replacements.sorted { left, right in
                if left.key.last != right.key.last { return left.key.last ?? 0 < right.key.last ?? 0 }
                if left.key.count != right.key.count { return left.key.count > right.key.count }
                return left.key.lexicographicallyPrecedes(right.key)
            }
            var bytes: [UInt8] = []
            var forms: [Form] = []
            var lastByte = [Int](repeating: 0, count: 257)
            var endings = [UInt64](repeating: 0, count: 1024)
            for (form, replacement) in sorted {
                // Every form keys to at least two bytes (the endings filter relies on it).
                precondition(form.count >= 2, "legal form shorter than two bytes")
                let ending = Int(form[form.count - 2]) << 8 | Int(form[form.count - 1])
                endings[ending >> 6] |= 1 << UInt64(ending & 63)
                forms.append(
                    Form(
                        start: bytes.count, count: form.count, replacementStart: bytes.count + form.count,
                        replacementCount: replacement.count, replaces: form != replacement))
                bytes += form
                bytes += replacement
                lastByte[Int(form[form.count - 1]) + 1] += 1
            }
            for index in 1...256 { lastByte[index] += lastByte[index - 1] }
            self.bytes = ASCIITable.permanent(bytes)
            self.forms = ASCIITable.permanent(forms)
            self.lastByte = ASCIITable.permanent(lastByte)
            self.endings = ASCIITable.permanent(endings)
        }

        /// `text` with the first scalar of each space-separated word in capitals.
        static func capitalized(_ text: String) -> String {
            text.split(separator: " ", omittingEmptySubsequences: false)
                .map { word in word.prefix(1).uppercased() + word.dropFirst() }
                .joined(separator: " ")
        }

        /// The longest form that `input[..<end]` ends with, if any (and not the whole of it: a
        /// name is more than its legal form).
        private func form(endingAt end: Int, in input: UnsafeBufferPointer<UInt8>) -> Form? {
            guard end > 1 else { return nil }
            let ending = Int(input[end - 2]) << 8 | Int(input[end - 1])
            guard endings[ending >> 6] & (1 << UInt64(ending & 63)) != 0 else { return nil }
            let byte = Int(input[end - 1])
            for index in lastByte[byte]..<lastByte[byte + 1] {
                let form = forms[index]
                guard form.count < end else { continue }
                var offset = 1
                while offset < form.count, bytes[form.start + form.count - 1 - offset] == input[end - 1 - offset] {
                    offset += 1
                }
                if offset == form.count { return form }
            }
            return nil
        }

        /// `input` with the legal forms at its end (up to ``maxForms`` in a row, long ones
        /// replaced by their abbreviations) written to `output`, which must hold `input.count`
        /// bytes; the count written, or `nil` (nothing written) when no long form is there.
        func replaceAtEnd(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
            // First the forms from the end: where they start and how long the result is.
            var (end, forms, length, replaces) = (input.count, 0, 0, false)
            while forms < Self.maxForms, let form = form(endingAt: end, in: input) {
                end -= form.count
                forms += 1
                length += form.replacementCount
                replaces = replaces || form.replaces
            }
            guard replaces else { return nil }
            // Then the text before them, and their replacements, written back to front.
            for index in 0..<end { output[index] = input[index] }
            var (at, written) = (input.count, end + length)
            for _ in 0..<forms {
                guard let form = form(endingAt: at, in: input) else { break }  // found above
                at -= form.count
                written -= form.replacementCount
                for offset in 0..<form.replacementCount {
                    output[written + offset] = bytes[form.replacementStart + offset]
                }
            }
            return end + length
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
    private struct ASCIITable: @unchecked Sendable {
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
            self.visual = Self.permanent(tables[0])
            self.caseless = Self.permanent(tables[1])
            self.maxExpansion = maxExpansion
            // Every ASCII byte that folds differently in the two keys (`I`, `0`) folds to as many
            // bytes in both, so the caseless key is the visual one with those bytes replaced
            // (``patchCaseless``). The data says so; the table is built on that, and checks it.
            precondition(
                zip(tables[0], tables[1]).allSatisfy { $0 == $1 || $0 & 0xFF == $1 & 0xFF },
                "an ASCII byte folds to keys of different lengths")
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
        String(unsafeUninitializedCapacity: folded.count) { output in
            if let count = legalFormTable.replaceAtEnd(folded, into: output) { return count }
            _ = output.initialize(fromContentsOf: folded)
            return folded.count
        }
    }

    /// Calls `body` with ASCII text's folded visual key and, when `caseless` and it differs, its
    /// folded caseless key (steps 1 to 4, in a stack buffer); `nil` when the text is not ASCII or
    /// not stored contiguously.
    private static func withASCIIFolded<Result>(
        _ text: String, caseless wantCaseless: Bool,
        _ body: (_ visual: UnsafeBufferPointer<UInt8>, _ caseless: UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result? {
        text.utf8.withContiguousStorageIfAvailable { withASCIIFolded($0, caseless: wantCaseless, body) } ?? nil
    }

    /// ``withASCIIFolded(_:caseless:_:)`` of UTF-8 bytes.
    private static func withASCIIFolded<Result>(
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
