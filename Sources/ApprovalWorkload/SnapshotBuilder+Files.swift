import ApprovalJSON

// MARK: - Attachments

extension SnapshotBuilder {
    /// The files of a snapshot's response and the `file` variables that point at them (some
    /// pointing at nothing, as edge cases).
    struct Attachments {
        /// The `files` entries.
        var files: [JSONValue] = []
        /// The `file` variables, for `variables_to_approve`.
        var variables: [JSONValue] = []
        /// The number the next file id takes (ids grow by a random step).
        var fileNumber: Int
    }

    /// The response's files and their variables: the contract, the insurance certificate, and
    /// a few others, all signed the same way.
    mutating func makeAttachments(taskID: Int64, signedAt: Int, vendor: Vendor, dollars: Int?) -> Attachments {
        var attachments = Attachments(fileNumber: 100_000 + rng.below(800_000))
        let signing = makeSigning(taskID: taskID, signedAt: signedAt)
        attachContractFile(to: &attachments, vendor: vendor, signing: signing)
        attachInsuranceCertificate(to: &attachments, dollars: dollars, signing: signing)
        attachExtraFiles(to: &attachments, signing: signing)
        return attachments
    }

    /// The `contract_file` variable: usually with its file; now and then without a value, or
    /// naming a file the response does not list.
    private mutating func attachContractFile(to attachments: inout Attachments, vendor: Vendor, signing: Signing) {
        let contractFileID = "document_" + String(attachments.fileNumber)
        attachments.fileNumber += rng.int(1...40)
        switch rng.below(100) {
        case 0..<3:  // variable present, no value, no file
            attachments.variables.append(Prebuilt.contractFileWithoutValue)
        case 3..<6:  // variable names a file that the response does not list
            attachments.variables.append(
                Self.variable("file", .string(contractFileID), "intake_step", "contract_file"))
        default:
            let isWord = rng.chance(15)
            let name =
                vendor.slug + "_" + rng.pick(Vocabulary.contractFileNames) + rng.pick(Vocabulary.versionSuffixes)
                + (isWord ? ".docx" : ".pdf")
            attachments.files.append(
                makeFile(
                    id: contractFileID, name: name, contentType: isWord ? Vocabulary.docx : Vocabulary.pdf,
                    variableID: "contract_file", signing: signing))
            attachments.variables.append(
                Self.variable("file", .string(contractFileID), "intake_step", "contract_file"))
        }
    }

    /// The `insurance_certificate` variable and its file, likelier for contracts of 100,000 or more
    /// (`dollars`); or, now and then, the variable without a value.
    private mutating func attachInsuranceCertificate(
        to attachments: inout Attachments, dollars: Int?, signing: Signing
    ) {
        let insuranceLikely = dollars.map { $0 >= 100_000 } ?? rng.chance(50)
        if rng.chance(insuranceLikely ? 85 : 35) {
            let id = "attachment_" + String(attachments.fileNumber)
            attachments.fileNumber += rng.int(1...40)
            let name = rng.chance(50) ? "certificate_of_insurance_2024.pdf" : "certificate_of_insurance_2025.pdf"
            attachments.files.append(
                makeFile(
                    id: id, name: name, contentType: Vocabulary.pdf, variableID: "insurance_certificate",
                    signing: signing))
            attachments.variables.append(
                Self.variable("file", .string(id), "vendor_onboarding", "insurance_certificate"))
        } else if rng.chance(30) {
            attachments.variables.append(Prebuilt.insuranceCertificateWithoutValue)
        }
    }

    /// Up to two more file variables with their files, taken in turn from
    /// ``Vocabulary/extraFileVariables``.
    private mutating func attachExtraFiles(to attachments: inout Attachments, signing: Signing) {
        let extraCount = rng.weighted([55, 35, 10])
        let firstExtra = rng.below(Vocabulary.extraFileVariables.count)
        for offset in 0..<extraCount {
            let extra = Vocabulary.extraFileVariables[(firstExtra + offset) % Vocabulary.extraFileVariables.count]
            let id = "attachment_" + String(attachments.fileNumber)
            attachments.fileNumber += rng.int(1...40)
            attachments.files.append(
                makeFile(
                    id: id, name: extra.fileName, contentType: Vocabulary.pdf, variableID: extra.id, signing: signing))
            attachments.variables.append(Self.variable("file", .string(id), "intake_step", extra.id))
        }
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

    /// The host, organisation and temporary credentials of this response's presigned URLs.
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

    /// A `files` entry, with its presigned download URL.
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
    mutating func makeTaskFiles(taskID: Int64, files: [JSONValue], createdAt: Int, fileNumber: Int) -> JSONValue {
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

    /// A `task_files.files` entry.
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
