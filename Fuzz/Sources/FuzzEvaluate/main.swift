// libFuzzer target: random well-formed rules on random snapshots.
// The input bytes drive a small grammar of rules (comparisons, money, dates, domains, lists,
// files, iterators, logic) and a generated snapshot with random damage (missing or wrong-typed
// variables, variables not an array, incomplete file listings).
// Invariants: generated rules compile; evaluation never crashes or hangs; the same input gives
// the same decision; the projection fast path, and its block read back (the dry-run cache),
// give the same decision as the full parse; the direct JSON writer writes what the decision's
// JSONValue does; a decision with data problems is never weaker than the safe recommendation.
import ApprovalJSON
import ApprovalRules
import ApprovalWorkload

#if canImport(Glibc)
    import Glibc
#endif

/// Reads choices from the fuzzer's bytes (zeros once they run out).
struct Choices {
    let bytes: [UInt8]
    var at = 0

    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return at < bytes.count ? bytes[at] : 0
    }

    mutating func pick<T>(_ options: [T]) -> T { options[Int(byte()) % options.count] }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(byte()) % (range.count) }
}

let facts: [JSONValue] = [
    ["var": "variables.contract_value"], ["var": "variables.vendor_name"], ["var": "variables.term_months"],
    ["var": "variables.auto_renew"], ["var": "variables.effective_date"], ["var": "variables.department"],
    ["var": "variables.missing_one"], ["var": "task_id"], ["var": "now"], ["var": ["variables.term_months", 12]],
]
let constants: [JSONValue] = [
    0, 1, 50000, 250000, "50000.00", 12.5, "Acme", "", nil, true, false, "2024-01-01", [1, 2],
]

func operand(_ c: inout Choices, _ depth: Int) -> JSONValue {
    switch c.int(0...3) {
    case 0: return c.pick(facts)
    case 1: return c.pick(constants)
    case 2 where depth < 3:
        return [
            c.pick(["+", "-", "*", "/", "%", "max", "min", "cat"]): [operand(&c, depth + 1), operand(&c, depth + 1)]
        ]
    default: return c.pick(facts)
    }
}

func condition(_ c: inout Choices, _ depth: Int) -> JSONValue {
    let kind = depth > 3 ? c.int(0...1) : c.int(0...13)
    switch kind {
    case 0:
        return [
            c.pick(["==", "!=", "===", "!==", "<", "<=", ">", ">="]): [operand(&c, depth + 1), operand(&c, depth + 1)]
        ]
    case 1:
        return [
            c.pick(["money>", "money>=", "money<", "money<=", "money=="]): [
                ["var": "variables.contract_value"], c.pick([50000, 250000, "1000000.00", 0]),
            ]
        ]
    case 2: return [c.pick(["and", "or"]): .array((0..<c.int(1...3)).map { _ in condition(&c, depth + 1) })]
    case 3: return ["!": [condition(&c, depth + 1)]]
    case 4: return ["if": [condition(&c, depth + 1), condition(&c, depth + 1), condition(&c, depth + 1)]]
    case 5: return ["has_file": .string(c.pick(["contract_file", "insurance_certificate", "nope"]))]
    case 6: return ["domain_ends_with": [["var": "variables.reviewer_email"], "example.com"]]
    case 7:
        return [
            "in_list": [
                ["var": "variables.vendor_name"], .string(c.pick(["blocked", "blocked_text", "blocked_exact"])),
            ]
        ]
    case 13:
        return [
            "near_list": [
                ["var": "variables.vendor_name"], .string(c.pick(["blocked", "blocked_text"])),
                .integer(Int64(c.int(0...3))),
            ]
        ]
    case 8:
        return [
            c.pick(["before", "after", "on_or_before", "on_or_after", "same_day"]): [
                ["var": "variables.effective_date"], c.pick(["2024-01-01", "2025-06-01T00:00:00Z"]),
            ]
        ]
    case 9:
        return [
            c.pick(["some", "all", "none"]): [
                ["var": c.pick(["approvers.active", "approvers.all", "approvers.next"])],
                ["!": ["domain_ends_with": [["var": ""], "example.com"]]],
            ]
        ]
    case 10: return [">": [["days_since": [["var": "variables.effective_date"]]], c.pick([0, 30, 365])]]
    case 11:
        return ["missing": [c.pick(["variables.contract_value", "variables.insurance_certificate", "variables.x"])]]
    default: return ["approver_is_owner": []]
    }
}

func ruleDocument(_ c: inout Choices) -> JSONValue {
    var rules: [JSONValue] = []
    for index in 0..<c.int(1...5) {
        var rule = JSONObject()
        rule["id"] = .string("r\(index)")
        rule["when"] = condition(&c, 0)
        if c.int(0...3) > 0 { rule["recommend"] = .string(c.pick(["approve", "request_changes", "hold", "reject"])) }
        if rule["recommend"] == nil || c.int(0...2) == 0 {
            rule["escalate"] = [
                [
                    "to": "cfo@example.com", "severity": .string(c.pick(["low", "high"])),
                    "message": "Value {{variables.contract_value}} from {{variables.vendor_name}}",
                ]
            ]
        }
        if c.int(0...3) == 0 { rule["requires"] = ["variables.term_months": "number"] }
        rules.append(.object(rule))
    }
    var document: JSONObject = [
        "name": "fuzz", "strategy": .string(c.pick(["most_restrictive", "first_match"])),
        "safe_recommendation": .string(c.pick(["hold", "reject", "request_changes"])),
        "default_recommendation": .string(c.pick(["hold", "approve"])),
        "lists": [
            "blocked": ["Evil Corp", "Bad Vendor Ltd", "Blackridge Offshore Limited"],
            "blocked_text": ["match": "text", "values": ["Evil Corp", "Bad Vendor Ltd"]],
            "blocked_exact": ["match": "exact", "values": ["Evil Corp", 7]],
        ],
        "currency": ["base": "USD", "rates": ["EUR": "1.1"]],
        "rules": .array(rules),
    ]
    if c.int(0...1) == 0 { document["required_facts"] = ["variables.contract_value": "money"] }
    return .object(document)
}

func damaged(_ snapshot: JSONValue, _ c: inout Choices) -> JSONValue {
    guard case .object(var object) = snapshot else { return snapshot }
    switch c.int(0...9) {
    case 0: object["variables_to_approve"] = "not an array"
    case 1:
        if case .array(var variables)? = object["variables_to_approve"], !variables.isEmpty {
            variables.remove(at: c.int(0...(variables.count - 1)))
            object["variables_to_approve"] = .array(variables)
        }
    case 2:
        if case .array(var variables)? = object["variables_to_approve"], !variables.isEmpty,
            case .object(var entry) = variables[0]
        {
            entry["value"] = c.pick(["abc", nil, [1], ["amount": "5", "currency": "XYZ"]])
            variables[0] = .object(entry)
            object["variables_to_approve"] = .array(variables)
        }
    case 3: object["task_files"] = ["files": [], "total_files": 3]
    case 4: object["eligible_approvers_active"] = 7
    case 5: object["files"] = nil
    case 6:
        // A disguised or near name: look-alikes, invisible and bidi characters, legal forms.
        if case .array(var variables)? = object["variables_to_approve"], !variables.isEmpty,
            case .object(var entry) = variables[0]
        {
            entry["variable_id"] = "vendor_name"
            entry["variable_type"] = "text"
            let pieces = ["\u{0412}lack", "B1ack", "BLACK", "Black\u{200B}", "Bl\u{0430}ck", "Black\u{202E}"]
            let tails = [
                "ridge Offshore Ltd.", "ridge Ofshore Limited", "ridge\u{3000}Offshore L.T.D.", "ridge Offshore",
                " Corp",
            ]
            entry["value"] = .string(c.pick(pieces) + c.pick(tails))
            variables[0] = .object(entry)
            object["variables_to_approve"] = .array(variables)
        }
    case 7:
        // The same variable twice (the same or another value), or a task stitched from another.
        if case .array(var variables)? = object["variables_to_approve"], !variables.isEmpty,
            case .object(var entry) = variables[0]
        {
            if c.int(0...1) == 0 { entry["value"] = c.pick([0, "900000", nil]) }
            variables.append(.object(entry))
            object["variables_to_approve"] = .array(variables)
        }
        if c.int(0...1) == 0 { object["task"] = ["task_id": c.pick([1, "2", nil]), "owner_email": "o@example.com"] }
    default: break
    }
    return .object(object)
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var choices = Choices(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let document = ruleDocument(&choices)
    var seed: UInt64 = 0
    for _ in 0..<4 { seed = seed << 8 | UInt64(choices.byte()) }
    let snapshotJSON = damaged(SnapshotGenerator.snapshot(seed: seed, index: Int(choices.byte())), &choices)
    let rules: RuleSet
    do {
        rules = try RuleSet(json: document)
    } catch let error as RuleCompilationError {
        // The generator can write tiers that shadow each other; the analysis rightly rejects
        // those. Any other error means generator and compiler disagree on the language.
        guard error.errors.allSatisfy({ $0.code == .unreachableTier }) else {
            fatalError("generated rules did not compile: \(error)\n\(document)")
        }
        return 0
    } catch {
        fatalError("unexpected error: \(error)")
    }
    let options = EvaluationOptions(now: Timestamp(iso8601: "2025-06-01T00:00:00Z"))
    let full = rules.evaluate(ApprovalSnapshot(snapshotJSON), options: options)
    let again = rules.evaluate(ApprovalSnapshot(snapshotJSON), options: options)
    guard full == again else { fatalError("same input, different decisions") }
    let bytes = JSONWriter.compact.bytes(snapshotJSON)
    guard let projected = try? ApprovalSnapshot(parsing: bytes, projection: rules.projection) else {
        fatalError("projection parse failed")
    }
    let fast = rules.evaluate(projected, options: options)
    guard fast.json == full.json else {
        fatalError("fast path differs:\n\(full.json)\n\(fast.json)\nrules: \(document)\nsnapshot: \(snapshotJSON)")
    }
    // The facts laid out ahead for the rules (`RuleSet.prepare`), with and without an explanation.
    let prepared = rules.prepare(projected, options: options)
    guard rules.evaluate(prepared, options: options).json == full.json else {
        fatalError("prepared snapshot differs:\n\(full.json)\nrules: \(document)\nsnapshot: \(snapshotJSON)")
    }
    let explained = EvaluationOptions(now: options.now, explain: true)
    guard
        rules.evaluate(prepared, options: explained).json
            == rules.evaluate(ApprovalSnapshot(snapshotJSON), options: explained).json
    else {
        fatalError("prepared snapshot explains differently:\nrules: \(document)\nsnapshot: \(snapshotJSON)")
    }
    // The cached path of a dry run: the block of the projection, kept and read back.
    guard let (_, block) = try? ApprovalSnapshot.parsingKeepingBlock(bytes, projection: rules.projection),
        let stored = JSONBlock(bytes: block.bytes), let cached = ApprovalSnapshot(block: stored)
    else { fatalError("block path failed") }
    guard rules.evaluate(cached, options: options).json == full.json else {
        fatalError("block path differs:\n\(full.json)\nrules: \(document)\nsnapshot: \(snapshotJSON)")
    }
    // The direct writer of dry-run lines and ledger records writes the bytes the JSONValue does.
    guard full.compactJSON == JSONWriter.compact.bytes(full.json) else {
        fatalError("direct JSON writer differs:\n\(full.json)\n\(String(decoding: full.compactJSON, as: UTF8.self))")
    }
    if !full.dataProblems.isEmpty, full.recommendation < rules.safeRecommendation {
        fatalError("data problems but weaker than the safe recommendation: \(full.json)")
    }
    return 0
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, fuzzOne))
#else
    print("build this target with Fuzz/run.sh (libFuzzer)")
    exit(2)
#endif
