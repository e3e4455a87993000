import ApprovalJSON
import Testing

@testable import ApprovalRules
@testable import ApprovalWorkload

/// Decision tables: what their rows compile to, and whether each analysis finding's example input
/// really shows the finding when evaluated.
@Suite struct DecisionTableTests {
    /// The table fixtures with findings, and the finding each must produce.
    static let findingFixtures: [(file: String, code: String)] = [
        ("diagnostics/table_gap.rules.json", "table_gap"),
        ("diagnostics/table_overlap.rules.json", "table_overlap"),
        ("diagnostics/table_subsumed_row.rules.json", "table_subsumed_row"),
        ("diagnostics/table_conflict.rules.json", "table_conflict"),
        ("tables/gaps-on-two-inputs.rules.json", "table_gap"),
        ("tables/unique-conflict.rules.json", "table_conflict"),
        ("tables/priority-never-wins.rules.json", "table_subsumed_row"),
    ]

    /// Every diagnostic of a document, whether or not it compiles.
    static func diagnostics(of document: JSONValue) -> [RuleDiagnostic] {
        ApprovalRulesTests.diagnostics(compiling: document)
    }

    /// A snapshot holding an example input: variables for `variables.*` keys, a files listing with a
    /// file for each `has_file:<id>` that is `true`.
    static func snapshot(for example: JSONValue) -> ApprovalSnapshot {
        var variables: [JSONValue] = []
        var files: [JSONValue] = []
        for (key, value) in example.object.map({ Array($0.members) }) ?? [] {
            if key.hasPrefix("has_file:") {
                let id = String(key.dropFirst("has_file:".count))
                if value == .bool(true) {
                    files.append(["file_id": .string("file-\(id)"), "variable_id": .string(id), "file_name": "x.pdf"])
                }
            } else if key.hasPrefix("variables.") {
                let type: String
                switch value {
                case .integer, .double: type = "number"
                case .bool: type = "boolean"
                default: type = "text"
                }
                variables.append([
                    "variable_id": .string(String(key.dropFirst("variables.".count))), "variable_type": .string(type),
                    "value": value,
                ])
            }
        }
        return ApprovalSnapshot([
            "task_id": 1, "step_run": ["step_run_id": "sr_1", "status": "pending"],
            "eligible_approvers_active": ["a@example.com"], "next_eligible_approvers": [],
            "variables_to_approve": .array(variables), "files": .array(files),
        ])
    }

    /// The document with each table row as a table of its own (one row: no hit policy, no
    /// findings), so that evaluating tells exactly which rows match an input: the ids of the
    /// original rows (`doa/row-2`) that match.
    static func rowsMatching(_ example: JSONValue, in document: JSONValue) throws -> Set<String> {
        guard case .object(var root) = document, case .array(let tables)? = root["tables"] else { return [] }
        var probes: [JSONValue] = []
        var names: [String: String] = [:]
        for table in tables {
            guard case .object(let object) = table, let id = object["id"]?.string,
                case .array(let rows)? = object["rows"]
            else { continue }
            for (index, row) in rows.enumerated() {
                var probe = object
                probe["id"] = .string("probe-\(probes.count)")
                probe["rows"] = [row]
                probe["hit_policy"] = "unique"
                probe["default"] = nil
                names["probe-\(probes.count)/row-1"] = "\(id)/row-\(index + 1)"
                probes.append(.object(probe))
            }
        }
        root["tables"] = .array(probes)
        let decision = try RuleSet(json: .object(root)).evaluate(snapshot(for: example))
        #expect(decision.dataProblems.isEmpty, "\(decision.dataProblems)")
        return Set(decision.firedRules.compactMap { names[$0.id] })
    }

    @Test(arguments: findingFixtures.map(\.file))
    func eachFindingsExampleReallyShowsIt(_ file: String) throws {
        let document = try RuleFixtures.json(file)
        let code = Self.findingFixtures.first { $0.file == file }!.code
        let findings = Self.diagnostics(of: document).filter { $0.code.description.hasPrefix("table_") }
        #expect(findings.contains { $0.code.description == code }, "\(findings)")
        for finding in findings {
            let example = try #require(finding.example, "\(finding)")
            let matching = try Self.rowsMatching(example, in: document)
            switch finding.code {
            case .tableGap:
                #expect(matching.isEmpty, "\(finding): \(matching.sorted())")
            case .tableOverlap, .tableConflict:
                #expect(finding.rules.count == 2)
                #expect(Set(finding.rules).isSubset(of: matching), "\(finding): \(matching.sorted())")
            case .tableSubsumedRow:
                // It matches, and yet the original table fires another row there.
                let row = try #require(finding.rules.last)
                #expect(matching.contains(row), "\(finding): \(matching.sorted())")
                let decision = try RuleSet(json: document).evaluate(Self.snapshot(for: example))
                let fired = Set(decision.firedRules.map(\.id))
                #expect(!fired.contains(row))
                #expect(Set(finding.rules.dropLast()).isSubset(of: fired), "\(finding): \(fired.sorted())")
            default:
                Issue.record("unexpected finding \(finding)")
            }
        }
    }

    @Test func conflictingRowsReallyRecommendDifferently() throws {
        let document = try RuleFixtures.json("diagnostics/table_conflict.rules.json")
        for finding in Self.diagnostics(of: document) where finding.code == .tableConflict {
            let rows = document["tables"]?[0]?["rows"]?.array ?? []
            let recommendations = finding.rules.map { id in
                rows[Int(id.split(separator: "-").last!)! - 1]["recommend"]
            }
            #expect(Set(recommendations.map { $0?.string ?? "" }).count == 2, "\(finding)")
        }
    }

    @Test func shippedMatrixHasNoFindings() throws {
        let rules = try RuleSet(contentsOf: RuleFixtures.packageRoot + "/rules/doa-matrix.rules.json")
        #expect(rules.warnings.map(\.description) == [])
        #expect(rules.ruleIDs == (1...7).map { "doa/row-\($0)" })
    }

    /// One row per hit policy: what fires for an input two rows match.
    @Test(arguments: [
        ("first", ["t/row-1"]), ("priority", ["t/row-2"]), ("collect", ["t/row-1", "t/row-2"]),
    ])
    func hitPolicyDecidesWhichMatchingRowsFire(_ policy: String, _ expected: [String]) throws {
        let document: JSONValue = [
            "name": "hit-policy",
            "tables": [
                [
                    "id": "t", "hit_policy": .string(policy),
                    "inputs": [["fact": "variables.contract_value", "type": "number"]],
                    "rows": [
                        ["when": ["< 100"], "escalate": ["to": "a@example.com", "message": "a"]],
                        ["when": ["[50, 200)"], "recommend": "hold"],
                        ["when": [">= 200"], "recommend": "approve"],
                    ],
                ]
            ],
        ]
        let rules = try RuleSet(json: document)
        let fired = rules.evaluate(Self.snapshot(for: ["variables.contract_value": 60])).firedRules.map(\.id)
        #expect(fired.sorted() == expected)
        // Where only one row matches, every policy fires it.
        let alone = rules.evaluate(Self.snapshot(for: ["variables.contract_value": 10])).firedRules.map(\.id)
        #expect(alone == ["t/row-1"])
    }

    @Test func defaultFiresWhenNoRowMatchesAndClosesTheGaps() throws {
        var document = try RuleFixtures.json("diagnostics/table_gap.rules.json")
        guard case .object(var root) = document, case .array(var tables)? = root["tables"],
            case .object(var table) = tables[0]
        else { return }
        table["default"] = ["recommend": "reject", "reason": "no authority defined"]
        tables[0] = .object(table)
        root["tables"] = .array(tables)
        document = .object(root)
        let rules = try RuleSet(json: document)
        #expect(rules.warnings.isEmpty)
        let gap = Self.snapshot(for: ["variables.contract_value": 60000, "variables.department": "sales"])
        let decision = rules.evaluate(gap)
        #expect(decision.firedRules.map(\.id) == ["doa/default"])
        #expect(decision.recommendation == .reject)
        let covered = Self.snapshot(for: ["variables.contract_value": 60000, "variables.department": "legal"])
        #expect(rules.evaluate(covered).firedRules.map(\.id) == ["doa/row-2"])
    }

    @Test func missingInputFailsClosedOnceNotOncePerRow() throws {
        let rules = try RuleSet(contentsOf: RuleFixtures.packageRoot + "/rules/doa-matrix.rules.json")
        let decision = rules.evaluate(
            Self.snapshot(for: ["variables.contract_value": 10, "variables.department": "it"]))
        #expect(decision.recommendation == .hold)
        #expect(decision.firedRules.isEmpty)
        #expect(decision.dataProblems.map(\.code.description) == ["missing_fact"])
    }

    /// Malformed tables: each problem with its code and pointer.
    @Test(arguments: [
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "numbr"}], "rows": [{"when": ["-"], "recommend": "hold"}]}"#,
            "invalid_fact_type", "/tables/0/inputs/0/type"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": [{"when": ["[1, 2"], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/rows/0/when/0"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": [{"when": ["-", "-"], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/rows/0/when"
        ),
        (
            #"{"id": "t", "hit_policy": "any", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": [{"when": ["-"], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/hit_policy"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "string"}], "rows": [{"when": [[]], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/rows/0/when/0"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "boolean"}], "rows": [{"when": ["yes"], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/rows/0/when/0"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": [{"when": ["-"]}]}"#,
            "rule_without_action", "/tables/0/rows/0"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": []}"#, "missing_field",
            "/tables/0"
        ),
        (
            #"{"id": "t", "inputs": [{"fact": "variables.x", "type": "number"}], "rows": [{"when": ["-"], "recommend": "hold"}], "hitpolicy": "first"}"#,
            "unknown_field", "/tables/0/hitpolicy"
        ),
        (
            #"{"id": "t", "inputs": [{"has_file": "nda", "type": "file"}], "rows": [{"when": [true], "recommend": "hold"}]}"#,
            "invalid_value", "/tables/0/inputs/0"
        ),
    ])
    func malformedTableIsReportedWhereItIs(_ table: String, _ code: String, _ pointer: String) throws {
        let text = #"{"name": "t", "tables": ["# + table + "]}"
        let document = try JSONParser().parse(Array(text.utf8))
        let found = Self.diagnostics(of: document).map { "\($0.code) \($0.path)" }
        #expect(found.contains("\(code) \(pointer)"), "\(found)")
    }

    @Test func tableRowsAndRulesShareOneIDSpace() throws {
        let document: JSONValue = [
            "name": "ids",
            "rules": [["id": "t/row-1", "when": true, "recommend": "hold"]],
            "tables": [
                [
                    "id": "t", "inputs": [["fact": "variables.x", "type": "number"]],
                    "rows": [["when": ["-"], "recommend": "hold"]],
                ]
            ],
        ]
        let found = Self.diagnostics(of: document).map { "\($0.code) \($0.path)" }
        #expect(found.contains("duplicate_rule_id /tables/0/rows/0"), "\(found)")
    }
}

extension DecisionTableTests {
    @Test func schemaDescribesTablesAsTheCompilerReadsThem() throws {
        let schema = try DocumentationTests.schema()
        let definitions = try #require(schema["$defs"])
        func keys(_ name: String) -> Set<String> { Set(definitions[name]?["properties"]?.object?.keys ?? []) }
        #expect(keys("table") == RuleCompiler.tableFields)
        #expect(keys("tableInput") == RuleCompiler.inputFields)
        #expect(keys("tableRow") == RuleCompiler.rowFields)
        #expect(keys("tableOutput") == RuleCompiler.outputFields)
        let policies = definitions["table"]?["properties"]?["hit_policy"]?["enum"]?.array?.compactMap(\.string)
        #expect(policies == DecisionTable.HitPolicy.allCases.map(\.rawValue))
        let types = definitions["tableInput"]?["properties"]?["type"]?["enum"]?.array?.compactMap(\.string)
        #expect(types == DecisionTable.InputType.allCases.filter { $0 != .file }.map(\.rawValue))
    }
}

extension DecisionTableTests {
    @Test func tableInputsAreCheckedAgainstDeclaredVariables() throws {
        let document: JSONValue = [
            "name": "declared",
            "variables": ["contract_value": "money", "approved": "boolean", "contract_file": "file"],
            "tables": [
                [
                    "id": "t",
                    "inputs": [
                        ["fact": "variables.contract_valu", "type": "money"],
                        ["fact": "variables.approved", "type": "money"],
                        ["has_file": "nda"],
                        ["has_file": "contract_file"],
                    ],
                    "rows": [["when": ["-", "-", "-", "-"], "recommend": "hold"]],
                ]
            ],
        ]
        let found = Self.diagnostics(of: document).filter { $0.severity == .error }.map { "\($0.code) \($0.path)" }
        #expect(
            found == [
                "unknown_variable /tables/0/inputs/0/fact", "type_mismatch /tables/0/inputs/1/type",
                "unknown_variable /tables/0/inputs/2/has_file",
            ])
    }
}

extension DecisionTableTests {
    /// Thousands of rows matching the same inputs would make the analysis quadratic: it stops at
    /// its budget and says so, in well under a second.
    @Test func hugeOverlappingTableHitsTheLimitInsteadOfHanging() throws {
        let rows: [JSONValue] = (0..<8_000).map { _ in ["when": ["-", "-"], "recommend": "hold"] }
        let document: JSONValue = [
            "name": "huge",
            "tables": [
                [
                    "id": "t", "hit_policy": "first",
                    "inputs": [
                        ["fact": "variables.a", "type": "number"], ["fact": "variables.b", "type": "string"],
                    ],
                    "rows": .array(rows),
                ]
            ],
        ]
        let found = Self.diagnostics(of: document).map { "\($0.code) \($0.path)" }
        #expect(found == ["limit_exceeded /tables/0"])
    }
}

/// Random tables against a naive reading of the hit policies: the compiled rows (whose `first`
/// and `priority` conditions only rule out the rows the analysis found overlapping) must fire
/// exactly the rows the definition says, on every input tried, boundary values included.
@Suite struct DecisionTableSemanticsTests {
    /// The workload's seeded generator, so a failure names a seed that reproduces it.
    typealias Generator = SplitMix64

    static let bounds = [0, 100, 250, 1000]
    static let strings = ["legal", "it", "sales"]
    static let recommendations = ["approve", "request_changes", "hold", "reject"]

    /// A cell for an input kind (0 number, 1 string, 2 Boolean), as written and as a test.
    static func cell(_ kind: Int, _ random: inout Generator) -> (JSONValue, (JSONValue) -> Bool) {
        if random.below(4) == 0 { return ("-", { _ in true }) }
        switch kind {
        case 0:
            let low = bounds[random.below(bounds.count)]
            let high = bounds[random.below(bounds.count)]
            switch random.below(4) {
            case 0: return (.string("< \(low)"), { $0.number! < Double(low) })
            case 1: return (.string(">= \(low)"), { $0.number! >= Double(low) })
            case 2: return (.integer(Int64(low)), { $0.number! == Double(low) })
            default:
                let (a, b) = (min(low, high), max(low, high))
                return (.string("[\(a), \(b))"), { Double(a) <= $0.number! && $0.number! < Double(b) })
            }
        case 1:
            let chosen = Array(Set((0...random.below(2)).map { _ in strings[random.below(strings.count)] })).sorted()
            return (.array(chosen.map(JSONValue.string)), { chosen.contains($0.string!) })
        default:
            let wanted = random.below(2) == 0
            return (.bool(wanted), { $0.bool! == wanted })
        }
    }

    static func value(_ kind: Int, _ random: inout Generator) -> JSONValue {
        switch kind {
        case 0:
            let near = bounds[random.below(bounds.count)]
            return .integer(Int64(near + [-1, 0, 0, 1, 37][random.below(5)]))
        case 1: return .string((strings + ["other"])[random.below(strings.count + 1)])
        default: return .bool(random.below(2) == 0)
        }
    }

    @Test(arguments: 0..<8)
    func compiledRowsFireWhatTheHitPolicySays(_ batch: Int) throws {
        let policies = ["first", "priority", "collect", "unique"]
        var checked = 0
        for seed in (batch * 60)..<(batch * 60 + 60) {
            var random = Generator(state: UInt64(seed))
            let policy = policies[seed % policies.count]
            let kinds = (0..<(1 + random.below(3))).map { _ in random.below(3) }
            let inputs: [JSONValue] = kinds.enumerated().map { index, kind in
                ["fact": .string("variables.i\(index)"), "type": .string(["number", "string", "boolean"][kind])]
            }
            var rows: [JSONValue] = []
            var tests: [[(JSONValue) -> Bool]] = []
            var ranks: [Int] = []
            for _ in 0..<(1 + random.below(6)) {
                let cells = kinds.map { Self.cell($0, &random) }
                let rank = random.below(Self.recommendations.count)
                rows.append(["when": .array(cells.map(\.0)), "recommend": .string(Self.recommendations[rank])])
                tests.append(cells.map(\.1))
                ranks.append(rank)
            }
            let hasDefault = random.below(3) == 0
            var table: JSONObject = [
                "id": "t", "hit_policy": .string(policy), "inputs": .array(inputs), "rows": .array(rows),
            ]
            if hasDefault { table["default"] = ["recommend": "hold"] }
            let document: JSONValue = ["name": "random", "tables": [.object(table)]]
            guard let rules = try? RuleSet(json: document) else { continue }  // unique/collect overlaps
            for _ in 0..<30 {
                let values = kinds.map { Self.value($0, &random) }
                var example = JSONObject()
                for (index, value) in values.enumerated() { example["variables.i\(index)"] = value }
                let matching = tests.indices.filter { row in
                    tests[row].indices.allSatisfy { tests[row][$0](values[$0]) }
                }
                var expected: [Int]
                switch policy {
                case "first": expected = Array(matching.prefix(1))
                case "priority":
                    expected = matching.max { (ranks[$0], -$0) < (ranks[$1], -$1) }.map { [$0] } ?? []
                default: expected = matching
                }
                var ids = expected.map { "t/row-\($0 + 1)" }
                if ids.isEmpty && hasDefault { ids = ["t/default"] }
                let decision = rules.evaluate(DecisionTableTests.snapshot(for: .object(example)))
                #expect(
                    decision.firedRules.map(\.id).sorted() == ids.sorted(),
                    "seed \(seed), \(policy), input \(values), rows \(rows)")
                checked += 1
            }
        }
        #expect(checked > 600)
    }
}
