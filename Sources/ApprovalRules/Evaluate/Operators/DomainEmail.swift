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
        var at: Int?
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "@") {
                guard at == nil else { return nil }
                at = index
            } else if byte <= 0x20 || byte == 0x7F {
                return nil
            }
        }
        guard let at, at > 0, at + 1 < bytes.count, bytes.count - at - 1 <= 253 else { return nil }
        let domain = (at + 1)..<bytes.count
        var labelStart = domain.lowerBound
        for index in domain {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard validLabel(bytes, labelStart..<index) else { return nil }
                labelStart = index + 1
            } else if !(isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte >= 0x80) {
                return nil
            }
        }
        guard validLabel(bytes, labelStart..<domain.upperBound) else { return nil }
        return domain
    }

    private static func validLabel(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        !range.isEmpty && range.count <= 63 && bytes[range.lowerBound] != UInt8(ascii: "-")
            && bytes[range.upperBound - 1] != UInt8(ascii: "-")
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
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

    /// Whether the address's domain equals `wanted` (lower case) or, with `orSubdomain`, ends with
    /// `.wanted`, comparing ASCII letters without case. No allocation for ASCII addresses; others
    /// take the general path.
    static func address(_ text: String, matches wanted: String, orSubdomain: Bool) -> Bool {
        var text = text
        var wanted = wanted
        let fast: Bool? = text.withUTF8 { bytes -> Bool? in
            guard let range = domainRange(bytes) else { return false }
            let domain = UnsafeBufferPointer(rebasing: bytes[range])
            if domain.contains(where: { $0 >= 0x80 }) { return nil }
            return wanted.withUTF8 { target -> Bool in
                guard domain.count >= target.count else { return false }
                let offset = domain.count - target.count
                if offset > 0 {
                    guard orSubdomain, domain[offset - 1] == UInt8(ascii: ".") else { return false }
                }
                for index in 0..<target.count where lowercase(domain[offset + index]) != target[index] {
                    return false
                }
                return true
            }
        }
        if let fast { return fast }
        guard let domain = domain(text) else { return false }
        return orSubdomain ? self.domain(domain, isWithin: wanted) : domain == wanted
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
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

    /// `[address, domain, domain...]`: false for anything that is not an address.
    private static func domainTest(_ call: OperatorCall, orSubdomain: Bool) -> Node {
        let address = call.argument(0)
        let domains = Array(call.arguments.dropFirst())
        let constantDomains: [String]? =
            domains.allSatisfy({ $0.constant?.string != nil })
            ? domains.compactMap { $0.constant?.string.map(Email.normalizedDomain) } : nil
        return Node(path: call.path) { context throws(LogicError) in
            let value = try address.run(&context)
            var wanted: [String]
            if let constantDomains {
                wanted = constantDomains
            } else {
                wanted = []
                for node in domains {
                    if case .string(let text) = try node.run(&context) { wanted.append(Email.normalizedDomain(text)) }
                }
            }
            var result = false
            if case .string(let text) = value {
                result = wanted.contains { Email.address(text, matches: $0, orSubdomain: orSubdomain) }
            }
            context.record(
                call.path, "\(address.describe(value)) \(call.name) \(wanted.joined(separator: ", "))", .bool(result))
            return .bool(result)
        }
    }
}
