import ApprovalJSON
import Testing

@Suite struct JSONWriterTests {
    static let cases: [(JSONValue, String)] = [
        (.null, "null"),
        (true, "true"),
        (.integer(Int64.max), "9223372036854775807"),
        (.integer(Int64.min), "-9223372036854775808"),
        (.double(5), "5.0"),
        (.double(0.1), "0.1"),
        (.double(1e-7), "1e-07"),
        (.double(1e16), "1e+16"),
        (.double(123456.789), "123456.789"),
        (.double(.infinity), "null"),
        ("a\"b\\c\n\u{1}\u{7F}é😀", #""a\"b\\c\n\u0001\u007fé😀""#),
        ("a\u{0}b", #""a\u0000b""#),
        (["b": 1, "a": [true, nil]], #"{"b":1,"a":[true,null]}"#),
    ]

    @Test(arguments: cases)
    func writesCompactJSON(_ value: JSONValue, _ expected: String) {
        #expect(JSONWriter.compact.string(value) == expected)
    }

    @Test(arguments: cases.map(\.0).filter { $0 != .double(.infinity) })
    func roundTripsExactly(_ value: JSONValue) throws {
        let text = JSONWriter.compact.string(value)
        #expect(try JSONParser().parse(text) == value)
    }

    @Test(arguments: [0.1, 1.0 / 3.0, 2.5e-300, 1.7976931348623157e308, .leastNonzeroMagnitude, 100.0, -0.0])
    func doublesUseShortestFormThatReadsBackEqual(_ number: Double) throws {
        let text = JSONWriter.compact.string(.double(number))
        let back = try JSONParser().parse(text)
        #expect(back == .double(number))
        #expect(text == number.description)
    }

    @Test func sortedKeysAndPrettyPrinting() {
        let value: JSONValue = ["b": 1, "a": ["x": [1, 2]]]
        #expect(JSONWriter(sortKeys: true).string(value) == #"{"a":{"x":[1,2]},"b":1}"#)
        #expect(JSONWriter.pretty.string(["a": [1], "b": [:]]) == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
    }
}

@Suite struct CodePointOrderTests {
    static let words = [
        "", "a", "ab", "b", "Z", "é", "e\u{301}", "😀", "\u{FFFF}", "zzzzzzzzzzzzzzzzzzzz", "zzzzzzzzzzzzzzzzzzzy",
        "a\u{0}",
    ]

    /// The order is that of the UTF-8 bytes, for short (inline) and long strings alike.
    @Test func ordersByUTF8Bytes() {
        for a in Self.words {
            for b in Self.words {
                #expect(a.precedesInCodePointOrder(b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) vs \(b)")
            }
        }
        #expect("Z".precedesInCodePointOrder("a"))
        #expect(!"é".precedesInCodePointOrder("e\u{301}"))  // U+00E9 after U+0065, whatever normalization says
    }
}
