import ApprovalJSON
import Testing

/// Inputs the fuzzers found crashes with, kept so the bugs stay fixed. Each runs the same checks
/// as the FuzzJSON target: parse in every mode, round-trip, and locate pointers in the raw text.
@Suite struct FuzzRegressionTests {
    static let files = ["lone-high-surrogate-in-key.json"]

    @Test(arguments: files)
    func formerCrashIsHandled(_ name: String) throws {
        let bytes = try Fixtures.bytes("fuzz-regressions/" + name)
        for options in [JSONParser.Options.data, .ruleFile] {
            if let value = try? JSONParser(options: options).parse(bytes) {
                #expect(try JSONParser().parse(JSONWriter.compact.bytes(value)) == value)
            }
        }
        let locator = SourceLocator(bytes: bytes)
        for pointer in ["/a", "/0/b", "/variables_to_approve/1/value", ""] {
            _ = locator.location(of: JSONPointer(parsing: pointer)!, key: true)
        }
    }

    @Test func highSurrogateFollowedByAnotherEscapeKeepsBoth() {
        let locator = SourceLocator(bytes: Array(#"{"x\ud83d\u0041": 1, "y": 2}"#.utf8))
        #expect(locator.location(of: JSONPointer(tokens: ["x\u{FFFD}A"])) != nil)
        #expect(locator.location(of: JSONPointer(tokens: ["y"]))?.column == 27)
    }
}
