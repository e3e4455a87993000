import Testing

/// The secret values an input carries (presigned-URL signatures, credentials and session
/// tokens), and checks that none of them, nor any 16-character piece of one, reaches an output.
struct Secrets: Sendable {
    /// The query parameters whose values grant access.
    static let parameters = [
        "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "Signature", "X-Goog-Signature",
    ]

    /// The length of the pieces looked for: long enough never to occur by chance, short enough to
    /// catch a value cut short by a length limit.
    static let window = 16

    private(set) var values: Set<String> = []

    init(values: some Sequence<String> = []) {
        for value in values where !value.isEmpty { self.values.insert(value) }
    }

    /// The secrets in `bytes`: the value of every `name=value` pair (after `?`, `&` or `;`) whose
    /// name is one of ``parameters`` (any case), up to the next `&`, quote, white space or `#`.
    init(in bytes: [UInt8]) {
        let names = Self.parameters.map { Array($0.lowercased().utf8) }
        let stops: Set<UInt8> = [0x26, 0x22, 0x27, 0x20, 0x0A, 0x0D, 0x09, 0x23, 0x5C, 0x3C, 0x3E]
        var index = 0
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == 0x3F || bytes[index] == 0x26 || bytes[index] == 0x3B else { continue }
            for name in names {
                let start = index + 1
                let equals = start + name.count
                guard equals < bytes.count, bytes[equals] == 0x3D else { continue }
                guard zip(bytes[start..<equals], name).allSatisfy({ Self.lower($0) == $1 }) else { continue }
                var end = equals + 1
                while end < bytes.count, !stops.contains(bytes[end]) { end += 1 }
                if end > equals + 1 { values.insert(String(decoding: bytes[(equals + 1)..<end], as: UTF8.self)) }
            }
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte
    }

    mutating func formUnion(_ other: Secrets) {
        values.formUnion(other.values)
    }

    /// The secrets found in `output` (whole, or as a piece of ``window`` characters).
    func leaks(in output: [UInt8]) -> [String] {
        guard !output.isEmpty else { return [] }
        var found: [String] = []
        for value in values.sorted() {
            let bytes = Array(value.utf8)
            let width = min(Self.window, bytes.count)
            var start = 0
            while start + width <= bytes.count {
                if output.contains(bytes[start..<(start + width)]) {
                    found.append(value)
                    break
                }
                start += 1
            }
        }
        return found
    }

    /// Records an issue for every secret found on stdout or stderr of `result`.
    func expectNoLeaks(
        in result: CommandResult, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        for (stream, bytes) in [("stdout", result.stdout), ("stderr", result.stderr)] {
            let leaked = leaks(in: bytes)
            #expect(
                leaked.isEmpty,
                "\(what): \(stream) reveals \(leaked.count) secret(s), e.g. \(leaked.first?.prefix(24) ?? "")...",
                sourceLocation: sourceLocation)
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the array (a plain scan: outputs are small).
    func contains(_ needle: ArraySlice<UInt8>) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        var index = 0
        let last = count - needle.count
        while index <= last {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// Whether the UTF-8 of `text` occurs in the array.
    func contains(text: String) -> Bool {
        contains(Array(text.utf8)[...])
    }
}
