import ApprovalJSON

/// Catalogue inputs too large to commit, built at test time from a name in `expectations.json`.
enum GeneratedInput {
    /// The bytes of the generated input `name` for an entry of `kind`.
    static func bytes(named name: String, kind: CatalogueEntry.Kind) throws -> [UInt8] {
        switch (kind, name) {
        case (.snapshot, "depth-100000"), (.rules, "depth-100000"):
            return Array(repeating: UInt8(ascii: "["), count: 100_000)
                + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        case (.snapshot, "blocked-vendor-5mb-name"):
            let name = "Blackridge" + String(repeating: " ", count: 5_000_000) + "Offshore Ltd"
            return JSONWriter.compact.bytes(try baseline().settingVariable("vendor_name", to: .string(name)))
        case (.snapshot, "contract-value-5mb-string"):
            let value = String(repeating: "9", count: 5_000_000) + "x"
            return JSONWriter.compact.bytes(try baseline().settingVariable("contract_value", to: .string(value)))
        case (.snapshot, "snapshot-9mb"):
            guard case .object(var root) = try baseline() else { throw GenerationError(name: name) }
            root["padding"] = .string(String(repeating: "a", count: 9_000_000))
            return JSONWriter.compact.bytes(.object(root))
        case (.rules, "rules-20000"):
            return JSONWriter.compact.bytes(
                ruleDocument(
                    rules: (0..<20_000).map { index in
                        [
                            "id": .string("rule-\(index)"),
                            "when": ["==": [["var": "task_id"], .integer(Int64(index))]], "recommend": "hold",
                        ]
                    }))
        case (.rules, "rules-5mib"):
            guard case .object(var document) = ruleDocument(rules: [smallRule]) else {
                throw GenerationError(name: name)
            }
            document["description"] = .string(String(repeating: "d", count: 5 << 20))
            return JSONWriter.compact.bytes(.object(document))
        case (.rules, "string-2mib"):
            let literal = JSONValue.string(String(repeating: "s", count: 2 << 20))
            return JSONWriter.compact.bytes(
                ruleDocument(rules: [
                    ["id": "long", "when": ["==": [["var": "variables.vendor_name"], literal]], "recommend": "hold"]
                ]))
        case (.rules, "nodes-25000"):
            // 1 + 6,250 × 4 nodes (`==`, `var`, its path, the literal) = 25,001 nodes.
            let comparisons: [JSONValue] = (0..<6_250).map { ["==": [["var": "task_id"], .integer(Int64($0))]] }
            return JSONWriter.compact.bytes(
                ruleDocument(rules: [["id": "many", "when": ["or": .array(comparisons)], "recommend": "hold"]]))
        default:
            throw GenerationError(name: name)
        }
    }

    /// The clean snapshot the catalogue's snapshot entries start from.
    static func baseline() throws -> JSONValue {
        try JSONParser().parse(contentsOf: Paths.catalogue + "/snapshots/clean-baseline.json")
    }

    private static let smallRule: JSONValue = [
        "id": "small", "when": ["money<": [["var": "variables.contract_value"], 50000]], "recommend": "approve",
    ]

    private static func ruleDocument(rules: [JSONValue]) -> JSONValue {
        [
            "name": "catalogue", "strategy": "most_restrictive", "default_recommendation": "hold",
            "safe_recommendation": "hold", "rules": .array(rules),
        ]
    }

    struct GenerationError: Error, CustomStringConvertible {
        let name: String
        var description: String { "no generator for catalogue input \"\(name)\"" }
    }
}

extension JSONValue {
    /// This snapshot with the `value` of variable `id` in `variables_to_approve` replaced.
    func settingVariable(_ id: String, to value: JSONValue) -> JSONValue {
        guard case .object(var root) = self, case .array(var entries)? = root["variables_to_approve"] else {
            return self
        }
        for index in entries.indices where entries[index]["variable_id"]?.string == id {
            guard case .object(var entry) = entries[index] else { continue }
            entry["value"] = value
            entries[index] = .object(entry)
        }
        root["variables_to_approve"] = .array(entries)
        return .object(root)
    }
}
