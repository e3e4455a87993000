// NameMatching: legal forms.
extension NameMatching {
    /// The long legal forms and the abbreviations they are keyed as (step 5), written as people
    /// write them. Both sides as keys are precomputed in `NameMatching+Tables.swift`
    /// (``LegalFormTable/derivedKeys()``; a test derives them again).
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

    /// ``legalForms`` as keys: every long form's spellings in both keys, with what replaces each,
    /// from the precomputed tables (``LegalFormTable/derivedKeys()`` makes them; a test checks
    /// they agree).
    static let legalFormTable = LegalFormTable(keys: PrecomputedTables.legalFormKeys)

    /// Step 5 over UTF-8 bytes: legal forms at the end of a key, found from its last byte.
    struct LegalFormTable: @unchecked Sendable {
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

        /// The table of `keys`: each form as a key spells it, with what replaces it (itself, for
        /// an abbreviation), in the order ``derivedKeys()`` gives.
        init(keys: [(form: StaticString, replacement: StaticString)]) {
            var bytes: [UInt8] = []
            var forms: [Form] = []
            var lastByte = [Int](repeating: 0, count: 257)
            var endings = [UInt64](repeating: 0, count: 1024)
            for (form, replacement) in keys {
                let (formStart, replacementStart) = (bytes.count, bytes.count + form.utf8CodeUnitCount)
                form.withUTF8Buffer { bytes += $0 }
                replacement.withUTF8Buffer { bytes += $0 }
                let (count, replacementCount) = (form.utf8CodeUnitCount, replacement.utf8CodeUnitCount)
                // Every form keys to at least two bytes (the endings filter relies on it), and
                // replacing never lengthens a key (the output buffers rely on it).
                precondition(count >= 2 && replacementCount <= count, "legal form table out of shape")
                // Forms are grouped by last byte, the groups in byte order (`lastByte` relies on it).
                precondition(
                    forms.last.map { bytes[$0.start + $0.count - 1] <= bytes[formStart + count - 1] } ?? true,
                    "legal form table out of order")
                let ending = Int(bytes[formStart + count - 2]) << 8 | Int(bytes[formStart + count - 1])
                endings[ending >> 6] |= 1 << UInt64(ending & 63)
                forms.append(
                    Form(
                        start: formStart, count: count, replacementStart: replacementStart,
                        replacementCount: replacementCount,
                        replaces: !bytes[formStart..<replacementStart].elementsEqual(
                            bytes[replacementStart..<replacementStart + replacementCount])))
                lastByte[Int(bytes[formStart + count - 1]) + 1] += 1
            }
            for index in 1...256 { lastByte[index] += lastByte[index - 1] }
            self.bytes = ASCIITable.permanent(bytes)
            self.forms = ASCIITable.permanent(forms)
            self.lastByte = ASCIITable.permanent(lastByte)
            self.endings = ASCIITable.permanent(endings)
        }

        /// Spells every long form and its abbreviation as steps 1 to 4 do, in lower case,
        /// capitalised and in capitals, in the visual key and in the caseless key: each form with
        /// what replaces it, by last byte, then longest first.
        ///
        /// What `NameMatching+Tables.swift` holds: deriving it folds the forms with accents
        /// through the confusables table, which a process that only matches ASCII names would
        /// otherwise parse at start-up for nothing.
        static func derivedKeys() -> [(form: [UInt8], replacement: [UInt8])] {
            var replacements: [[UInt8]: [UInt8]] = [:]
            let spellings: [(String) -> String] = [{ $0 }, Self.capitalized, { $0.uppercased() }]
            for (long, short) in NameMatching.legalForms.sorted(by: { $0.key < $1.key }) {
                for spell in spellings {
                    let (longVisual, longCaseless) = NameMatching.foldedBytes(spell(long), caseless: true)
                    let (shortVisual, shortCaseless) = NameMatching.foldedBytes(spell(short), caseless: true)
                    for (form, replacement) in [(longVisual, shortVisual), (longCaseless, shortCaseless)] {
                        guard !form.isEmpty, !replacement.isEmpty else { continue }
                        if replacements[form] == nil { replacements[form] = replacement }
                        // The abbreviation is a form too, kept as it is (so forms before it are read).
                        if replacements[replacement] == nil { replacements[replacement] = replacement }
                    }
                }
            }
            return replacements.sorted { left, right in
                if left.key.last != right.key.last { return left.key.last ?? 0 < right.key.last ?? 0 }
                if left.key.count != right.key.count { return left.key.count > right.key.count }
                return left.key.lexicographicallyPrecedes(right.key)
            }.map { (form: $0.key, replacement: $0.value) }
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
}
