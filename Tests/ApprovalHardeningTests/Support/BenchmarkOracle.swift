import ApprovalJSON

/// A second, deliberately plain reading of `Benchmarks/rules/benchmark.rules.json`: one `if` per
/// rule, written from the rule file's text and the snapshot format, reading the snapshot's
/// `JSONValue` directly. It shares no code with the engine (no compiler, no JSON Logic, no
/// `ApprovalSnapshot`, no `DecimalNumber`); only the blocklist is read from the rule file.
///
/// What the rule file means, as implemented here:
/// - required facts: `contract_value` must be an amount, `vendor_name` a string; a rule whose
///   condition reads a failed required fact does not run;
/// - the variables the rules read must hold values of their declared type (the engine's data
///   checks); `requires` facts must be present and typed, or their rule does not run;
/// - `has_file` is true when a listed file belongs to the variable; otherwise it is an error
///   when there is no listing or the task files listing is incomplete (`total_files` > listed);
/// - a rule that approves on a fact it read but found absent does not approve;
/// - any data problem or rule error makes the decision at least `hold`;
/// - recommendations combine most-restrictively (approve < request_changes < hold < reject),
///   `hold` when none.
struct BenchmarkOracle: Sendable {
    /// What the oracle decides: the recommendation and the fired rule ids, in rule-file order.
    struct Outcome: Sendable, Equatable, CustomStringConvertible {
        var recommendation: String
        var fired: [String]
        var description: String { "\(recommendation) \(fired)" }
    }

    private let blockedVendors: Set<String>

    /// Reads the blocklist from the rule document.
    init(ruleDocument: JSONValue) {
        let names = ruleDocument["lists"]?["blocked_vendors"]?.array?.compactMap(\.string) ?? []
        blockedVendors = Set(names.map(Self.normalizedName))
    }

    // MARK: - The rules

    func decide(_ snapshot: JSONValue) -> Outcome {
        var problems = 0
        var fired: [String] = []
        var recommendations: [String] = []
        func fire(_ id: String, _ recommendation: String? = nil) {
            fired.append(id)
            if let recommendation { recommendations.append(recommendation) }
        }

        let variables = Self.variables(of: snapshot)
        func variable(_ id: String, in snapshot: JSONValue) -> Variable? { variables[id] }

        // Data checks on every variable the rule file reads.
        for id in [
            "vendor_name", "contract_value", "department", "term_months", "auto_renew", "effective_date",
            "contract_file", "insurance_certificate",
        ] {
            if let variable = variable(id, in: snapshot), !variable.fitsItsType { problems += 1 }
        }
        // Required facts.
        let vendor = variable("vendor_name", in: snapshot)?.value.string
        let amount = variable("contract_value", in: snapshot).flatMap { Self.amount($0.value) }
        if vendor == nil { problems += 1 }
        if amount == nil { problems += 1 }
        let files = FileListing(snapshot)

        // blocked-vendor
        if let vendor, blockedVendors.contains(Self.normalizedName(vendor)) { fire("blocked-vendor", "reject") }
        // value-tier-director, value-tier-cfo, value-tier-ceo
        if let amount {
            if amount >= Self.dollars(50_000) { fire("value-tier-director") }
            if amount >= Self.dollars(250_000) { fire("value-tier-cfo", "hold") }
            if amount >= Self.dollars(1_000_000) { fire("value-tier-ceo", "hold") }
        }
        // engineering-over-100k
        if let amount {
            let department = variable("department", in: snapshot)?.value.string
            if department == "engineering" || department == "it", amount > Self.dollars(100_000) {
                fire("engineering-over-100k")
            }
        }
        // contract-file-missing
        switch files.has("contract_file") {
        case nil: problems += 1
        case false?: fire("contract-file-missing", "request_changes")
        case true?: break
        }
        // insurance-missing-over-100k
        if let amount, amount >= Self.dollars(100_000) {
            switch files.has("insurance_certificate") {
            case nil: problems += 1
            case false?: fire("insurance-missing-over-100k", "request_changes")
            case true?: break
            }
        }
        // long-auto-renewal (requires auto_renew: boolean, term_months: number)
        let autoRenew = variable("auto_renew", in: snapshot)?.value.bool
        let termMonths = variable("term_months", in: snapshot)?.value.number
        if let autoRenew, let termMonths {
            if autoRenew && termMonths > 24 { fire("long-auto-renewal", "hold") }
        } else {
            problems += 1
        }
        // no-active-approvers
        let active = snapshot["eligible_approvers_active"]?.array ?? []
        if active.isEmpty { fire("no-active-approvers", "hold") }
        // approver-outside-company
        let next = snapshot["next_eligible_approvers"]?.array ?? []
        if (active + next).contains(where: { !Self.isCompanyAddress($0) }) { fire("approver-outside-company") }
        // owner-is-approver
        if let owner = snapshot["task"]?["owner_email"]?.string?.lowercased(),
            active.contains(where: { $0.string?.lowercased() == owner })
        {
            fire("owner-is-approver", "hold")
        }
        // effective-before-cutoff (requires effective_date: date)
        if let date = variable("effective_date", in: snapshot)?.value.string, Self.isDate(date) {
            if date < "2024-01-01" { fire("effective-before-cutoff", "hold") }
        } else {
            problems += 1
        }
        // small-contract-approve
        if let amount, amount < Self.dollars(50_000) {
            switch files.has("contract_file") {
            case nil: problems += 1
            case true?:
                // An approval resting on a fact that is absent is no approval: the rule reads
                // contract_file (through has_file) as well as contract_value.
                if (variable("contract_file", in: snapshot)?.value ?? .null).isNull {
                    fire("small-contract-approve")
                    problems += 1
                } else {
                    fire("small-contract-approve", "approve")
                }
            case false?: break
            }
        }

        let order = ["approve", "request_changes", "hold", "reject"]
        var final = recommendations.max { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! } ?? "hold"
        if problems > 0 && order.firstIndex(of: final)! < order.firstIndex(of: "hold")! { final = "hold" }
        return Outcome(recommendation: final, fired: fired)
    }

    // MARK: - Reading the snapshot

    struct Variable {
        var type: String?
        var value: JSONValue

        /// Whether the value suits the declared type (a missing value always does).
        var fitsItsType: Bool {
            guard let type else { return false }
            switch (type, value) {
            case (_, .null): return true
            case ("number", _): return BenchmarkOracle.amount(value) != nil
            case ("boolean", .bool): return true
            case ("date", .string(let text)): return BenchmarkOracle.isDate(text)
            case ("text", .string), ("select", .string), ("file", .string), ("file", .array): return true
            case ("number", _), ("boolean", _), ("date", _), ("text", _), ("select", _), ("file", _): return false
            default: return true
            }
        }
    }

    /// The variables by id: the first entry for an id in `variables_to_approve`, then
    /// `step_run.variables`, then `task.variables`.
    static func variables(of snapshot: JSONValue) -> [String: Variable] {
        var variables: [String: Variable] = [:]
        let listings = [
            snapshot["variables_to_approve"], snapshot["step_run"]?["variables"], snapshot["task"]?["variables"],
        ]
        for listing in listings {
            for entry in listing?.array ?? [] {
                guard let id = entry["variable_id"]?.string, variables[id] == nil else { continue }
                variables[id] = Variable(type: entry["variable_type"]?.string, value: entry["value"] ?? .null)
            }
        }
        return variables
    }

    /// The files of `files` and `task_files.files`, and whether the latter is complete.
    struct FileListing {
        var entries: [JSONValue] = []
        var exists = false
        var incomplete = false

        init(_ snapshot: JSONValue) {
            if let files = snapshot["files"] {
                exists = true
                entries += files.array ?? []
            }
            if let taskFiles = snapshot["task_files"] {
                exists = true
                let listed = taskFiles["files"]?.array ?? []
                entries += listed
                if let total = taskFiles["total_files"]?.integer, total > listed.count { incomplete = true }
            }
        }

        /// True or false, or `nil` when the listing cannot tell.
        func has(_ variableID: String) -> Bool? {
            if entries.contains(where: { $0["variable_id"]?.string == variableID }) { return true }
            return exists && !incomplete ? false : nil
        }
    }

    // MARK: - Values

    /// An amount in millionths of a dollar: an integer, a real, or a plain decimal string
    /// (`"49999.99"`), at most six decimals; anything else is no amount.
    static func amount(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let dollars):
            return dollars.multipliedReportingOverflow(by: 1_000_000).overflow ? nil : dollars * 1_000_000
        case .double(let number): return number.isFinite ? amount(text: number.description) : nil
        case .string(let text): return amount(text: String(text.trimmingCharacters(in: " \t\n\r")))
        default: return nil
        }
    }

    private static func amount(text: String) -> Int64? {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 12,
            whole.allSatisfy(\.isASCIIDigit)
        else { return nil }
        var micros = Int64(whole)! * 1_000_000
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 6, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            micros += Int64(fraction + String(repeating: "0", count: 6 - fraction.count))!
        }
        return negative ? -micros : micros
    }

    static func dollars(_ amount: Int64) -> Int64 { amount * 1_000_000 }

    /// `YYYY-MM-DD`, a day that exists.
    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        guard digits.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else { return false }
        let number = { (range: Range<Int>) in range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(month) && day >= 1 && day <= lengths[month - 1]
    }

    /// A string `local@domain` with exactly one `@`, a local part free of spaces and control
    /// characters, and a domain (any case) that is `example.com` or ends in `.example.com`, made
    /// of non-empty labels of letters, digits and inner hyphens.
    static func isCompanyAddress(_ value: JSONValue) -> Bool {
        guard let text = value.string else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty,
            parts[0].unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { return false }
        let domain = parts[1].lowercased()
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed = labels.allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0.value > 0x7F
                }
        }
        return wellFormed && (domain == "example.com" || domain.hasSuffix(".example.com"))
    }

    /// Lower case, runs of white space as one space, trimmed.
    static func normalizedName(_ name: String) -> String {
        name.lowercased().unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map {
            String(String.UnicodeScalarView($0))
        }
        .joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> Substring {
        var text = self
        while let first = text.unicodeScalars.first, characters.unicodeScalars.contains(first) {
            text = text.dropFirst()
        }
        while let last = text.unicodeScalars.last, characters.unicodeScalars.contains(last) { text = text.dropLast() }
        return text
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> Substring {
        Substring(self).trimmingCharacters(in: characters)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
