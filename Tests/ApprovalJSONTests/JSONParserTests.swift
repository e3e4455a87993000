import ApprovalJSON
import Testing

struct ParseCase: CustomTestStringConvertible, Sendable {
    let text: String
    let expected: JSONValue
    var testDescription: String { text }
}

struct MalformedCase: CustomTestStringConvertible, Sendable {
    let file: String
    let code: String
    let line: Int
    let column: Int
    let byteOffset: Int
    var testDescription: String { file }

    static func all() throws -> [MalformedCase] {
        guard case .array(let rows) = try Fixtures.json("malformed-expectations.json") else { return [] }
        return rows.map {
            MalformedCase(
                file: $0["file"]!.string!, code: $0["code"]!.string!, line: Int($0["line"]!.integer!),
                column: Int($0["column"]!.integer!), byteOffset: Int($0["byte_offset"]!.integer!))
        }
    }
}

@Suite struct JSONParserTests {
    static let values: [ParseCase] = [
        ParseCase(text: "null", expected: .null),
        ParseCase(text: "true", expected: .bool(true)),
        ParseCase(text: "false", expected: .bool(false)),
        ParseCase(text: "0", expected: .integer(0)),
        ParseCase(text: "-17", expected: .integer(-17)),
        ParseCase(text: "9223372036854775807", expected: .integer(Int64.max)),
        ParseCase(text: "-9223372036854775808", expected: .integer(Int64.min)),
        ParseCase(text: "1.0", expected: .double(1.0)),
        ParseCase(text: "0.1", expected: .double(0.1)),
        ParseCase(text: "-0.0", expected: .double(-0.0)),
        ParseCase(text: "1e-7", expected: .double(1e-7)),
        ParseCase(text: "1.5E300", expected: .double(1.5e300)),
        ParseCase(text: "5e2", expected: .double(500)),
        ParseCase(text: "\"\"", expected: .string("")),
        ParseCase(text: #""a\"b\\c\/d\b\f\n\r\t""#, expected: .string("a\"b\\c/d\u{08}\u{0C}\n\r\t")),
        ParseCase(text: #""\u00e9\u4e2d""#, expected: .string("é中")),
        ParseCase(text: #""\ud83d\ude00""#, expected: .string("😀")),
        ParseCase(text: "\"😀 café\"", expected: .string("😀 café")),
        ParseCase(text: #""a\u0000b""#, expected: .string("a\u{0}b")),
        ParseCase(text: "[]", expected: .array([])),
        ParseCase(text: "{}", expected: .object([:])),
        ParseCase(text: #"[1, "two", [3.0], {"four": null}]"#, expected: [1, "two", [3.0], ["four": nil]]),
        ParseCase(text: #"{"z": 1, "a": 2, "m": 3}"#, expected: ["z": 1, "a": 2, "m": 3]),
    ]

    @Test(arguments: values)
    func parsesEveryType(_ testCase: ParseCase) throws {
        #expect(try JSONParser().parse(testCase.text) == testCase.expected)
    }

    @Test func integersAndRealsStayApart() throws {
        let value = try JSONParser().parse("[1, 1.0]")
        #expect(value[0] == .integer(1))
        #expect(value[1] == .double(1.0))
        #expect(value[0] != value[1])
    }

    @Test func objectsKeepKeyOrder() throws {
        let value = try JSONParser().parse(#"{"z": 1, "a": 2, "m": 3, "b": 4}"#)
        #expect(value.object?.keys == ["z", "a", "m", "b"])
    }

    @Test func largeObjectsStillFindEveryKey() throws {
        let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        let value = try JSONParser().parse("{\(members)}")
        for index in 0..<40 { #expect(value["k\(index)"] == .integer(Int64(index))) }
        #expect(value["missing"] == nil)
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "123456789012345678901234567890"])
    func integerPastJanssonRangeIsOverflow(_ text: String) {
        #expect {
            try JSONParser().parse(text)
        } throws: { ($0 as? JSONError)?.code == .numericOverflow }
    }

    @Test func nulInAKeyIsAnErrorBecauseJanssonCannotHoldIt() {
        #expect {
            try JSONParser().parse(#"{"k\u0000ey": true}"#)
        } throws: { ($0 as? JSONError)?.code == .nulCharacter }
    }

    @Test func embeddedNULIsRejectedWhenNotAllowed() {
        var options = JSONParser.Options()
        options.allowNUL = false
        #expect {
            try JSONParser(options: options).parse(#"["a\u0000b"]"#)
        } throws: { ($0 as? JSONError)?.code == .nulCharacter }
    }

    @Test func duplicateKeysRejectedInRuleFileMode() throws {
        let text = "{\n  \"id\": 1,\n  \"id\": 2\n}"
        #expect(try JSONParser().parse(text) == ["id": 2])
        do {
            _ = try JSONParser(options: .ruleFile).parse(text)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.location?.line == 3)
        }
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8)
        #expect(try JSONParser().parse(bytes) == ["a": 1])
    }

    @Test(arguments: ["", "   ", "\n\t\r\n", "\u{FEFF}"])
    func emptyInputIsItsOwnError(_ text: String) {
        #expect {
            try JSONParser().parse(text)
        } throws: { ($0 as? JSONError)?.code == .emptyInput }
    }

    @Test(arguments: ["[1, 2", "{\"a\": ", "\"abc", "{\"a\": [1, {\"b\": 2}"])
    func truncatedInputIsPrematureEnd(_ text: String) {
        #expect {
            try JSONParser().parse(text)
        } throws: { ($0 as? JSONError)?.code == .prematureEnd }
    }

    @Test func sizeLimitNamesTheLimit() {
        let options = JSONParser.Options(maxBytes: 10)
        do {
            _ = try JSONParser(options: options).parse("[1, 2, 3, 4, 5]")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("10 bytes"))
        }
    }

    @Test func depthLimitGivesPathAndLine() {
        let options = JSONParser.Options(maxDepth: 3)
        #expect((try? JSONParser(options: options).parse(#"{"a": [[1]]}"#)) != nil)
        do {
            _ = try JSONParser(options: options).parse("{\"a\": [\n  1, {\"b\": []}]}")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooDeep)
            #expect(error.path?.description == "/a/1/b")
            #expect(error.location?.line == 2)
            #expect(error.location?.column == 12)
        }
    }

    @Test func depthLimitHoldsInPartsAProjectionSkips() {
        let options = JSONParser.Options(maxDepth: 3)
        let projection = JSONProjection.fields(["a": .all])
        #expect(
            (try? JSONParser(options: options).parse(Array(#"{"a": 1, "b": [[2]]}"#.utf8), projection: projection)) == [
                "a": 1
            ])
        do {
            _ = try JSONParser(options: options).parse(Array(#"{"a": 1, "b": [[[2]]]}"#.utf8), projection: projection)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooDeep)
            #expect(error.path?.description == "/b/0/0")
        }
    }

    /// The skipped parts are walked only when the text has more `[` and `{` bytes than the limit
    /// (a bound on its nesting): brackets inside strings count too, and change nothing but the work.
    @Test(arguments: [
        (#"{"a": 1, "b": [{"c": 2}]}"#, true),  // 3 openings: cannot nest deeper than 3
        (#"{"a": "[[[[", "b": [{"c": 2}]}"#, true),  // 7 openings, 3 levels: walked, and fine
        (#"{"a": "{", "b": [{"c": [2]}]}"#, false),  // 4 levels where the projection skips
    ])
    func depthBoundCountsOpeningBytes(_ text: String, _ parses: Bool) {
        let parser = JSONParser(options: JSONParser.Options(maxDepth: 3))
        let result = Result { () throws(JSONError) in
            try parser.parse(Array(text.utf8), projection: .fields(["a": .all]))
        }
        switch result {
        case .success(let value): #expect(parses && value["a"] != nil)
        case .failure(let error): #expect(!parses && error.code == .tooDeep && error.path?.description == "/b/0/c")
        }
    }

    /// Skipped members deeper in: of an object the projection picks members from, and of each
    /// element of an array; the error is the full parse's.
    @Test(arguments: [
        (#"{"a": {"x": 1, "deep": [[2]]}}"#, JSONProjection.fields(["a": .fields(["x": .all])]), "/a/deep/0"),
        (
            #"{"a": [{"x": 1}, {"x": 2, "deep": {"b": [3]}}]}"#, .fields(["a": .elements(.fields(["x": .all]))]),
            "/a/1/deep"
        ),
        (#"{"a": {"x": [[1]]}, "b": {"y": 1, "z": [[2]]}}"#, .fields(["b": .fields(["y": .all])]), "/a/x/0"),
    ])
    func depthLimitHoldsInSkippedMembersAtAnyLevel(_ text: String, _ projection: JSONProjection, _ path: String) {
        let parser = JSONParser(options: JSONParser.Options(maxDepth: 3))
        let projected = Result { () throws(JSONError) in try parser.parse(Array(text.utf8), projection: projection) }
        let full = Result { () throws(JSONError) in try parser.parse(Array(text.utf8)) }
        guard case .failure(let error) = projected, case .failure(let fullError) = full else {
            Issue.record("expected both parses to fail: \(projected), \(full)")
            return
        }
        #expect(error.code == .tooDeep)
        #expect(error.path?.description == path)
        #expect(error == fullError)
    }

    @Test func veryDeepInputIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            try JSONParser().parse(text)
        } throws: { ($0 as? JSONError)?.code == .tooDeep }
    }

    @Test(arguments: try MalformedCase.all())
    func malformedDocumentsReportCodeLineAndColumn(_ testCase: MalformedCase) throws {
        let bytes = try Fixtures.bytes("malformed/" + testCase.file)
        do {
            _ = try JSONParser(options: .ruleFile).parse(bytes, file: testCase.file)
            Issue.record("\(testCase.file) parsed")
        } catch {
            #expect(error.code.description == testCase.code)
            #expect(error.location?.file == testCase.file)
            #expect(error.location?.line == testCase.line)
            #expect(error.location?.column == testCase.column)
            #expect(error.location?.byteOffset == testCase.byteOffset)
            #expect(error.description.hasPrefix("\(testCase.file):\(testCase.line):\(testCase.column): error["))
        }
    }

    @Test func malformedTableCoversAtLeastTenDocuments() throws {
        #expect(try MalformedCase.all().count >= 10)
    }

    @Test func missingFileAndDirectoryAreDistinctErrors() {
        #expect {
            try JSONParser().parse(contentsOf: Fixtures.directory + "/does-not-exist.json")
        } throws: { ($0 as? JSONError)?.code == .fileNotFound }
        #expect {
            try JSONParser().parse(contentsOf: Fixtures.directory)
        } throws: { ($0 as? JSONError)?.code == .unreadable }
    }

    @Test func fileLargerThanLimitIsNotRead() {
        #expect {
            try FileBytes.read(Fixtures.directory + "/malformed-expectations.json", limit: 16)
        } throws: { ($0 as? JSONError)?.code == .tooLarge }
    }
}

/// jansson's allocations for one parse come from a per-thread arena (Sources/CJansson/shim.h):
/// threads parsing at once must never see each other's memory, a document larger than the arena
/// must spill to malloc, and an error inside the scope must leave the next parse intact.
@Suite struct ParseArenaTests {
    /// A document of `members` members, each a string of `width` bytes.
    static func document(_ seed: Int, members: Int, width: Int) -> (bytes: [UInt8], value: JSONValue) {
        var object = JSONObject()
        for index in 0..<members {
            let text = String(repeating: Character(Unicode.Scalar(UInt8(97 + (seed + index) % 26))), count: width)
            object["k\(seed)-\(index)"] =
                index % 3 == 0
                ? .string(text)
                : index % 3 == 1 ? .integer(Int64(seed * index)) : [.string(text), .double(Double(index) / 4)]
        }
        let value = JSONValue.object(object)
        return (JSONWriter.compact.bytes(value), value)
    }

    @Test func threadsParsingAtOnceGetTheirOwnValues() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<200 {
                        let (bytes, value) = Self.document(worker * 1000 + round, members: 40, width: 30)
                        guard try JSONParser().parse(bytes) == value else { return false }
                    }
                    return true
                }
            }
            for try await matched in group { #expect(matched) }
        }
    }

    @Test func aDocumentLargerThanTheArenaSpillsToMalloc() throws {
        let (bytes, value) = Self.document(7, members: 3000, width: 400)  // ~1.2 MB of strings
        #expect(try JSONParser().parse(bytes) == value)
        let (small, smallValue) = Self.document(8, members: 10, width: 10)
        #expect(try JSONParser().parse(small) == smallValue)
    }

    @Test func aSyntaxErrorLeavesTheNextParseIntact() throws {
        let (bytes, value) = Self.document(9, members: 50, width: 50)
        #expect(throws: JSONError.self) { try JSONParser().parse(Array(bytes.dropLast(3))) }
        #expect(try JSONParser().parse(bytes) == value)
    }
}

/// Repeated keys are found where jansson finds them, each with its pointer and place
/// (`Fixtures/repeated-keys.json`), and reporting them never changes the value parsed.
@Suite struct RepeatedKeyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let covers: String
        let text: String
        let repeats: [(pointer: String, line: Int, column: Int)]
        var testDescription: String { covers }
    }

    static func cases() throws -> [Case] {
        let document = try Fixtures.json("repeated-keys.json")
        return (document["cases"]?.array ?? []).map { row in
            Case(
                covers: row["covers"]?.string ?? "?", text: row["text"]?.string ?? "",
                repeats: (row["repeats"]?.array ?? []).map {
                    ($0["pointer"]?.string ?? "", Int($0["line"]?.integer ?? 0), Int($0["column"]?.integer ?? 0))
                })
        }
    }

    @Test(arguments: try cases())
    func repeatsAreFoundWithTheirPlace(_ testCase: Case) throws {
        let bytes = Array(testCase.text.utf8)
        var repeats: [JSONRepeatedKey] = []
        let value = try JSONParser().parse(bytes, file: "case.json", repeatedKeys: &repeats)
        #expect(value == (try JSONParser().parse(bytes)), "the value is the plain parse's (last wins)")
        #expect(repeats.map(\.path.description) == testCase.repeats.map(\.pointer))
        #expect(repeats.map(\.location.line) == testCase.repeats.map(\.line))
        #expect(repeats.map(\.location.column) == testCase.repeats.map(\.column))
        #expect(repeats.allSatisfy { $0.location.file == "case.json" })
        // jansson agrees that there is a repeat exactly when the scan finds one.
        let strict = try? JSONParser(options: .ruleFile).parse(bytes)
        #expect((strict == nil) == !testCase.repeats.isEmpty)
    }

    @Test func aSyntaxErrorAfterARepeatIsStillTheSyntaxError() {
        var repeats: [JSONRepeatedKey] = []
        #expect {
            try JSONParser().parse(Array(#"{"a": 1, "a": 2"#.utf8), repeatedKeys: &repeats)
        } throws: { ($0 as? JSONError)?.code == .prematureEnd }
    }

    @Test func theFixtureHoldsCases() throws {
        #expect(try Self.cases().count >= 10)
    }
}

/// Parsing in the per-thread arena (opt-in) gives the same values, projections and errors as
/// parsing without it, document after document on the same thread.
@Suite struct ArenaParseTests {
    @Test func arenaParsesLikeThePlainParser() throws {
        let texts = [
            #"{"a": [1, 2.5, "x", null, true, {"b": "c"}]}"#, #"[]"#, #"{"k": "\u00e9\u0000z"}"#,
            String(repeating: "[", count: 70) + String(repeating: "]", count: 70), #"{"a": 1, "a": 2}"#, "{\"a\": 1",
            "{" + (0..<5000).map { "\"k\($0)\": \"\(String(repeating: "v", count: 200))\"" }.joined(separator: ",")
                + "}",
        ]
        let plain = JSONParser()
        let arena = JSONParser(options: JSONParser.Options(arena: true))
        for _ in 0..<3 {
            for text in texts {
                let bytes = Array(text.utf8)
                let expected = Result { () throws(JSONError) in try plain.parse(bytes) }
                let got = Result { () throws(JSONError) in try arena.parse(bytes) }
                switch (expected, got) {
                case (.success(let a), .success(let b)): #expect(a == b)
                case (.failure(let a), .failure(let b)): #expect(a == b)
                default: Issue.record("arena and plain parse disagree on \(text.prefix(40))")
                }
                let projection = JSONProjection.fields(["a": .all])
                #expect(
                    (try? plain.parse(bytes, projection: projection))
                        == (try? arena.parse(bytes, projection: projection)))
            }
        }
    }
}
