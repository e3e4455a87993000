import ApprovalJSON

/// E-mail addresses and their domains, compared label by label and in lower case, so that
/// `sub.example.com` is inside `example.com` but `example.com.evil.test` and `badexample.com`
/// are not. No pattern matching: every test is a linear scan.
enum Email {
    /// The lower-cased domain of an address, or `nil` when the text is not an address
    /// (exactly one `@`, a non-empty local part, dot-separated non-empty labels of letters, digits
    /// and hyphens; no spaces or control characters).
    static func domain(_ text: String) -> String? {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        guard parts[0].unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else { return nil }
        let domain = parts[1].lowercased()
        return isDomain(domain) ? domain : nil
    }

    /// Whether `text` is a lower-case domain name.
    static func isDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 1, text.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0.value > 0x7F
                }
        }
    }

    /// A domain argument normalised: lower case, without a leading `@` or `.`.
    static func normalizedDomain(_ text: String) -> String {
        var domain = Substring(text.lowercased())
        while domain.first == "@" || domain.first == "." { domain = domain.dropFirst() }
        return String(domain)
    }

    /// Whether `domain` is `suffix` or a subdomain of it.
    static func domain(_ domain: String, isWithin suffix: String) -> Bool {
        domain == suffix || domain.hasSuffix("." + suffix)
    }
}

extension Operators {
    static let email: [OperatorSpec] = [
        unary("email_domain", summary: "the lower-cased domain of an e-mail address, or null") { value, _ in
            guard case .string(let text) = value, let domain = Email.domain(text) else { return .null }
            return .string(domain)
        },
        OperatorSpec(["domain_is"], arity: 2...Int.max, summary: "the address's domain is exactly one of the given domains") { call in
            domainTest(call) { $0 == $1 }
        },
        OperatorSpec(
            ["domain_ends_with"], arity: 2...Int.max,
            summary: "the address's domain is one of the given domains or a subdomain of one (label-aware)"
        ) { call in
            domainTest(call, Email.domain(_:isWithin:))
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
    private static func domainTest(
        _ call: OperatorCall, _ matches: @escaping @Sendable (String, String) -> Bool
    ) -> Node {
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
            if case .string(let text) = value, let domain = Email.domain(text) {
                result = wanted.contains { matches(domain, $0) }
            }
            context.record(
                call.path, "\(address.describe(value)) \(call.name) \(wanted.joined(separator: ", "))", .bool(result))
            return .bool(result)
        }
    }
}
