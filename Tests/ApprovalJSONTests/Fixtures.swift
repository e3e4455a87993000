import ApprovalJSON

/// Test fixtures live next to the tests; found through `#filePath`, so no bundle is needed.
enum Fixtures {
    static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/Fixtures"
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        try FileBytes.read(directory + "/" + name, limit: 1 << 24)
    }

    static func json(_ name: String) throws -> JSONValue {
        try JSONParser().parse(contentsOf: directory + "/" + name)
    }
}

extension JSONParser {
    func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}
