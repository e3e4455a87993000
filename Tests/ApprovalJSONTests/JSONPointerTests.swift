import ApprovalJSON
import Testing

@Suite struct JSONPointerTests {
    @Test(arguments: [
        ("", [String]()), ("/", [""]), ("/a/0", ["a", "0"]), ("/a~1b/c~0d", ["a/b", "c~d"]),
    ])
    func parsesAndPrints(_ text: String, _ tokens: [String]) throws {
        let pointer = try #require(JSONPointer(parsing: text))
        #expect(pointer.tokens == tokens)
        #expect(pointer.description == text)
    }

    @Test(arguments: ["a", "/a~2", "/~"])
    func rejectsInvalidText(_ text: String) {
        #expect(JSONPointer(parsing: text) == nil)
    }

    @Test func resolvesInsideValues() throws {
        let value = try JSONParser().parse(#"{"rules": [{"id": "a"}, {"id": "b"}]}"#)
        #expect(value.value(at: JSONPointer(parsing: "/rules/1/id")!) == "b")
        #expect(value.value(at: JSONPointer(parsing: "/rules/2")!) == nil)
        #expect(value.value(at: JSONPointer(parsing: "/rules/01")!) == nil)
    }

    @Test func ordersInDocumentOrder() {
        let pointers = ["/rules/10", "/rules/2/when", "/name", "/rules/2"].map { JSONPointer(parsing: $0)! }
        #expect(pointers.sorted().map(\.description) == ["/name", "/rules/2", "/rules/2/when", "/rules/10"])
    }
}

@Suite struct SourceLocatorTests {
    static let source = """
        {
          "name": "x",
          "rules": [
            {"id": "a", "when": {"==": [1, 1]}},
            {
              "id": "caf\\u00e9 ü",
              "when": {"betwen": [1, 2]}
            }
          ]
        }
        """

    @Test(arguments: [
        ("/name", false, 2, 11), ("/rules/0/id", false, 4, 12), ("/rules/0/when/==/1", false, 4, 36),
        ("/rules/1/when", false, 7, 15), ("/rules/1/when", true, 7, 7), ("/rules/1/when/betwen", true, 7, 16),
        ("", false, 1, 1),
    ])
    func mapsPointersToLineAndColumn(_ pointer: String, _ key: Bool, _ line: Int, _ column: Int) throws {
        let locator = SourceLocator(bytes: Array(Self.source.utf8), file: "r.json")
        let location = try #require(locator.location(of: JSONPointer(parsing: pointer)!, key: key))
        #expect(location.line == line)
        #expect(location.column == column)
        #expect(location.file == "r.json")
    }

    @Test func escapedKeysMatchTheirDecodedForm() throws {
        let text = #"{"caf\u00e9": {"x": 1}, "é2": 2}"#
        let locator = SourceLocator(bytes: Array(text.utf8))
        #expect(locator.location(of: JSONPointer(tokens: ["café", "x"]))?.column == 21)
        #expect(locator.location(of: JSONPointer(tokens: ["é2"]))?.column == 31)
    }

    @Test func columnsCountScalarsNotBytes() {
        let locator = SourceLocator(bytes: Array("\"é😀\" x".utf8))
        #expect(locator.location(ofByteOffset: 8).column == 5)
        #expect(locator.location(ofByteOffset: 9).column == 6)
    }

    @Test(arguments: ["/nope", "/rules/9", "/name/0"])
    func missingPathsHaveNoLocation(_ pointer: String) {
        let locator = SourceLocator(bytes: Array(Self.source.utf8))
        #expect(locator.location(of: JSONPointer(parsing: pointer)!) == nil)
    }

    @Test func truncatedSourceNeverTraps() {
        let locator = SourceLocator(bytes: Array(#"{"a": [1, {"b": "\"#.utf8))
        #expect(locator.location(of: JSONPointer(parsing: "/a/1/b/c")!) == nil)
    }
}

@Suite struct JSONProjectionTests {
    static let document = """
        {"task_id": 7, "files": [{"file_id": "f", "download_url": "https://x"}],
         "variables_to_approve": [
           {"variable_id": "contract_value", "variable_type": "number", "value": 5},
           {"variable_id": "vendor_name", "variable_type": "text", "value": "Acme"},
           7
         ],
         "step_run": {"variables": "not an array"}}
        """

    @Test func keepsOnlyRequestedPartsAndWholeWrongShapes() throws {
        let projection = JSONProjection.fields([
            "task_id": .all,
            "variables_to_approve": .elements(
                .matching(
                    key: "variable_id", values: ["contract_value"], then: .all,
                    otherwise: .fields(["variable_id": .all]))),
            "step_run": .fields(["variables": .elements(.all)]),
        ])
        let partial = try JSONParser().parse(Array(Self.document.utf8), projection: projection)
        let expected: JSONValue = [
            "step_run": ["variables": "not an array"],
            "task_id": 7,
            "variables_to_approve": [
                ["variable_id": "contract_value", "variable_type": "number", "value": 5],
                ["variable_id": "vendor_name"],
                7,
            ],
        ]
        #expect(partial == expected)
        #expect(partial["files"] == nil)
    }

    /// `.matching` selects an object when its member is one of the strings, with `String`
    /// equality whatever path decides it: bytes for ASCII, canonical equivalence otherwise.
    static let matchingCases: [(String, Set<String>, Bool)] = [
        (#""vendor_name""#, ["vendor_name", "contract_value"], true),
        (#""vendor_nam""#, ["vendor_name", "contract_value"], false),
        (#""vendor_name ""#, ["vendor_name"], false),
        (#""VENDOR_NAME""#, ["vendor_name"], false),
        (#""""#, [""], true),
        (#""a\u0000b""#, ["a\u{0}b"], true),
        (#""a\u0000b""#, ["a"], false),
        (#""\u212A""#, ["K"], true),  // KELVIN SIGN is canonically "K"
        (#""K""#, ["\u{212A}"], true),
        (#""caf\u00e9""#, ["cafe\u{301}"], true),
        (#""café""#, ["café", "x"], true),
        (#"7"#, ["7"], false),  // not a string
        (#""k17""#, Set((0..<20).map { "k\($0)" }), true),  // more strings than the byte path takes
        (#""k20""#, Set((0..<20).map { "k\($0)" }), false),
    ]

    @Test(arguments: matchingCases)
    func matchingSelectsByStringEquality(_ id: String, _ values: Set<String>, _ selected: Bool) throws {
        let projection = JSONProjection.elements(
            .matching(key: "id", values: JSONProjection.Strings(values), then: .all, otherwise: .fields(["id": .all])))
        let partial = try JSONParser().parse(Array("[{\"id\": \(id), \"value\": 1}]".utf8), projection: projection)
        #expect((partial[0]?["value"] != nil) == selected)
        if let text = try JSONParser().parse(id).string {
            #expect(JSONProjection.Strings(values).contains(text) == selected)
        }
    }

    @Test func allProjectionEqualsFullParse() throws {
        let bytes = Array(Self.document.utf8)
        #expect(try JSONParser().parse(bytes, projection: .all) == JSONParser().parse(bytes))
    }
}
