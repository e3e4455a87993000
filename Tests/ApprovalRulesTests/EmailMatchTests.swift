import Testing

@testable import ApprovalRules

/// The e-mail domain tests take a fast path (the pattern checked against the domain's end first,
/// eight bytes at a time) beside the general one (validate the address, lower-case its domain,
/// compare). These tests hold the fast path to the general one over a combinatorial set of
/// addresses and patterns built to hit its edges: word boundaries, label rules, case, look-alike
/// domains, invalid local parts, bytes beyond ASCII.
@Suite struct EmailMatchTests {
    /// What the general path decides: `Email.domain` validates and lower-cases.
    static func reference(_ address: String, _ pattern: String, orSubdomain: Bool) -> Bool {
        guard let domain = Email.domain(address) else { return false }
        let wanted = Email.normalizedDomain(pattern)
        return orSubdomain ? Email.domain(domain, isWithin: wanted) : domain == wanted
    }

    static let locals = [
        "a", "jane.doe", "j", "abcdefg", "abcdefgh", "abcdefghi", "first.last+tag", "x y", "tab\there",
        "", "ünï", "del\u{7F}x", "ctl\u{01}", "a@b", "UPPER", "1234567890123456",
    ]

    static let domains = [
        "example.com", "EXAMPLE.COM", "Example.Com", "emea.example.com", "a.b.example.com", "example.com.evil.test",
        "badexample.com", "examp1e.com", "example.co", "xample.com", "example.com.", ".example.com",
        "emea..example.com", "-emea.example.com", "emea-.example.com", "e-mea.example.com", "example", "com",
        "exämple.com", "example.co\u{212A}", "ex ample.com", "exa@mple.com",
        String(repeating: "a", count: 63) + ".example.com",
        String(repeating: "a", count: 64) + ".example.com", String(repeating: "ab.", count: 83) + "example.com",
        String(repeating: "ab.", count: 84) + "example.com", "longer-subdomain-name.example.com", "12.example.com",
        "EMEA.EXAMPLE.COM", "e.x", "ex",
    ]

    static let patterns = [
        "example.com", "EXAMPLE.com", "@example.com", ".example.com", "com", "e.x", "ex", "exämple.com",
        "example.com.", "", "ex ample.com", "a.b.example.com", "longer-subdomain-name.example.com", "x",
    ]

    @Test func fastPathAgreesWithTheGeneralOne() {
        var checked = 0
        for local in Self.locals {
            for domain in Self.domains {
                for address in [local + "@" + domain, local + domain, domain] {
                    for pattern in Self.patterns {
                        for orSubdomain in [false, true] {
                            let fast = Email.address(
                                address, matchesAny: [Email.Pattern(pattern)], orSubdomain: orSubdomain)
                            let expected = Self.reference(address, pattern, orSubdomain: orSubdomain)
                            #expect(fast == expected, "\(address) against \(pattern) (subdomains: \(orSubdomain))")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == Self.locals.count * Self.domains.count * 3 * Self.patterns.count * 2)
    }

    @Test func severalPatternsMatchWhenAnyDoes() {
        let patterns = ["other.org", "example.com"].map(Email.Pattern.init)
        #expect(Email.address("jane@emea.example.com", matchesAny: patterns, orSubdomain: true))
        #expect(!Email.address("jane@emea.example.com", matchesAny: patterns, orSubdomain: false))
        #expect(!Email.address("jane@example.com.evil.test", matchesAny: patterns, orSubdomain: true))
        #expect(!Email.address("not an address", matchesAny: patterns, orSubdomain: true))
    }
}
