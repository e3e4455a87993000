import ApprovalJSON

/// E-mail addresses and their domains, compared label by label and in lower case, so that
/// `sub.example.com` is inside `example.com` but `example.com.evil.test` and `badexample.com`
/// are not. No pattern matching: every test is a linear scan.
enum Email {
    /// The lower-cased domain of an address, or `nil` when the text is not an address
    /// (exactly one `@`, a non-empty local part without spaces or control characters, and
    /// dot-separated non-empty labels of letters, digits and hyphens, not starting or ending with
    /// a hyphen).
    static func domain(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard let range = domainRange(bytes) else { return nil }
            let domain = UnsafeBufferPointer(rebasing: bytes[range])
            if !domain.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") || $0 >= 0x80 }) {
                return String(decoding: domain, as: UTF8.self)
            }
            return String(decoding: domain, as: UTF8.self).lowercased()
        }
    }

    /// Where the domain of an address is, after validating the whole address; `nil` when it is
    /// not an address. One pass over the bytes, no allocation.
    static func domainRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        scan(bytes)?.domain
    }

    /// ``domainRange(_:)``, and whether the domain is all ASCII.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (domain: Range<Int>, ascii: Bool)? {
        let count = bytes.count
        // The local part: up to the first "@", without spaces or control characters.
        var at = 0
        while at < count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "@") { break }
            if byte <= 0x20 || byte == 0x7F { return nil }
            at += 1
        }
        guard at > 0, at + 1 < count, count - at - 1 <= 253 else { return nil }
        // The domain: labels of letters, digits, hyphens (and non-ASCII) separated by dots; a
        // second "@", a space or a control character is none of these.
        let domain = (at + 1)..<count
        var labelStart = domain.lowerBound
        var index = labelStart
        var ascii = true
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard validLabel(bytes, labelStart..<index) else { return nil }
                labelStart = index + 1
            } else if byte >= 0x80 {
                ascii = false
            } else if !(isAlphanumeric(byte) || byte == UInt8(ascii: "-")) {
                return nil
            }
            index += 1
        }
        guard validLabel(bytes, labelStart..<count) else { return nil }
        return (domain, ascii)
    }

    @inline(__always)
    private static func validLabel(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        !range.isEmpty && range.count <= 63 && bytes[range.lowerBound] != UInt8(ascii: "-")
            && bytes[range.upperBound - 1] != UInt8(ascii: "-")
    }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
    }

    /// A domain argument normalised: lower case, without a leading `@` or `.`.
    static func normalizedDomain(_ text: String) -> String {
        var domain = Substring(text.lowercased())
        while domain.first == "@" || domain.first == "." { domain = domain.dropFirst() }
        return String(domain)
    }

    /// Whether `domain` is `suffix` or a subdomain of it (both lower case).
    static func domain(_ domain: String, isWithin suffix: String) -> Bool {
        domain == suffix || domain.hasSuffix("." + suffix)
    }

    /// A domain to test addresses against: normalised (``normalizedDomain(_:)``) once, and checked
    /// once for the fast path.
    struct Pattern: Sendable {
        let domain: String
        /// How addresses are matched against it.
        let kind: Kind

        enum Kind: Sendable {
            /// A valid domain in ASCII: its bytes, matched by ``Email/matchesASCII(_:_:orSubdomain:)``.
            case ascii([UInt8])
            /// Not a domain at all (a space, an empty label, ...): no address matches it.
            case none
            /// Beyond ASCII: matched after Unicode lower-casing.
            case unicode
        }

        init(_ text: String) {
            domain = Email.normalizedDomain(text)
            let bytes = Array(domain.utf8)
            if bytes.contains(where: { $0 >= 0x80 }) {
                kind = .unicode
            } else if bytes.count <= 253, bytes.withUnsafeBufferPointer({ Email.validLabels($0, 0..<$0.count) }) {
                kind = .ascii(bytes)
            } else {
                kind = .none
            }
        }
    }

    /// Whether the address's domain equals one of `patterns` or, with `orSubdomain`, ends with
    /// `.` and one of them, comparing ASCII letters without case; `false` for anything that is not
    /// an address (``domain(_:)`` says what is).
    ///
    /// The fast path checks the domain's end against the pattern first, then validates only what
    /// the pattern does not already vouch for: the local part and the labels before the pattern,
    /// eight bytes at a time. An address with bytes beyond ASCII in its domain, or a pattern beyond
    /// ASCII, takes the general path (validation, then Unicode lower-casing).
    @inline(__always)
    static func address(_ text: String, matchesAny patterns: [Pattern], orSubdomain: Bool) -> Bool {
        let fast: Bool? =
            text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
                address(bytes, matchesAny: patterns, orSubdomain: orSubdomain)
            } ?? nil
        if let fast { return fast }
        return address(slowly: text, matchesAny: patterns, orSubdomain: orSubdomain)
    }

    /// The fast path of ``address(_:matchesAny:orSubdomain:)`` on an address's UTF-8; `nil` when
    /// the general path must decide.
    static func address(_ bytes: UnsafeBufferPointer<UInt8>, matchesAny patterns: [Pattern], orSubdomain: Bool) -> Bool?
    {
        guard let domain = asciiDomain(bytes) else { return nil }
        guard let domain else { return false }
        for pattern in patterns {
            switch pattern.kind {
            case .ascii(let target):
                if matchesASCII(bytes, domain: domain, target, orSubdomain: orSubdomain) { return true }
            case .none: continue
            case .unicode: return nil
            }
        }
        return false
    }

    /// The general path: validate, lower-case the domain, compare.
    static func address(slowly text: String, matchesAny patterns: [Pattern], orSubdomain: Bool) -> Bool {
        guard let domain = domain(text) else { return false }
        return patterns.contains { orSubdomain ? self.domain(domain, isWithin: $0.domain) : domain == $0.domain }
    }

    /// Where an address's domain is, after checking its local part (non-empty, no spaces or control
    /// characters before the first `@`) and that its domain is ASCII and not too long: `nil` for a
    /// domain beyond ASCII (the general path decides), `.some(nil)` for no address. The domain's
    /// labels are not checked here.
    @inline(__always)
    private static func asciiDomain(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>?? {
        let count = bytes.count
        var at = 0
        // The local part, eight bytes at a time while no byte of a word is "@", a control
        // character, a space or DEL.
        while at + 8 <= count {
            let word = ByteWords.load(bytes, at)
            if ByteWords.contains(word, UInt8(ascii: "@")) || ByteWords.containsBelow(word, 0x21)
                || ByteWords.contains(word, 0x7F)
            {
                break
            }
            at += 8
        }
        while at < count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "@") { break }
            if byte <= 0x20 || byte == 0x7F { return .some(nil) }
            at += 1
        }
        guard at > 0, at + 1 < count, count - at - 1 <= 253 else { return .some(nil) }
        var index = at + 1
        while index + 8 <= count {
            if ByteWords.containsNonASCII(ByteWords.load(bytes, index)) { return nil }
            index += 8
        }
        while index < count {
            if bytes[index] >= 0x80 { return nil }
            index += 1
        }
        return (at + 1)..<count
    }

    /// Whether an address with the ASCII domain at `domain` (local part already checked) is in
    /// `target`, a valid lower-case domain: the domain ends with `target`, at a label boundary,
    /// and what comes before is valid labels.
    @inline(__always)
    private static func matchesASCII(
        _ bytes: UnsafeBufferPointer<UInt8>, domain: Range<Int>, _ target: [UInt8], orSubdomain: Bool
    ) -> Bool {
        let length = target.count
        guard length > 0, domain.count >= length else { return false }
        let offset = domain.upperBound - length
        let prefix = domain.lowerBound..<max(offset - 1, domain.lowerBound)
        if offset > domain.lowerBound {
            guard orSubdomain, bytes[offset - 1] == UInt8(ascii: "."), !prefix.isEmpty else { return false }
        }
        let same = target.withUnsafeBufferPointer { target -> Bool in
            var index = 0
            while index + 8 <= length {
                if ByteWords.lowercased(ByteWords.load(bytes, offset + index)) != ByteWords.load(target, index) {
                    return false
                }
                index += 8
            }
            if index < length, length >= 8 {
                // The last, overlapping word.
                let last = length - 8
                return ByteWords.lowercased(ByteWords.load(bytes, offset + last)) == ByteWords.load(target, last)
            }
            while index < length {
                if lowercase(bytes[offset + index]) != target[index] { return false }
                index += 1
            }
            return true
        }
        // The target's own labels are valid; those before it must be too.
        return same && (prefix.isEmpty || validLabels(bytes, prefix))
    }

    /// Whether `range` of ASCII `bytes` is dot-separated labels of letters, digits and hyphens,
    /// each 1 to 63 long and neither starting nor ending with a hyphen.
    static func validLabels(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var labelStart = range.lowerBound
        var index = labelStart
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard validLabel(bytes, labelStart..<index) else { return false }
                labelStart = index + 1
            } else if !(isAlphanumeric(byte) || byte == UInt8(ascii: "-")) {
                return false
            }
            index += 1
        }
        return validLabel(bytes, labelStart..<range.upperBound)
    }

    /// An ASCII upper-case letter in lower case; any other byte as it is.
    @inline(__always)
    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
}

extension Operators {
    static let email: [OperatorSpec] = [
        unary("email_domain", summary: "the lower-cased domain of an e-mail address, or null") { value, _ in
            guard case .string(let text) = value, let domain = Email.domain(text) else { return .null }
            return .string(domain)
        },
        OperatorSpec(
            ["domain_is"], arity: 2...Int.max, summary: "the address's domain is exactly one of the given domains"
        ) { call in
            domainTest(call, orSubdomain: false)
        },
        OperatorSpec(
            ["domain_ends_with"], arity: 2...Int.max,
            summary: "the address's domain is one of the given domains or a subdomain of one (label-aware)"
        ) { call in
            domainTest(call, orSubdomain: true)
        },
    ]

    /// `[address, domain, domain...]`: false for anything that is not an address. Literal domains
    /// (the usual case) are normalised once, at compile time.
    private static func domainTest(_ call: OperatorCall, orSubdomain: Bool) -> Node {
        let address = call.argument(0)
        let domains = Array(call.arguments.dropFirst())
        let constantPatterns: [Email.Pattern]? =
            domains.allSatisfy({ $0.constant?.string != nil })
            ? domains.compactMap { $0.constant?.string.map(Email.Pattern.init) } : nil
        return Node(
            path: call.path,
            test: { context throws(LogicError) in
                if context.trace == nil, let constantPatterns {
                    return try address.withValue(&context) { value in
                        guard case .string(let text) = value.pointee else { return false }
                        return Email.address(text, matchesAny: constantPatterns, orSubdomain: orSubdomain)
                    }
                }
                let value = try address.run(&context)
                let patterns: [Email.Pattern]
                if let constantPatterns {
                    patterns = constantPatterns
                } else {
                    var computed: [Email.Pattern] = []
                    for node in domains {
                        if case .string(let text) = try node.run(&context) { computed.append(Email.Pattern(text)) }
                    }
                    patterns = computed
                }
                var result = false
                if case .string(let text) = value {
                    result = Email.address(text, matchesAny: patterns, orSubdomain: orSubdomain)
                }
                // `"a@examp1e.com" within example.com` / `outside example.com` (domain_ends_with),
                // `"a@legal.example.com" at example.com` / `not at example.com` (domain_is).
                context.record(
                    call.path,
                    "\(address.describe(value)) \(orSubdomain ? "within" : "at") "
                        + patterns.map(\.domain).joined(separator: " or "),
                    .bool(result),
                    negation: (orSubdomain ? "outside " : "not at ") + patterns.map(\.domain).joined(separator: " and ")
                )
                return result
            })
    }
}
