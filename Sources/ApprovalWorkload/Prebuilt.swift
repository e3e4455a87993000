import ApprovalJSON

/// Values built once per process and shared by every snapshot (copying a `JSONValue` only
/// retains it): variables whose values come from short lists, people, vendors and dates. Each is
/// derived from fixed lists or constant seeds, never from the corpus seed.
enum Prebuilt {
    // MARK: - Variables with few possible values

    static let departments = Vocabulary.departments.map {
        SnapshotBuilder.variable("select", .string($0), "intake_step", "department")
    }
    static let termMonths = Vocabulary.termMonths.map {
        SnapshotBuilder.variable("number", .integer(Int64($0)), "intake_step", "term_months")
    }
    static let autoRenewOn = SnapshotBuilder.variable("boolean", true, "intake_step", "auto_renew")
    static let autoRenewOff = SnapshotBuilder.variable("boolean", false, "intake_step", "auto_renew")
    static let paymentTerms = Vocabulary.paymentTerms.map {
        SnapshotBuilder.variable("select", .string($0), "intake_step", "payment_terms")
    }
    static let priorities = Vocabulary.priorities.map {
        SnapshotBuilder.variable("select", .string($0), "intake_step", "priority")
    }
    static let costCenters = (0..<200).map {
        SnapshotBuilder.variable("text", .string("CC-" + String(1000 + $0 * 37)), "intake_step", "cost_center")
    }
    static let contractFileWithoutValue = SnapshotBuilder.variable("file", .null, "intake_step", "contract_file")
    static let insuranceCertificateWithoutValue = SnapshotBuilder.variable(
        "file", .null, "vendor_onboarding", "insurance_certificate")

    // MARK: - Dates

    /// Day 0 of ``effectiveDates``.
    static let firstEffectiveDay = CivilTime.days(year: 2022, month: 1, day: 1)
    /// The index of the 2024-01-01 cut-off in ``effectiveDates``.
    static let cutoffOffset = CivilTime.days(year: 2024, month: 1, day: 1) - firstEffectiveDay
    /// `effective_date` variables for every day from 2022-01-01 to 2026-06-30.
    static let effectiveDates = (firstEffectiveDay...CivilTime.days(year: 2026, month: 6, day: 30)).map {
        SnapshotBuilder.variable("date", .string(CivilTime.dateString(days: $0)), "intake_step", "effective_date")
    }
    static let invalidEffectiveDates = ["2025-02-30", "31/12/2024", "2025-13-01", "next monday"].map {
        SnapshotBuilder.variable("date", .string($0), "intake_step", "effective_date")
    }

    // MARK: - People

    /// Everyone at the company, one address each: 85 % at example.com, the rest at a subdomain.
    static let people: [JSONValue] = {
        var rng = SplitMix64(state: 0x7065_6F70_6C65)
        var people: [JSONValue] = []
        for first in Vocabulary.firstNames {
            for last in Vocabulary.lastNames {
                let domain = rng.chance(85) ? Vocabulary.companyDomain : rng.pick(Vocabulary.companySubdomains)
                people.append(.string(first + "." + last + "@" + domain))
            }
        }
        return people
    }()
    /// `requester_email` variables, one per person in ``people``.
    static let requesters = people.map { SnapshotBuilder.variable("email", $0, "intake_step", "requester_email") }
    /// `reviewer_email` variables, one per person in ``people``.
    static let reviewers = people.map { SnapshotBuilder.variable("email", $0, "legal_review", "reviewer_email") }

    // MARK: - Vendors

    /// Every ordinary vendor: stem × trade × legal suffix.
    static let vendors: [Vendor] = {
        var vendors: [Vendor] = []
        for stem in Vocabulary.vendorStems {
            for trade in Vocabulary.vendorTrades {
                for suffix in Vocabulary.vendorSuffixes {
                    vendors.append(Vendor(name: stem + " " + trade + " " + suffix))
                }
            }
        }
        return vendors
    }()

    // MARK: - Token text

    static let hexDigits = Array("0123456789abcdef".utf8)
    /// Base64-like text for session tokens.
    static let sessionTokenPool = pool(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", seed: 0x746F_6B65_6E)
    /// Hexadecimal text for signatures.
    static let hexPool = pool("0123456789abcdef", seed: 0x7369_676E)
    /// Base32 text for access key ids.
    static let accessKeyPool = pool("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", seed: 0x6B65_7973)

    private static func pool(_ alphabet: String, seed: UInt64) -> [UInt8] {
        let letters = Array(alphabet.utf8)
        var rng = SplitMix64(state: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16_384)
        for _ in 0..<16_384 { bytes.append(letters[rng.below(letters.count)]) }
        return bytes
    }
}

/// Objects with every member in place (as `null` or a constant), in the API's order. Filling in
/// a copy of a template costs one allocation, where building an object member by member grows
/// two arrays several times.
enum Template {
    static let snapshot = make([
        "task_id", "step_run", "eligible_approvers_active", "next_eligible_approvers", "variables_to_approve", "files",
    ])
    static let stepRun = make(["step_run_id", "step_id", "step_name", "step_type", "status", "variables"])
    static let variable = make(["variable_type", "value", "step_id", "variable_id"])
    static let file = make(["file_id", "file_name", "content_type", "download_url", "expires_at", "variable_id"])
    static let task: JSONObject = {
        var task = make([
            "task_id", "task_url", "task_title", "workflow_id", "workflow_name", "workflow_version",
            "workflow_state_id", "status", "current_step_id", "current_step_name", "current_step_type", "created_at",
            "updated_at", "completed_at", "owner_email", "assignee_email", "collaborator_emails", "step_runs",
            "variables",
        ])
        task["workflow_id"] = "vendor_contract_review"
        task["workflow_name"] = "Vendor Contract Review"
        task["status"] = "in_progress"
        task["current_step_type"] = "approval"
        return task
    }()
    static let taskFiles = make(["task_id", "files", "total_files"])
    static let listedFile = make(["file_id", "file_name", "variable_id", "created_at", "step_id"])

    private static func make(_ keys: [String]) -> JSONObject {
        var object = JSONObject()
        for key in keys { object[key] = .null }
        return object
    }
}
