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

    /// A domain to test addresses against: normalised (``normalizedDomain(_:)``) once, with its
    /// bytes kept for the byte-level comparison.
    struct Pattern: Sendable {
        let domain: String
        let bytes: [UInt8]

        init(_ text: String) {
            domain = Email.normalizedDomain(text)
            bytes = Array(domain.utf8)
        }
    }

    /// Whether the address's domain equals one of `patterns` or, with `orSubdomain`, ends with
    /// `.` and one of them, comparing ASCII letters without case. The address is validated once,
    /// in one pass over its bytes, whatever the number of patterns; an address whose domain has
    /// other than ASCII characters takes the general path (Unicode lower-casing).
    static func address(_ text: String, matchesAny patterns: [Pattern], orSubdomain: Bool) -> Bool {
        let fast: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            guard let (range, ascii) = scan(bytes) else { return false }
            guard ascii else { return nil }
            for pattern in patterns where matches(bytes, domain: range, pattern.bytes, orSubdomain: orSubdomain) {
                return true
            }
            return false
        } ?? nil
        if let fast { return fast }
        guard let domain = domain(text) else { return false }
        return patterns.contains { orSubdomain ? self.domain(domain, isWithin: $0.domain) : domain == $0.domain }
    }

    /// Whether an address with an ASCII domain at `range` is in `target` (lower case).
    @inline(__always)
    private static func matches(
        _ bytes: UnsafeBufferPointer<UInt8>, domain range: Range<Int>, _ target: [UInt8], orSubdomain: Bool
    ) -> Bool {
        let length = target.count
        guard range.count >= length else { return false }
        let offset = range.upperBound - length
        if offset > range.lowerBound {
            guard orSubdomain, bytes[offset - 1] == UInt8(ascii: ".") else { return false }
        }
        return target.withUnsafeBufferPointer { target in
            for index in 0..<length where lowercase(bytes[offset + index]) != target[index] { return false }
            return true
        }
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
        OperatorSpec(["domain_is"], arity: 2...Int.max, summary: "the address's domain is exactly one of the given domains") { call in
            domainTest(call, orSubdomain: false)
        },
        OperatorSpec(
            ["domain_ends_with"], arity: 2...Int.max,
            summary: "the address's domain is one of the given domains or a subdomain of one (label-aware)"
        ) { call in
            domainTest(call, orSubdomain: true)
        },
        binary("starts_with", summary: "a string starts with a prefix (case-sensitive)") { text, prefix, _ in
            guard case .string(let text) = text, case .string(let prefix) = prefix else { return false }
            return .bool(text.hasPrefix(prefix))
        },
        binary("ends_with", summary: "a string ends with a suffix (case-sensitive)") { text, suffix, _ in
            guard case .string(let text) = text, case .string(let suffix) = suffix else { return false }
            return .bool(text.hasSuffix(suffix))
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
                context.record(
                    call.path, "\(address.describe(value)) \(call.name) \(patterns.map(\.domain).joined(separator: ", "))",
                    .bool(result))
                return result
            })
    }
}
