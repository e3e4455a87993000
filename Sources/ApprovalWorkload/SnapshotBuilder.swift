import ApprovalJSON

/// Assembles one snapshot from its own random stream. Every decision about content and edge
/// cases is made here, in one pass, in a fixed order (the order of draws is part of the output
/// format: reordering them changes every snapshot of every seed).
///
/// Speed matters even in debug builds, where tests generate 100,000 snapshots: objects are
/// filled in from templates, values that come from short lists are prebuilt and shared, and
/// strings are assembled from bytes rather than through interpolation.
struct SnapshotBuilder {
    /// The snapshot's random stream. (Internal, not private, so that the steps in
    /// `SnapshotBuilder+Files.swift` draw from it too.)
    var rng: SplitMix64
    private let index: Int

    init(seed: UInt64, index: Int) {
        self.rng = SplitMix64(seed: seed, index: index)
        self.index = index
    }

    // MARK: - Whole snapshot

    /// The snapshot. Each step below draws from ``rng`` in turn, in the order they are called.
    mutating func build() -> JSONValue {
        let header = makeHeader()
        let facts = makeFacts()
        let approvers = makeApprovers()

        // Who owns the task, with the separation-of-duties edge case.
        let ownerIsApprover = !approvers.active.isEmpty && rng.chance(3)
        let includeTask = ownerIsApprover || rng.chance(35)
        let includeTaskFiles = rng.chance(25)

        let attachments = makeAttachments(
            taskID: header.taskID, signedAt: header.fetchedAt, vendor: facts.vendor, dollars: facts.dollars)
        let toApprove = Self.variablesToApprove(facts, fileVariables: attachments.variables)
        let requester = rng.below(Prebuilt.people.count)
        let intake = makeIntake(facts, requester: requester)

        let stepRunID = JSONValue.string("sr_" + hex(12))
        var snapshot = Template.snapshot
        snapshot["task_id"] = .integer(header.taskID)
        snapshot["step_run"] = Self.stepRun(
            stepRunID, header.step.id, header.step.name, "approval", "pending", .array(intake))
        snapshot["eligible_approvers_active"] = .array(approvers.active)
        snapshot["next_eligible_approvers"] = .array(approvers.next)
        snapshot["variables_to_approve"] = .array(toApprove)
        snapshot["files"] = .array(attachments.files)

        if includeTask {
            let owner = chooseOwner(
                requester: requester, ownerIsApprover: ownerIsApprover, active: approvers.active,
                taskID: header.taskID)
            snapshot["task"] = makeTask(
                header, stepRunID: stepRunID, owner: owner, vendor: facts.vendor, active: approvers.active,
                variables: intake + toApprove)
        }

        if includeTaskFiles {
            snapshot["task_files"] = makeTaskFiles(
                taskID: header.taskID, files: attachments.files, createdAt: header.createdAt,
                fileNumber: attachments.fileNumber)
        }
        return .object(snapshot)
    }

    /// Which task, at which step, and when: what the rest of a snapshot is dated and named by.
    private struct Header {
        let taskID: Int64
        /// When the snapshot was read (seconds since 1970).
        let fetchedAt: Int
        /// When the task was created, days before ``fetchedAt``.
        let createdAt: Int
        /// The approval step the task waits at.
        let step: (id: String, name: String)
    }

    /// The task id (from ``index``), the clock, and the step.
    private mutating func makeHeader() -> Header {
        let taskID = Int64(SnapshotGenerator.firstTaskID) + Int64(index)
        let fetchedAt = CivilTime.seconds(year: 2025, month: 5, day: 20) + rng.below(12 * 86_400)
        let createdAt = fetchedAt - 86_400 * rng.int(2...60) - rng.below(86_400)
        let step = rng.pick(Vocabulary.approvalSteps)
        return Header(taskID: taskID, fetchedAt: fetchedAt, createdAt: createdAt, step: step)
    }

    /// The facts the rules read, as drawn (indices into the prebuilt lists where there is one).
    private struct Facts {
        let vendor: Vendor
        /// Whether the vendor variable is only in the step run's variables.
        let vendorOnlyInStepRun: Bool
        let contractValue: JSONValue
        /// The contract value in whole dollars, when it has one.
        let dollars: Int?
        /// Index into ``Vocabulary/departments``.
        let department: Int
        /// Index into ``Prebuilt/termMonths``.
        let termMonths: Int
        let autoRenew: Bool
        let effectiveDate: JSONValue
        /// Index into ``Prebuilt/paymentTerms``, when the snapshot has payment terms.
        let paymentTerms: Int?
        /// The `reviewer_email` variable.
        let reviewer: JSONValue
    }

    /// The facts the rules read, edge cases included.
    private mutating func makeFacts() -> Facts {
        let vendor = makeVendor()
        let vendorOnlyInStepRun = rng.chance(10)
        let (contractValue, dollars) = makeContractValue()
        let department = rng.weighted(Vocabulary.departmentWeights)
        let termMonths = rng.weighted(Vocabulary.termWeights)
        let autoRenew = rng.chance(30)
        let effectiveDate = makeEffectiveDate()
        let paymentTerms: Int? = rng.chance(40) ? rng.below(Vocabulary.paymentTerms.count) : nil
        let reviewer =
            rng.chance(5)
            ? Self.variable("email", makeOutsider(), "legal_review", "reviewer_email") : rng.pick(Prebuilt.reviewers)
        return Facts(
            vendor: vendor, vendorOnlyInStepRun: vendorOnlyInStepRun, contractValue: contractValue, dollars: dollars,
            department: department, termMonths: termMonths, autoRenew: autoRenew, effectiveDate: effectiveDate,
            paymentTerms: paymentTerms, reviewer: reviewer)
    }

    /// The eligible approvers: active now, and next.
    private struct Approvers {
        var active: [JSONValue]
        var next: [JSONValue]
    }

    /// The approvers, with the look-alike domain edge case.
    private mutating func makeApprovers() -> Approvers {
        var taken: [Int] = []
        var active = makePeople(count: rng.weighted([3, 30, 35, 20, 8, 4]), taken: &taken)
        var next = rng.chance(45) ? [] : makePeople(count: rng.weighted([40, 30, 15, 10, 5]) + 1, taken: &taken)
        if rng.chance(3) {
            let outsider = makeOutsider()
            if !active.isEmpty && (next.isEmpty || rng.chance(60)) {
                active[rng.below(active.count)] = outsider
            } else if next.isEmpty {
                next.append(outsider)
            } else {
                next[rng.below(next.count)] = outsider
            }
        }
        return Approvers(active: active, next: next)
    }

    /// The variables under review, in form order (no draws).
    private static func variablesToApprove(_ facts: Facts, fileVariables: [JSONValue]) -> [JSONValue] {
        var toApprove: [JSONValue] = []
        toApprove.reserveCapacity(12)
        if !facts.vendorOnlyInStepRun { toApprove.append(facts.vendor.variable) }
        toApprove.append(Self.variable("number", facts.contractValue, "intake_step", "contract_value"))
        toApprove.append(Prebuilt.departments[facts.department])
        toApprove.append(Prebuilt.termMonths[facts.termMonths])
        toApprove.append(facts.autoRenew ? Prebuilt.autoRenewOn : Prebuilt.autoRenewOff)
        toApprove.append(facts.effectiveDate)
        if let paymentTerms = facts.paymentTerms { toApprove.append(Prebuilt.paymentTerms[paymentTerms]) }
        toApprove.append(facts.reviewer)
        toApprove.append(contentsOf: fileVariables)
        return toApprove
    }

    /// The context the approval step carries from intake, `requester` (an index into
    /// ``Prebuilt/people``) among it.
    private mutating func makeIntake(_ facts: Facts, requester: Int) -> [JSONValue] {
        var intake: [JSONValue] = []
        intake.reserveCapacity(5)
        if facts.vendorOnlyInStepRun { intake.append(facts.vendor.variable) }
        intake.append(
            Self.variable(
                "text",
                .string(makeSummary(vendor: facts.vendor.name, department: Vocabulary.departments[facts.department])),
                "intake_step", "request_summary"))
        intake.append(Prebuilt.requesters[requester])
        intake.append(rng.pick(Prebuilt.costCenters))
        intake.append(rng.pick(Prebuilt.priorities))
        return intake
    }

    // MARK: - Task

    /// The task's owner: one of the `active` approvers when `ownerIsApprover`, else the requester,
    /// or someone else when the requester is an active approver.
    private mutating func chooseOwner(requester: Int, ownerIsApprover: Bool, active: [JSONValue], taskID: Int64)
        -> JSONValue
    {
        var owner = Prebuilt.people[requester]
        if ownerIsApprover {
            owner = rng.pick(active)
        } else {
            for _ in 0..<8 where active.contains(owner) { owner = rng.pick(Prebuilt.people) }
            if active.contains(owner) { owner = .string("requester." + String(taskID) + "@example.com") }
        }
        return owner
    }

    /// The `GET /tasks/{id}` body: the task owned by `owner`, with its collaborators, its intake
    /// and approval step runs, and all its `variables`.
    private mutating func makeTask(
        _ header: Header, stepRunID: JSONValue, owner: JSONValue, vendor: Vendor, active: [JSONValue],
        variables: [JSONValue]
    ) -> JSONValue {
        let taskID = header.taskID
        var collaborators: [JSONValue] = []
        for _ in 0..<rng.weighted([40, 35, 20, 5]) { collaborators.append(rng.pick(Prebuilt.people)) }
        let allVariables = JSONValue.array(variables)
        let intakeRun = Self.stepRun(
            .string("sr_" + hex(12)), "intake_step", "Contract Intake", "intake", "completed", allVariables)
        let approvalRun = Self.stepRun(stepRunID, header.step.id, header.step.name, "approval", "pending", .array([]))

        var task = Template.task
        task["task_id"] = .integer(taskID)
        task["task_url"] = .string("https://app.example.com/workflows/tasks/" + String(taskID))
        task["task_title"] = .string("Vendor Contract Review - " + vendor.name)
        task["workflow_version"] = .integer(Int64(rng.int(1...4)))
        task["workflow_state_id"] = .string("ws_" + hex(12))
        task["current_step_id"] = .string(header.step.id)
        task["current_step_name"] = .string(header.step.name)
        task["created_at"] = .string(CivilTime.timestampString(seconds: header.createdAt))
        task["updated_at"] = .string(CivilTime.timestampString(seconds: header.fetchedAt - rng.below(86_400)))
        task["owner_email"] = owner
        task["assignee_email"] = active.first ?? owner
        task["collaborator_emails"] = .array(collaborators)
        task["step_runs"] = .array([intakeRun, approvalRun])
        task["variables"] = allVariables
        return .object(task)
    }

    // MARK: - Facts

    /// A vendor: usually an ordinary one; in 3 % of snapshots one from the blocklist, not always
    /// spelled the way the list spells it.
    private mutating func makeVendor() -> Vendor {
        guard rng.chance(3) else { return rng.pick(Prebuilt.vendors) }
        let listed = rng.pick(Vocabulary.blockedVendors)
        let name: String
        switch rng.below(4) {
        case 0: name = listed
        case 1: name = listed.uppercased()
        case 2: name = listed.lowercased()
        default: name = "  " + listed.split(separator: " ").joined(separator: "  ") + " "
        }
        return Vendor(name: name)
    }

    /// The contract value as the API sends it (an integer, a real with cents, or a numeric
    /// string), with its whole-dollar amount when it has one.
    private mutating func makeContractValue() -> (JSONValue, Int?) {
        let roll = rng.below(1000)
        if roll < 45 {
            // Exactly on a tier threshold, in any of the three spellings.
            let dollars = [50_000, 250_000, 1_000_000][roll / 15]
            return (Self.spell(cents: dollars * 100, as: rng.below(3)), dollars)
        }
        if roll < 55 {
            // One cent either side of a threshold (only a real or a string can say that).
            let cents = rng.pick([4_999_999, 5_000_001, 24_999_999, 25_000_001, 99_999_999])
            return (Self.spell(cents: cents, as: 1 + rng.below(2)), cents / 100)
        }
        if roll < 65 {
            // Not a usable amount: the required fact is missing or malformed.
            return ([JSONValue.null, "TBD", "", "n/a"][rng.below(4)], nil)
        }
        let tier = rng.weighted([62, 22, 11, 5])
        let range = [500...49_999, 50_000...249_999, 250_000...999_999, 1_000_000...4_000_000][tier]
        var dollars = rng.int(range)
        let spelling = rng.weighted([60, 30, 10])
        if spelling == 0 && dollars >= 10_000 && rng.chance(50) {
            dollars = max(range.lowerBound, dollars / 100 * 100)
        }
        let cents = spelling == 0 ? dollars * 100 : dollars * 100 + rng.below(100)
        return (Self.spell(cents: cents, as: spelling), dollars)
    }

    /// 0: integer dollars, 1: real with two decimals, 2: string `"dddd.cc"`.
    static func spell(cents: Int, as spelling: Int) -> JSONValue {
        switch spelling {
        case 0: return .integer(Int64(cents / 100))
        case 1: return .double(Double(cents) / 100)
        default:
            var digits: [UInt8] = []
            CivilTime.appendDigits(cents / 100, width: 1, to: &digits)
            digits.append(UInt8(ascii: "."))
            CivilTime.appendDigits(cents % 100, width: 2, to: &digits)
            return .string(String(decoding: digits, as: UTF8.self))
        }
    }

    /// The `effective_date` variable: mostly after the 2024-01-01 cut-off; on purpose before it,
    /// exactly on it, the day before it, or not a valid date at all.
    private mutating func makeEffectiveDate() -> JSONValue {
        let cutoff = Prebuilt.cutoffOffset
        switch rng.below(1000) {
        case 0..<25: return Prebuilt.effectiveDates[rng.below(cutoff - 1)]
        case 25..<45: return Prebuilt.effectiveDates[cutoff]
        case 45..<55: return Prebuilt.effectiveDates[cutoff - 1]
        case 55..<60: return rng.pick(Prebuilt.invalidEffectiveDates)
        default: return Prebuilt.effectiveDates[cutoff + 1 + rng.below(Prebuilt.effectiveDates.count - cutoff - 1)]
        }
    }

    // MARK: - People

    /// Someone outside the company, usually behind a domain that looks like the company's.
    private mutating func makeOutsider() -> JSONValue {
        let domain = rng.chance(80) ? rng.pick(Vocabulary.lookAlikeDomains) : rng.pick(Vocabulary.externalDomains)
        return .string(rng.pick(Vocabulary.firstNames) + "." + rng.pick(Vocabulary.lastNames) + "@" + domain)
    }

    /// `count` distinct people (e-mail strings), none of them already in `taken`.
    private mutating func makePeople(count: Int, taken: inout [Int]) -> [JSONValue] {
        var people: [JSONValue] = []
        people.reserveCapacity(count)
        while people.count < count {
            let person = rng.below(Prebuilt.people.count)
            if !taken.contains(person) {
                taken.append(person)
                people.append(Prebuilt.people[person])
            }
        }
        return people
    }

    // MARK: - Text

    private mutating func makeSummary(vendor: String, department: String) -> String {
        rng.pick(Vocabulary.summaryVerbs) + " " + rng.pick(Vocabulary.services) + " with " + vendor + " for the "
            + department + " team. " + rng.pick(Vocabulary.requestReasons)
    }

    /// `count` lowercase hexadecimal digits.
    private mutating func hex(_ count: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        appendHex(count, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func appendHex(_ count: Int, to bytes: inout [UInt8]) {
        var bits = rng.next()
        for position in 0..<count {
            if position > 0 && position % 16 == 0 { bits = rng.next() }
            bytes.append(Prebuilt.hexDigits[Int(bits & 0xF)])
            bits >>= 4
        }
    }

    // MARK: - Objects

    static func variable(_ type: String, _ value: JSONValue, _ stepID: String, _ id: String) -> JSONValue {
        var object = Template.variable
        object["variable_type"] = .string(type)
        object["value"] = value
        object["step_id"] = .string(stepID)
        object["variable_id"] = .string(id)
        return .object(object)
    }

    /// A step run object.
    private static func stepRun(
        _ id: JSONValue, _ stepID: String, _ name: String, _ type: String, _ status: String, _ variables: JSONValue
    ) -> JSONValue {
        var run = Template.stepRun
        run["step_run_id"] = id
        run["step_id"] = .string(stepID)
        run["step_name"] = .string(name)
        run["step_type"] = .string(type)
        run["status"] = .string(status)
        run["variables"] = variables
        return .object(run)
    }
}
