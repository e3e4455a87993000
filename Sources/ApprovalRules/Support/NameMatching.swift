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
/// 128-entry table of what each byte becomes in each key (steps 1 to 3 run on each ASCII scalar,
/// precomputed in `NameMatching+Tables.swift`), written into a stack buffer, then step 5 over the
/// bytes, and one `String` per distinct key. Other text takes the same table for its ASCII scalars and runs only
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
    static func lookUpASCII(_ bytes: UnsafeBufferPointer<UInt8>, in keys: ByteKeySet) -> Bool? {
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
}
