import ApprovalJSON
import Testing

@testable import ApprovalRules
@testable import ApprovalWorkload

/// One row of `Fixtures/name-matching.json`: a list entry, a tested value, and whether a person
/// reads them as the same name.
struct NameMatchingCase: CustomTestStringConvertible, Sendable {
    /// The list entry, as a rule document would hold it.
    let entry: String
    /// The value being tested.
    let value: String
    /// Whether the value must match the entry.
    let matches: Bool
    /// What the case is about.
    let covers: String

    /// The `covers` text, so a failure names the case.
    var testDescription: String { covers }

    /// Every case of the fixture.
    static func all() throws -> [NameMatchingCase] {
        let document = try RuleFixtures.json("name-matching.json")
        return (document["cases"]?.array ?? []).enumerated().map { index, row in
            NameMatchingCase(
                entry: row["entry"]?.string ?? "", value: row["value"]?.string ?? "",
                matches: row["matches"]?.bool ?? false, covers: row["covers"]?.string ?? "case \(index)")
        }
    }

    /// Whether some key of the value is among the entry's keys (what `in_list` asks).
    static func match(entry: String, value: String) -> Bool {
        let stored = Set(NameMatching.entryKeys(entry))
        return NameMatching.valueKeys(value).contains(where: stored.contains)
    }
}

/// The name normalisation behind `in_list` and `near_list`: look-alike letters, case,
/// invisible characters, separators and legal forms (``NameMatching``, ``Confusables``).
@Suite struct NameMatchingTests {
    /// Spells out a key's scalars beyond printable ASCII, for failure messages.
    static func visible(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            scalar.isASCII && scalar.value >= 0x20 ? String(scalar) : "\\u{\(String(scalar.value, radix: 16))}"
        }.joined()
    }

    @Test(arguments: try NameMatchingCase.all())
    func fixtureCase(_ row: NameMatchingCase) {
        let entryKeys = NameMatching.entryKeys(row.entry).map(Self.visible)
        let valueKeys = NameMatching.valueKeys(row.value).map(Self.visible)
        #expect(
            NameMatchingCase.match(entry: row.entry, value: row.value) == row.matches,
            "entry keys \(entryKeys), value keys \(valueKeys)")
        let stored = ByteKeySet(NameMatching.entryKeys(row.entry))
        #expect((NameMatching.lookUp(row.value, in: stored) == .found) == row.matches, "lookUp")
        #expect((NameMatching.lookUp(row.value + "\u{200B}", in: stored) == .found) == row.matches, "general path")
    }

    @Test func fixtureCoversEnoughCases() throws {
        let cases = try NameMatchingCase.all()
        #expect(cases.count >= 40)
        #expect(cases.contains { !$0.matches })
        #expect(Set(cases.map(\.covers)).count == cases.count, "each case covers something of its own")
    }

    @Test func everyEntryMatchesItself() throws {
        for row in try NameMatchingCase.all() {
            #expect(NameMatchingCase.match(entry: row.entry, value: row.entry), "\(row.covers): \(row.entry)")
            #expect(NameMatchingCase.match(entry: row.value, value: row.value), "\(row.covers): \(row.value)")
        }
    }

    @Test func keysOfASimpleName() {
        #expect(NameMatching.valueKeys("Blackridge Offshore Ltd") == ["blackridgeoffshoreltd"])
        #expect(
            NameMatching.entryKeys("Blackridge Offshore Ltd") == ["blackridgeoffshoreltd", "blackrldgeoffshoreltd"])
        #expect(
            NameMatching.valueKeys("BLACKRIDGE OFFSHORE LIMITED") == ["blackrldgeoffshoreltd", "blackridgeoffshoreltd"])
        #expect(NameMatching.valueKeys("") == [""])
        #expect(NameMatching.entryKeys(" ... ") == [""])
    }

    @Test(arguments: [
        "\u{200B}", "\u{200C}", "\u{200D}", "\u{00AD}", "\u{2060}", "\u{FEFF}", "\u{202A}", "\u{202E}", "\u{2066}",
        "\u{2069}", "\u{FE0F}", "\u{034F}", "\u{180E}", "\u{E0041}", " ", "\u{00A0}", "\u{2003}", "\u{3000}", "\t",
        "\r\n", "-", ".", ",",
    ])
    func separatorsNeverChangeAKey(_ separator: String) {
        let names = [
            "Blackridge Offshore Limited", "\u{0412}lackridge \u{041E}ffshore Ltd", "M\u{00FC}ller Logistik GmbH",
            "Caf\u{00E9} Rouge Incorporated", "PayPaI", "ACME CORPORATION",
        ]
        for name in names {
            let characters = Array(name)
            for position in 0...characters.count {
                var changed = characters
                changed.insert(contentsOf: separator, at: position)
                let text = String(changed)
                #expect(NameMatching.entryKeys(text) == NameMatching.entryKeys(name), "\(Self.visible(text))")
                #expect(NameMatching.valueKeys(text) == NameMatching.valueKeys(name), "\(Self.visible(text))")
            }
        }
    }

    /// ASCII text takes the table-driven fast path; a zero-width space (dropped, not ASCII) sends
    /// the same text down the general path, which must agree.
    @Test func asciiFastPathAgreesWithTheGeneralPath() {
        var generator = SplitMix64(state: 0x5EED)
        let words = [
            "limited", "LIMITED", "Limited", "ltd", "Inc", "INCORPORATED", "company", "Corporation", "plc",
            "public limited company", "L.L.C.", "Blackridge", "0ffshore", "mIl1", " ",
        ]
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<generator.below(24) {
                if generator.below(4) == 0 {
                    text += words[generator.below(words.count)]
                } else {
                    text.unicodeScalars.append(Unicode.Scalar(UInt8(generator.below(128))))
                }
            }
            #expect(NameMatching.valueKeys(text) == NameMatching.valueKeys(text + "\u{200B}"), "\(Self.visible(text))")
            #expect(NameMatching.entryKeys(text) == NameMatching.entryKeys("\u{FEFF}" + text), "\(Self.visible(text))")
        }
    }

    @Test func confusablesTable() {
        #expect(Confusables.sourceVersion == "13.0.0")
        #expect(Confusables.count > 7_000)
        func skeleton(_ text: String) -> [UInt32] {
            var out: [Unicode.Scalar] = []
            for scalar in text.unicodeScalars { Confusables.skeleton(of: scalar, into: &out) }
            return out.map(\.value)
        }
        #expect(skeleton("\u{0412}") == [0x42])  // Cyrillic capital Ve: B
        #expect(skeleton("m") == [0x72, 0x6E])  // rn
        #expect(skeleton("\u{00E9}") == [0x65, 0x301])  // NFD
        #expect(skeleton("\u{FF42}") == [0x62])  // fullwidth b, folded by width
        #expect(skeleton("\u{D55C}") == [0x1112, 0x1161, 0x1102])  // a Hangul syllable, jamo mapped
        #expect(skeleton("a") == [0x61])
    }

    // MARK: - near_list

    /// Entries for the `nearest` tests, with their keys.
    static let entries = ["Blackridge Offshore Ltd", "Greystone Maritime Ltd", "Acme Widgets Inc"].map(
        NameMatching.entryKeys)

    @Test(arguments: [
        ("Blackridge Offshore Limited", 0, 0, 0),
        ("Blackridge Ofshore Ltd", 1, 0, 1),
        ("Blackrige Ofshore Ltd", 2, 0, 2),
        ("BLACKRIGE OFSHORE LTD", 2, 0, 2),
        ("Acme Widget Inc", 2, 2, 1),
        ("Greystone Maritme", 5, 1, 4),
    ])
    func nearestWithin(_ value: String, _ maxDistance: Int, _ index: Int, _ distance: Int) throws {
        let found = try #require(
            NameMatching.nearest(
                valueKeys: NameMatching.valueKeys(value), entries: Self.entries, maxDistance: maxDistance))
        #expect(found.index == index)
        #expect(found.distance == distance)
    }

    @Test func nearestBeyondTheLimitIsNil() {
        let keys = NameMatching.valueKeys("Blackrige Ofshore Ltd")
        #expect(NameMatching.nearest(valueKeys: keys, entries: Self.entries, maxDistance: 1) == nil)
        #expect(NameMatching.nearest(valueKeys: keys, entries: [], maxDistance: 5) == nil)
        #expect(NameMatching.nearest(valueKeys: keys, entries: Self.entries, maxDistance: -1) == nil)
        let other = NameMatching.valueKeys("Totally Different Name")
        #expect(NameMatching.nearest(valueKeys: other, entries: Self.entries, maxDistance: 3) == nil)
    }

    @Test func nearestPrefersTheClosestThenTheFirst() {
        let closer = NameMatching.nearest(valueKeys: ["abc"], entries: [["abd"], ["abc"]], maxDistance: 2)
        #expect(closer?.index == 1 && closer?.distance == 0)
        let first = NameMatching.nearest(valueKeys: ["abc"], entries: [["abd"], ["abe"]], maxDistance: 2)
        #expect(first?.index == 0 && first?.distance == 1)
        let huge = NameMatching.nearest(valueKeys: ["kitten"], entries: [["sitting"]], maxDistance: .max)
        #expect(huge?.distance == 3)
    }

    @Test func bandedDistanceAgreesWithTheFullTable() {
        /// The textbook Levenshtein distance.
        func levenshtein(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
            var previous = Array(0...b.count)
            for i in a.indices {
                var current = [i + 1] + Array(repeating: 0, count: b.count)
                for j in b.indices {
                    current[j + 1] = min(previous[j] + (a[i] == b[j] ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
                }
                previous = current
            }
            return previous[b.count]
        }
        var generator = SplitMix64(state: 0xD15)
        let alphabet: [Unicode.Scalar] = ["a", "b", "\u{0301}"]
        for _ in 0..<3_000 {
            let a = (0..<generator.below(10)).map { _ in alphabet[generator.below(alphabet.count)] }
            let b = (0..<generator.below(10)).map { _ in alphabet[generator.below(alphabet.count)] }
            let limit = generator.below(5)
            let expected = levenshtein(a, b)
            let found = NameMatching.nearest(
                valueKeys: [String(String.UnicodeScalarView(a))], entries: [[String(String.UnicodeScalarView(b))]],
                maxDistance: limit)
            if expected <= limit {
                #expect(found?.distance == expected, "\(a) \(b) within \(limit)")
            } else {
                #expect(found == nil, "\(a) \(b) within \(limit)")
            }
        }
    }

    @Test func aLongInputIsCutAndReturnsQuickly() {
        let long = String(repeating: "Blackridge Offshore Ltd ", count: 420)  // 10,080 characters
        let entries = (0..<200).map { NameMatching.entryKeys("Vendor Number \($0) Holdings Ltd") } + Self.entries
        let found = NameMatching.nearest(valueKeys: NameMatching.valueKeys(long), entries: entries, maxDistance: 3)
        #expect(found == nil)
        // Bounded work: only the first 128 scalars of each key are compared (no timing here;
        // speed is measured in the benchmarks), so the long value decides as its cut keys do.
        let cut = NameMatching.valueKeys(long).map { String(String.UnicodeScalarView($0.unicodeScalars.prefix(128))) }
        #expect(NameMatching.nearest(valueKeys: cut, entries: entries, maxDistance: 3) == nil)
        // The cut keeps a prefix: a long value that starts like an entry is as near as its first 128 scalars.
        let prefixed = NameMatching.nearest(
            valueKeys: [String(repeating: "a", count: 10_000)], entries: [[String(repeating: "a", count: 127)]],
            maxDistance: 1)
        #expect(prefixed?.distance == 1)
    }
}
