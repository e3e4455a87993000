import ApprovalJSON

/// Assembles one snapshot from its own random stream. Every decision about content and edge
/// cases is made here, in one pass, in a fixed order (the order of draws is part of the output
/// format: reordering them changes every snapshot of every seed).
///
/// Speed matters even in debug builds, where tests generate 100,000 snapshots: objects are
/// filled in from templates, values that come from short lists are prebuilt and shared, and
/// strings are assembled from bytes rather than through interpolation.
struct SnapshotBuilder {
    private var rng: SplitMix64
    private let index: Int

    init(seed: UInt64, index: Int) {
        self.rng = SplitMix64(seed: seed, index: index)
        self.index = index
    }

    // MARK: - Whole snapshot

    mutating func build() -> JSONValue {
        let taskID = Int64(SnapshotGenerator.firstTaskID) + Int64(index)
        let fetchedAt = CivilTime.seconds(year: 2025, month: 5, day: 20) + rng.below(12 * 86_400)
        let createdAt = fetchedAt - 86_400 * rng.int(2...60) - rng.below(86_400)
        let step = rng.pick(Vocabulary.approvalSteps)

        // Facts the rules read.
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

        // Approvers, with the look-alike domain edge case.
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

        // Who owns the task, with the separation-of-duties edge case.
        let ownerIsApprover = !active.isEmpty && rng.chance(3)
        let includeTask = ownerIsApprover || rng.chance(35)
        let includeTaskFiles = rng.chance(25)

        // Files and the variables that point at them.
        var fileNumber = 100_000 + rng.below(800_000)
        let signing = makeSigning(taskID: taskID, signedAt: fetchedAt)
        var files: [JSONValue] = []
        var fileVariables: [JSONValue] = []

        let contractFileID = "document_" + String(fileNumber)
        fileNumber += rng.int(1...40)
        switch rng.below(100) {
        case 0..<3:  // variable present, no value, no file
            fileVariables.append(Prebuilt.contractFileWithoutValue)
        case 3..<6:  // variable names a file that the response does not list
            fileVariables.append(Self.variable("file", .string(contractFileID), "intake_step", "contract_file"))
        default:
            let isWord = rng.chance(15)
            let name =
                vendor.slug + "_" + rng.pick(Vocabulary.contractFileNames) + rng.pick(Vocabulary.versionSuffixes)
                + (isWord ? ".docx" : ".pdf")
            files.append(
                makeFile(
                    id: contractFileID, name: name, contentType: isWord ? Vocabulary.docx : Vocabulary.pdf,
                    variableID: "contract_file", signing: signing))
            fileVariables.append(Self.variable("file", .string(contractFileID), "intake_step", "contract_file"))
        }

        let insuranceLikely = dollars.map { $0 >= 100_000 } ?? rng.chance(50)
        if rng.chance(insuranceLikely ? 85 : 35) {
            let id = "attachment_" + String(fileNumber)
            fileNumber += rng.int(1...40)
            let name = rng.chance(50) ? "certificate_of_insurance_2024.pdf" : "certificate_of_insurance_2025.pdf"
            files.append(
                makeFile(
                    id: id, name: name, contentType: Vocabulary.pdf, variableID: "insurance_certificate",
                    signing: signing))
            fileVariables.append(Self.variable("file", .string(id), "vendor_onboarding", "insurance_certificate"))
        } else if rng.chance(30) {
            fileVariables.append(Prebuilt.insuranceCertificateWithoutValue)
        }

        let extraCount = rng.weighted([55, 35, 10])
        let firstExtra = rng.below(Vocabulary.extraFileVariables.count)
        for offset in 0..<extraCount {
            let extra = Vocabulary.extraFileVariables[(firstExtra + offset) % Vocabulary.extraFileVariables.count]
            let id = "attachment_" + String(fileNumber)
            fileNumber += rng.int(1...40)
            files.append(
                makeFile(
                    id: id, name: extra.fileName, contentType: Vocabulary.pdf, variableID: extra.id, signing: signing))
            fileVariables.append(Self.variable("file", .string(id), "intake_step", extra.id))
        }

        // The variables under review, in form order.
        var toApprove: [JSONValue] = []
        toApprove.reserveCapacity(12)
        if !vendorOnlyInStepRun { toApprove.append(vendor.variable) }
        toApprove.append(Self.variable("number", contractValue, "intake_step", "contract_value"))
        toApprove.append(Prebuilt.departments[department])
        toApprove.append(Prebuilt.termMonths[termMonths])
        toApprove.append(autoRenew ? Prebuilt.autoRenewOn : Prebuilt.autoRenewOff)
        toApprove.append(effectiveDate)
        if let paymentTerms { toApprove.append(Prebuilt.paymentTerms[paymentTerms]) }
        toApprove.append(reviewer)
        toApprove.append(contentsOf: fileVariables)

        // Context the approval step carries from intake.
        let requester = rng.below(Prebuilt.people.count)
        var intake: [JSONValue] = []
        intake.reserveCapacity(5)
        if vendorOnlyInStepRun { intake.append(vendor.variable) }
        intake.append(
            Self.variable(
                "text", .string(makeSummary(vendor: vendor.name, department: Vocabulary.departments[department])),
                "intake_step", "request_summary"))
        intake.append(Prebuilt.requesters[requester])
        intake.append(rng.pick(Prebuilt.costCenters))
        intake.append(rng.pick(Prebuilt.priorities))

        let stepRunID = JSONValue.string("sr_" + hex(12))
        var snapshot = Template.snapshot
        snapshot["task_id"] = .integer(taskID)
        snapshot["step_run"] = Self.stepRun(stepRunID, step.id, step.name, "approval", "pending", .array(intake))
        snapshot["eligible_approvers_active"] = .array(active)
        snapshot["next_eligible_approvers"] = .array(next)
        snapshot["variables_to_approve"] = .array(toApprove)
        snapshot["files"] = .array(files)

        if includeTask {
            var owner = Prebuilt.people[requester]
            if ownerIsApprover {
                owner = rng.pick(active)
            } else {
                for _ in 0..<8 where active.contains(owner) { owner = rng.pick(Prebuilt.people) }
                if active.contains(owner) { owner = .string("requester." + String(taskID) + "@example.com") }
            }
            var collaborators: [JSONValue] = []
            for _ in 0..<rng.weighted([40, 35, 20, 5]) { collaborators.append(rng.pick(Prebuilt.people)) }
            let allVariables = JSONValue.array(intake + toApprove)
            let intakeRun = Self.stepRun(
                .string("sr_" + hex(12)), "intake_step", "Contract Intake", "intake", "completed", allVariables)
            let approvalRun = Self.stepRun(stepRunID, step.id, step.name, "approval", "pending", .array([]))

            var task = Template.task
            task["task_id"] = .integer(taskID)
            task["task_url"] = .string("https://app.example.com/workflows/tasks/" + String(taskID))
            task["task_title"] = .string("Vendor Contract Review - " + vendor.name)
            task["workflow_version"] = .integer(Int64(rng.int(1...4)))
            task["workflow_state_id"] = .string("ws_" + hex(12))
            task["current_step_id"] = .string(step.id)
            task["current_step_name"] = .string(step.name)
            task["created_at"] = .string(CivilTime.timestampString(seconds: createdAt))
            task["updated_at"] = .string(CivilTime.timestampString(seconds: fetchedAt - rng.below(86_400)))
            task["owner_email"] = owner
            task["assignee_email"] = active.first ?? owner
            task["collaborator_emails"] = .array(collaborators)
            task["step_runs"] = .array([intakeRun, approvalRun])
            task["variables"] = allVariables
            snapshot["task"] = .object(task)
        }

        if includeTaskFiles {
            snapshot["task_files"] = makeTaskFiles(
                taskID: taskID, files: files, createdAt: createdAt, fileNumber: fileNumber)
        }
        return .object(snapshot)
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

    // MARK: - Files

    /// What every presigned URL of one response shares: where the files live and the temporary
    /// credentials they were signed with.
    private struct Signing {
        /// `https://host/org-N/tasks/ID/`
        let prefix: [UInt8]
        /// `?X-Amz-Algorithm=...&X-Amz-Security-Token=...&X-Amz-Signature=`
        let query: [UInt8]
        let expiresAt: JSONValue
    }

    private mutating func makeSigning(taskID: Int64, signedAt: Int) -> Signing {
        let (host, region) = rng.pick(Vocabulary.storageHosts)
        var prefix: [UInt8] = []
        prefix.reserveCapacity(96)
        prefix.append(contentsOf: "https://".utf8)
        prefix.append(contentsOf: host.utf8)
        prefix.append(contentsOf: "/org-".utf8)
        CivilTime.appendDigits(1000 + rng.below(24), width: 4, to: &prefix)
        prefix.append(contentsOf: "/tasks/".utf8)
        CivilTime.appendDigits(Int(taskID), width: 1, to: &prefix)
        prefix.append(UInt8(ascii: "/"))

        var query: [UInt8] = []
        query.reserveCapacity(1100)
        query.append(contentsOf: "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA".utf8)
        appendToken(16, from: Prebuilt.accessKeyPool, to: &query)
        query.append(contentsOf: "%2F".utf8)
        CivilTime.appendDate(days: signedAt / 86_400, separator: false, to: &query)
        query.append(contentsOf: "%2F".utf8)
        query.append(contentsOf: region.utf8)
        query.append(contentsOf: "%2Fs3%2Faws4_request&X-Amz-Date=".utf8)
        CivilTime.appendTimestamp(seconds: signedAt, compact: true, to: &query)
        query.append(
            contentsOf: "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE".utf8)
        appendToken(rng.int(640...960), from: Prebuilt.sessionTokenPool, to: &query)
        query.append(contentsOf: "%3D&X-Amz-Signature=".utf8)
        return Signing(
            prefix: prefix, query: query, expiresAt: .string(CivilTime.timestampString(seconds: signedAt + 3600)))
    }

    /// `count` characters copied from `pool` at a random offset (cheaper than a draw per character).
    private mutating func appendToken(_ count: Int, from pool: [UInt8], to bytes: inout [UInt8]) {
        let start = rng.below(pool.count - count)
        bytes.append(contentsOf: pool[start..<(start + count)])
    }

    private mutating func makeFile(
        id: String, name: String, contentType: String, variableID: String, signing: Signing
    ) -> JSONValue {
        var url = signing.prefix
        url.reserveCapacity(signing.prefix.count + signing.query.count + 128)
        url.append(contentsOf: id.utf8)
        url.append(UInt8(ascii: "/"))
        url.append(contentsOf: name.utf8)
        url.append(contentsOf: signing.query)
        appendToken(64, from: Prebuilt.hexPool, to: &url)

        var file = Template.file
        file["file_id"] = .string(id)
        file["file_name"] = .string(name)
        file["content_type"] = .string(contentType)
        file["download_url"] = .string(String(decoding: url, as: UTF8.self))
        file["expires_at"] = signing.expiresAt
        file["variable_id"] = .string(variableID)
        return .object(file)
    }

    /// The `GET /tasks/{id}/files` body: the response's files, plus files produced by steps (no
    /// variable), now and then more than the listing's limit of 10.
    private mutating func makeTaskFiles(taskID: Int64, files: [JSONValue], createdAt: Int, fileNumber: Int) -> JSONValue
    {
        var listed: [JSONValue] = []
        var uploadedAt = createdAt
        for file in files {
            uploadedAt += rng.int(30...3600)
            listed.append(
                Self.listedFile(
                    file["file_id"] ?? .null, file["file_name"] ?? .null, file["variable_id"] ?? .null,
                    uploadedAt, "intake_step"))
        }
        let generated = rng.chance(5) ? rng.int(8...14) : rng.weighted([50, 35, 15])
        for number in 0..<generated {
            uploadedAt += rng.int(30...7200)
            listed.append(
                Self.listedFile(
                    .string("document_" + String(fileNumber + number)),
                    number == 0 ? "reviewed_contract.pdf" : .string("review_notes_" + String(number) + ".pdf"), .null,
                    uploadedAt, "review_step"))
        }
        var listing = Template.taskFiles
        listing["task_id"] = .integer(taskID)
        listing["files"] = .array(Array(listed.prefix(10)))
        listing["total_files"] = .integer(Int64(listed.count))
        return .object(listing)
    }

    private static func listedFile(
        _ id: JSONValue, _ name: JSONValue, _ variableID: JSONValue, _ createdAt: Int, _ stepID: String
    ) -> JSONValue {
        var file = Template.listedFile
        file["file_id"] = id
        file["file_name"] = name
        file["variable_id"] = variableID
        file["created_at"] = .string(CivilTime.timestampString(seconds: createdAt))
        file["step_id"] = .string(stepID)
        return .object(file)
    }
}
