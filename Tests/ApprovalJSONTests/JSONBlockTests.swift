import Testing

@testable import ApprovalJSON

/// The binary block of a value: what goes in comes out, repeated keys included; and bytes that
/// are not a block of this version read as `nil`, whatever they are, without trapping.
@Suite struct JSONBlockTests {
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Every example snapshot and the repeated-keys fixture: real documents, with every kind of value.
    static let documents: [String] = {
        var paths = [Fixtures.directory + "/repeated-keys.json"]
        let examples = repository + "/examples/snapshots"
        if let directory = opendir(examples) {
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasSuffix(".json") { paths.append(examples + "/" + name) }
            }
        }
        return paths.sorted()
    }()

    @Test("a document's block reads back as the document, with its repeated keys", arguments: documents)
    func roundTrip(_ path: String) throws {
        let bytes = try FileBytes.read(path, limit: 1 << 24)
        var repeats: [JSONRepeatedKey] = []
        let value = try JSONParser().parse(bytes, file: path, repeatedKeys: &repeats)
        let block = JSONBlock(value, repeatedKeys: repeats)
        let stored = try #require(JSONBlock(bytes: block.bytes))
        #expect(stored.value() == value)
        #expect(stored.repeatedKeys(file: path) == repeats)
    }

    @Test(
        "scalars at the edges of their ranges",
        arguments: [
            JSONValue.integer(.min), .integer(.max), .integer(-1), .integer(0), .integer(127), .integer(128),
            .double(-0.0), .double(1e308), .double(.leastNonzeroMagnitude), .string(""), .string("a\u{0}b"),
            .string("é ☃ 🎉"), .bool(true), .bool(false), .null, .array([]), .object(JSONObject()),
        ])
    func scalars(_ value: JSONValue) throws {
        let read = try #require(JSONBlock(bytes: JSONBlock(value).bytes)?.value())
        #expect(read == value)
        if case .double(let number) = value, case .double(let back) = read {
            #expect(number.bitPattern == back.bitPattern)
        }
    }

    @Test func repeatedKeysKeepTheirPlaces() throws {
        let repeats = [
            JSONRepeatedKey(
                path: JSONPointer(tokens: ["task", "a/b", "~"]),
                location: SourceLocation(file: "x.json", line: 12, column: 7, byteOffset: 301))
        ]
        let block = JSONBlock(.object(JSONObject([("task", .null)])), repeatedKeys: repeats)
        let read = try #require(JSONBlock(bytes: block.bytes)?.repeatedKeys(file: "y.json"))
        #expect(read.count == 1)
        #expect(read.first?.path == repeats[0].path)
        #expect(read.first?.location == SourceLocation(file: "y.json", line: 12, column: 7, byteOffset: 301))
    }

    @Test func anotherVersionOrNoBlockReadsAsNil() {
        var bytes = JSONBlock(.integer(1)).bytes
        bytes[4] = 2  // version 2
        #expect(JSONBlock(bytes: bytes) == nil)
        #expect(JSONBlock(bytes: []) == nil)
        #expect(JSONBlock(bytes: Array("{\"a\":1}".utf8)) == nil)
    }

    @Test func nestingDeeperThanTheLimitReadsAsNil() throws {
        var value = JSONValue.integer(1)
        for _ in 0..<10 { value = .array([value]) }
        let block = JSONBlock(value)
        #expect(block.value(maxDepth: 10) == value)
        #expect(block.value(maxDepth: 9) == nil)
    }

    /// Every prefix of a real block, and every single-byte change of it: each reads as `nil` or as
    /// some value, never traps or reads outside the bytes (the address sanitizer build checks the
    /// latter).
    @Test func damagedBlocksNeverTrap() throws {
        let path = Self.documents.first { $0.hasSuffix("tier2-cfo.json") } ?? Self.documents[0]
        let value = try JSONParser().parse(FileBytes.read(path, limit: 1 << 24))
        let bytes = JSONBlock(value).bytes
        for length in 0..<bytes.count {
            let cut = Array(bytes[..<length])
            let whole = JSONBlock(bytes: cut).flatMap { block in
                block.value().flatMap { _ in block.repeatedKeys(file: nil) }
            }
            #expect(whole == nil, "a block cut to \(length) bytes")
        }
        var changed = 0
        for at in 12..<bytes.count {
            for replacement: UInt8 in [0x00, 0x07, 0x7F, 0x80, 0xFF] where bytes[at] != replacement {
                var damaged = bytes
                damaged[at] = replacement
                if let read = JSONBlock(bytes: damaged)?.value(), read != value { changed += 1 }
                _ = JSONBlock(bytes: damaged)?.repeatedKeys(file: nil)
            }
        }
        // Most changes are noticed or change the value: the pack's checksum is what catches the rest.
        #expect(changed > 0)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
