import ApprovalJSON
import Testing

@testable import ApprovalWorkload

/// The facts the benchmark rules read, worked out by hand from a snapshot (an independent
/// reference, so these tests do not depend on the rule engine).
struct Facts {
    /// The contract value in cents, when it is a number or a numeric string.
    var cents: Int64?
    var contractValue: JSONValue?
    var vendor: String?
    var department: String?
    var termMonths: Int64?
    var autoRenew: Bool?
    var effectiveDate: String?
    var hasContractFile = false
    var hasInsuranceCertificate = false
    var contractFileVariable: JSONValue?
    var active: [String] = []
    var next: [String] = []
    var owner: String?
    var vendorOnlyInStepRun = false

    init(_ snapshot: JSONValue) {
        var variables: [String: JSONValue] = [:]
        for source in [snapshot["variables_to_approve"], snapshot["step_run"]?["variables"]] {
            for variable in source?.array ?? [] {
                guard let id = variable["variable_id"]?.string, variables[id] == nil else { continue }
                variables[id] = variable["value"] ?? .null
            }
        }
        vendorOnlyInStepRun =
            snapshot["variables_to_approve"]?.array?.contains { $0["variable_id"] == "vendor_name" } == false
        contractValue = variables["contract_value"]
        cents = contractValue.flatMap(Self.cents)
        vendor = variables["vendor_name"]?.string
        department = variables["department"]?.string
        termMonths = variables["term_months"]?.integer
        autoRenew = variables["auto_renew"]?.bool
        effectiveDate = variables["effective_date"]?.string
        contractFileVariable = snapshot["variables_to_approve"]?.array?.first { $0["variable_id"] == "contract_file" }
        let files = (snapshot["files"]?.array ?? []) + (snapshot["task_files"]?["files"]?.array ?? [])
        hasContractFile = files.contains { $0["variable_id"] == "contract_file" }
        hasInsuranceCertificate = files.contains { $0["variable_id"] == "insurance_certificate" }
        active = snapshot["eligible_approvers_active"]?.array?.compactMap(\.string) ?? []
        next = snapshot["next_eligible_approvers"]?.array?.compactMap(\.string) ?? []
        owner = snapshot["task"]?["owner_email"]?.string
    }

    static func cents(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let dollars): return dollars * 100
        case .double(let amount): return Int64((amount * 100).rounded())
        case .string(let text):
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = Int64(parts[0]) else { return nil }
            guard parts.count == 2 else { return whole * 100 }
            guard parts[1].count == 2, let fraction = Int64(parts[1]) else { return nil }
            return whole * 100 + fraction
        default: return nil
        }
    }

    static func normalized(_ name: String) -> String {
        name.lowercased().split(separator: " ").joined(separator: " ")
    }

    static func domain(_ email: String) -> Substring {
        email.split(separator: "@").last ?? ""
    }

    static func isCompany(_ email: String) -> Bool {
        let domain = domain(email).lowercased()
        return domain == "example.com" || domain.hasSuffix(".example.com")
    }

    static func isValidDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...12).contains(month), day >= 1
        else { return false }
        let date = CivilTime.date(days: CivilTime.days(year: year, month: month, day: day))
        return date.month == month && date.day == day
    }

    // MARK: The benchmark rules, by hand

    var blockedVendor: Bool {
        guard let vendor else { return false }
        return SnapshotGenerator.blockedVendors.map(Self.normalized).contains(Self.normalized(vendor))
    }
    func atLeast(_ dollars: Int64) -> Bool { cents.map { $0 >= dollars * 100 } ?? false }
    var engineeringOver100k: Bool {
        ["engineering", "it"].contains(department ?? "") && (cents.map { $0 > 100_000_00 } ?? false)
    }
    var contractFileMissing: Bool { !hasContractFile }
    var insuranceMissing: Bool { atLeast(100_000) && !hasInsuranceCertificate }
    var longAutoRenewal: Bool { autoRenew == true && (termMonths ?? 0) > 24 }
    var noActiveApprovers: Bool { active.isEmpty }
    var approverOutsideCompany: Bool { !(active + next).allSatisfy(Self.isCompany) }
    var ownerIsApprover: Bool { owner.map(active.contains) ?? false }
    var beforeCutoff: Bool { effectiveDate.map { Self.isValidDate($0) && $0 < "2024-01-01" } ?? false }
    var smallContractApprove: Bool { (cents.map { $0 < 50_000_00 } ?? false) && hasContractFile }

    /// What `most_restrictive` should recommend.
    var recommendation: String {
        guard cents != nil, vendor != nil else { return "hold" }  // safe recommendation
        if blockedVendor { return "reject" }
        if atLeast(250_000) || longAutoRenewal || noActiveApprovers || ownerIsApprover { return "hold" }
        if let date = effectiveDate, !Self.isValidDate(date) || beforeCutoff { return "hold" }
        if contractFileMissing || insuranceMissing { return "request_changes" }
        return smallContractApprove ? "approve" : "hold"
    }
}

let facts = corpus.map(Facts.init)

func count(_ predicate: (Facts) -> Bool) -> Int {
    facts.filter(predicate).count
}

// MARK: - Edge cases

@Test func contractValuesComeInEverySpelling() {
    #expect(count { $0.contractValue?.integer != nil } > 400)
    #expect(count { if case .double? = $0.contractValue { return true } else { return false } } > 150)
    #expect(count { $0.contractValue?.string.map { Facts.cents(.string($0)) != nil } ?? false } > 40)
    #expect(count { $0.contractValue != nil && $0.cents == nil } >= 3)
}

@Test func contractValuesHitEachThresholdExactly() {
    for dollars: Int64 in [50_000, 250_000, 1_000_000] {
        let exact = count { $0.cents == dollars * 100 }
        #expect((3...40).contains(exact), "\(dollars): \(exact)")
    }
    #expect(
        count { $0.contractValue == "50000.00" || $0.contractValue == "250000.00" || $0.contractValue == "1000000.00" }
            >= 1)
    #expect(count { $0.cents == 49_999_99 || $0.cents == 50_000_01 } >= 1)
}

@Test func contractFileIsSometimesMissing() {
    let nullValue = count { $0.contractFileVariable?["value"] == .null }
    let unlisted = count { ($0.contractFileVariable?["value"]?.string != nil) && !$0.hasContractFile }
    #expect((5...60).contains(nullValue), "\(nullValue)")
    #expect((5...60).contains(unlisted), "\(unlisted)")
}

@Test func approverListsAreSometimesEmpty() {
    #expect((5...60).contains(count(\.noActiveApprovers)))
    #expect(count { $0.next.isEmpty } > 200)
}

@Test func approversIncludeSubdomainsAndLookAlikeDomains() {
    let all = facts.flatMap { $0.active + $0.next }
    #expect(all.contains { Facts.domain($0).hasSuffix(".example.com") })
    for lookAlike in ["example.com.evil.test", "examp1e.com", "example.co"] {
        #expect(all.contains { Facts.domain($0) == lookAlike }, "\(lookAlike)")
    }
    #expect((10...60).contains(count(\.approverOutsideCompany)))
}

@Test func blockedVendorsAppearInOtherCasesAndSpacing() {
    let blocked = facts.filter(\.blockedVendor).compactMap(\.vendor)
    #expect((10...60).contains(blocked.count))
    let listed = Set(SnapshotGenerator.blockedVendors)
    #expect(blocked.contains { listed.contains($0) })
    #expect(blocked.contains { $0 == $0.uppercased() })
    #expect(blocked.contains { $0.hasPrefix(" ") && $0.contains("  ") })
}

@Test func effectiveDatesSitOnTheCutoff() {
    #expect(count { $0.effectiveDate == "2024-01-01" } >= 5)
    #expect(count { $0.effectiveDate == "2023-12-31" } >= 2)
    #expect(count(\.beforeCutoff) >= 10)
    #expect(count { $0.effectiveDate.map { !Facts.isValidDate($0) } ?? false } >= 1)
}

@Test func someOwnersAreActiveApprovers() {
    #expect((10...60).contains(count(\.ownerIsApprover)))
    #expect((300...450).contains(count { $0.owner != nil }))
}

@Test func vendorSometimesOnlyInStepRunVariables() {
    #expect((50...150).contains(count(\.vendorOnlyInStepRun)))
}

@Test func taskFileListingsSometimesHaveMoreThanTen() {
    #expect(corpus.contains { ($0["task_files"]?["total_files"]?.integer ?? 0) > 10 })
}

// MARK: - The benchmark rules

@Test func everyBenchmarkRuleFiresOnSomeSnapshots() {
    let rules: [(String, (Facts) -> Bool)] = [
        ("blocked-vendor", \.blockedVendor), ("value-tier-director", { $0.atLeast(50_000) }),
        ("value-tier-cfo", { $0.atLeast(250_000) }), ("value-tier-ceo", { $0.atLeast(1_000_000) }),
        ("engineering-over-100k", \.engineeringOver100k), ("contract-file-missing", \.contractFileMissing),
        ("insurance-missing-over-100k", \.insuranceMissing), ("long-auto-renewal", \.longAutoRenewal),
        ("no-active-approvers", \.noActiveApprovers), ("approver-outside-company", \.approverOutsideCompany),
        ("owner-is-approver", \.ownerIsApprover), ("effective-before-cutoff", \.beforeCutoff),
        ("small-contract-approve", \.smallContractApprove),
    ]
    for (id, fires) in rules {
        let hits = count(fires)
        #expect(hits >= 10 && hits < 700, "\(id) fires on \(hits) of 1000")
    }
}

@Test func recommendationsAreMixedAndMostlyApprovals() {
    var tally: [String: Int] = [:]
    for fact in facts { tally[fact.recommendation, default: 0] += 1 }
    #expect((350...600).contains(tally["approve"] ?? 0), "\(tally)")
    #expect((200...500).contains(tally["hold"] ?? 0), "\(tally)")
    #expect((30...200).contains(tally["request_changes"] ?? 0), "\(tally)")
    #expect((10...60).contains(tally["reject"] ?? 0), "\(tally)")
}

@Test func ordinaryVendorsNeverCollideWithTheBlocklist() {
    let blocked = Set(SnapshotGenerator.blockedVendors.map(Facts.normalized))
    #expect(blocked.count == 50)
    #expect(Prebuilt.vendors.allSatisfy { !blocked.contains(Facts.normalized($0.name)) })
}

/// The benchmark rule file spells the blocklist the way the generator does.
@Test func benchmarkRulesBlockTheSameVendors() throws {
    let root = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
    let rules = try JSONParser(options: .ruleFile).parse(contentsOf: root + "/Benchmarks/rules/benchmark.rules.json")
    #expect(rules["lists"]?["blocked_vendors"] == .array(SnapshotGenerator.blockedVendors.map(JSONValue.string)))
    let ids = try #require(rules["rules"]?.array).compactMap { $0["id"]?.string }
    #expect(ids.count == 13)
    #expect(Set(ids).count == ids.count)
}
