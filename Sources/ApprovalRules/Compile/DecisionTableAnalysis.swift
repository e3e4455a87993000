import ApprovalJSON

/// Walks a decision table's input space and reports what is wrong with it: input combinations no
/// row covers (gaps), rows of a `unique` table that match the same input (overlaps), rows that never
/// win (subsumed), and rows that fire together with different outputs (conflicts). Every finding
/// carries an example input, which a test can evaluate to see the finding happen.
///
/// Each input's domain is cut into regions no cell tells apart: for numbers, every bound any cell
/// names and the open intervals between them; for strings, every string a cell names and "any
/// other"; for Booleans and files, yes and no. A cell then either holds a whole region or none of
/// it, so checking one sample per region is exact. The walk goes input by input, keeping the rows
/// still matching; it stops early where no row is left (a gap, whatever the other inputs) or where
/// the rows left accept anything for the remaining inputs.
///
/// The walk also tells which rows can match the same input as a row that takes precedence over it
/// (``precedence``): a `first` or `priority` row's condition then only needs to rule out those.
struct DecisionTableAnalysis {
    struct Finding {
        var code: RuleDiagnostic.Code
        var message: String
        /// The row the finding is about (0-based), or `nil` for the table as a whole.
        var row: Int?
        /// The rows involved (0-based).
        var rows: [Int]
        /// An input showing the finding: input key (fact path, or `has_file:<id>`) → value.
        var example: JSONValue
    }

    /// A region of one input's domain: a sample value, and how a message describes the region.
    struct Region {
        var sample: DecisionTable.Sample
        var text: String
        /// For a number or amount, the values the region stands for.
        var interval: TierAnalysis.Interval?
    }

    /// The most input combinations one table's analysis visits before giving up.
    static let combinationLimit = 200_000
    /// The most row tests and row pairs one table's analysis makes before giving up (a table of
    /// thousands of rows matching the same inputs would otherwise take quadratic time).
    static let workLimit = 20_000_000
    /// The most findings of one kind reported for one table (the last one says how many more).
    static let findingsPerKind = 10

    private(set) var findings: [Finding] = []
    /// For each row, the rows that take precedence over it and match some input it matches too.
    private(set) var precedence: [Set<Int>]
    /// `false` when the table has more combinations than ``combinationLimit``.
    private(set) var complete = true

    private let table: DecisionTable
    private let regions: [[Region]]
    private var visited = 0
    private var work = 0
    private var won: [Bool]
    /// The first combination each row matched, and the rows that won there.
    private var firstMatch: [(choice: [Int], winners: [Int])?]
    private var pairsSeen: Set<[Int]> = []
    /// The combinations no row matches: a region per input, `nil` where any value is the same.
    private var gaps: [[ClosedRange<Int>?]] = []
    private var counts: [String: Int] = [:]

    init(_ table: DecisionTable) {
        self.table = table
        self.regions = table.inputs.indices.map { Self.regions(of: $0, in: table) }
        self.precedence = Array(repeating: Set<Int>(), count: table.rows.count)
        self.won = Array(repeating: false, count: table.rows.count)
        self.firstMatch = Array(repeating: nil, count: table.rows.count)
        var choice: [Int] = []
        walk(input: 0, candidates: Array(table.rows.indices), choice: &choice)
        guard complete else { return }
        for gap in Self.merged(gaps, numeric: table.inputs.map { $0.type == .money || $0.type == .number }) {
            reportGap(gap)
        }
        for row in table.rows.indices where !won[row] { reportNeverWins(row) }
        for (code, count) in counts.sorted(by: { $0.key < $1.key }) where count > Self.findingsPerKind {
            if let last = findings.lastIndex(where: { $0.code.description == code }) {
                findings[last].message += " (and \(count - Self.findingsPerKind) more like it)"
            }
        }
    }

    // MARK: - The walk

    private mutating func walk(input: Int, candidates: [Int], choice: inout [Int]) {
        guard complete else { return }
        let rest = input..<table.inputs.count
        if candidates.isEmpty || candidates.allSatisfy({ row in rest.allSatisfy { table.rows[row].cells[$0] == .any } })
        {
            visited += 1
            if visited > Self.combinationLimit {
                complete = false
                return
            }
            if candidates.isEmpty {
                if !table.hasDefault {
                    gaps.append(table.inputs.indices.map { $0 < choice.count ? choice[$0]...choice[$0] : nil })
                }
            } else {
                leaf(candidates, choice)
            }
            return
        }
        for (index, region) in regions[input].enumerated() {
            work += candidates.count
            if work > Self.workLimit {
                complete = false
                return
            }
            let next = candidates.filter { table.rows[$0].cells[input].contains(region.sample) }
            choice.append(index)
            walk(input: input + 1, candidates: next, choice: &choice)
            choice.removeLast()
        }
    }

    /// An input combination (some inputs fixed by `choice`, the rest free) that `candidates` match.
    private mutating func leaf(_ candidates: [Int], _ choice: [Int]) {
        let winners: [Int]
        switch table.hitPolicy {
        case .first: winners = [candidates[0]]
        case .priority: winners = [candidates.min { outranks($0, $1) }!]
        case .unique, .collect: winners = candidates
        }
        for row in winners { won[row] = true }
        for row in candidates where firstMatch[row] == nil { firstMatch[row] = (choice, winners) }
        guard candidates.count > 1 else { return }
        work += candidates.count * (candidates.count - 1) / 2
        if work > Self.workLimit {
            complete = false
            return
        }
        for (position, later) in candidates.enumerated() {
            for earlier in candidates[..<position] {
                switch table.hitPolicy {
                case .first:
                    precedence[later].insert(earlier)
                case .priority:
                    let (first, second) = outranks(earlier, later) ? (earlier, later) : (later, earlier)
                    precedence[second].insert(first)
                case .unique:
                    guard pairsSeen.insert([earlier, later]).inserted else { continue }
                    let differ = table.rows[earlier].outputs != table.rows[later].outputs
                    report(
                        differ ? .tableConflict : .tableOverlap,
                        "rows \(earlier + 1) and \(later + 1) of table \"\(table.id)\" both match \(describe(choice))"
                            + (differ ? " and give different outputs" : "")
                            + "; a unique table needs exactly one row per input",
                        row: later, rows: [earlier, later], choice: choice)
                case .collect:
                    // Rows that only escalate agree with anything.
                    guard let first = table.rows[earlier].recommendation,
                        let second = table.rows[later].recommendation, first != second,
                        pairsSeen.insert([earlier, later]).inserted
                    else { continue }
                    report(
                        .tableConflict,
                        "rows \(earlier + 1) and \(later + 1) of table \"\(table.id)\" both fire for \(describe(choice)) and recommend \(first.rawValue) and \(second.rawValue)",
                        row: later, rows: [earlier, later], choice: choice)
                }
            }
        }
    }

    /// Whether row `a` takes precedence over row `b` under the `priority` hit policy: a more
    /// restrictive recommendation (none counts least), then table order.
    private func outranks(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (table.rows[a].recommendation, table.rows[b].recommendation)
        if x != y {
            guard let x else { return false }
            guard let y else { return true }
            return y < x
        }
        return a < b
    }

    // MARK: - Findings

    private mutating func reportGap(_ gap: [ClosedRange<Int>?]) {
        let text = table.inputs.enumerated().map { input, definition in
            guard let range = gap[input] else { return "any \(definition.name)" }
            return "\(definition.name) \(describe(range, of: input))"
        }.joined(separator: ", ")
        report(
            .tableGap, "no row of table \"\(table.id)\" covers \(text); add a row or a \"default\"", row: nil,
            rows: [], choice: gap.map { $0?.lowerBound ?? 0 })
    }

    /// A run of regions of one input: the region's own text, or the interval the run covers.
    private func describe(_ range: ClosedRange<Int>, of input: Int) -> String {
        let run = regions[input][range]
        guard range.count > 1, let first = run.first?.interval, let last = run.last?.interval else {
            return regions[input][range.lowerBound].text
        }
        let text = { (number: Double) in TraceText.plain(.double(number)) }
        switch (first.lower.isFinite, last.upper.isFinite) {
        case (false, false): return "of any amount"
        case (false, true): return "\(last.upperClosed ? "<=" : "<") \(text(last.upper))"
        case (true, false): return "\(first.lowerClosed ? ">=" : ">") \(text(first.lower))"
        case (true, true):
            return
                "in \(first.lowerClosed ? "[" : "(")\(text(first.lower)), \(text(last.upper))\(last.upperClosed ? "]" : ")")"
        }
    }

    /// Gaps side by side on a number line (the same regions of every other input, adjacent
    /// regions of a numeric one) merged into one, so a finding names the whole interval.
    private static func merged(_ gaps: [[ClosedRange<Int>?]], numeric: [Bool]) -> [[ClosedRange<Int>?]] {
        var gaps = gaps
        for input in numeric.indices where numeric[input] {
            var merged: [[ClosedRange<Int>?]] = []
            var position: [[ClosedRange<Int>?]: Int] = [:]  // the others' regions → index in merged
            for gap in gaps {
                var key = gap
                key[input] = nil
                if let at = position[key], let last = merged[at][input], let next = gap[input],
                    last.upperBound + 1 == next.lowerBound
                {
                    merged[at][input] = last.lowerBound...next.upperBound
                } else {
                    position[key] = merged.count
                    merged.append(gap)
                }
            }
            gaps = merged
        }
        return gaps
    }

    private mutating func reportNeverWins(_ row: Int) {
        guard let (choice, winners) = firstMatch[row] else {
            report(
                .tableSubsumedRow, "row \(row + 1) of table \"\(table.id)\" matches no input (an empty interval?)",
                row: row, rows: [row], choice: [])
            return
        }
        let others = winners.map { "row \($0 + 1)" }.joined(separator: ", ")
        let why =
            table.hitPolicy == .first
            ? "an earlier row comes first" : "a row with a more restrictive recommendation takes priority"
        report(
            .tableSubsumedRow,
            "row \(row + 1) of table \"\(table.id)\" never fires: wherever it matches (such as \(describe(choice))), \(why) (\(others) there)",
            row: row, rows: winners + [row], choice: choice)
    }

    private mutating func report(
        _ code: RuleDiagnostic.Code, _ message: String, row: Int?, rows: [Int], choice: [Int]
    ) {
        counts[code.description, default: 0] += 1
        guard counts[code.description]! <= Self.findingsPerKind else { return }
        let example = self.example(choice)
        findings.append(
            Finding(
                code: code, message: message + " (for example \(JSONWriter(sortKeys: true).string(example)))",
                row: row, rows: rows, example: example))
    }

    /// The example input of a combination: each fixed input's sample, the first region's sample for
    /// the free ones (any value does there).
    private func example(_ choice: [Int]) -> JSONValue {
        var object = JSONObject()
        for (input, definition) in table.inputs.enumerated() {
            let region = regions[input][input < choice.count ? choice[input] : 0]
            object[Self.key(definition)] = Self.json(region.sample)
        }
        return .object(object)
    }

    /// `contract value = 250000, department "legal", any contract type`.
    private func describe(_ choice: [Int]) -> String {
        table.inputs.enumerated().map { input, definition in
            guard input < choice.count else { return "any \(definition.name)" }
            return "\(definition.name) \(regions[input][choice[input]].text)"
        }.joined(separator: ", ")
    }

    /// How an example names an input: its fact path, or `has_file:<id>` for a file input.
    static func key(_ input: DecisionTable.Input) -> String {
        input.type == .file ? "has_file:\(input.fact)" : input.fact
    }

    private static func json(_ sample: DecisionTable.Sample) -> JSONValue {
        switch sample {
        case .number(let number): return DecisionTable.json(number)
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        }
    }

    // MARK: - Regions

    private static func regions(of input: Int, in table: DecisionTable) -> [Region] {
        let cells = table.rows.map { $0.cells[input] }
        switch table.inputs[input].type {
        case .money, .number:
            var bounds: Set<Double> = []
            for case .interval(let interval) in cells { bounds.formUnion(interval.finiteBounds) }
            let sorted = bounds.sorted()
            guard let low = sorted.first, let high = sorted.last else {
                return [Region(sample: .number(0), text: "of any amount", interval: TierAnalysis.Interval())]
            }
            func text(_ number: Double) -> String { TraceText.plain(.double(number)) }
            var regions = [
                Region(
                    sample: .number(low - 1), text: "< \(text(low))",
                    interval: TierAnalysis.Interval(upper: low, upperClosed: false))
            ]
            for (index, bound) in sorted.enumerated() {
                regions.append(
                    Region(
                        sample: .number(bound), text: "= \(text(bound))", interval: TierAnalysis.Interval(point: bound))
                )
                if index + 1 < sorted.count {
                    let next = sorted[index + 1]
                    regions.append(
                        Region(
                            sample: .number(bound + (next - bound) / 2), text: "in (\(text(bound)), \(text(next)))",
                            interval: TierAnalysis.Interval(lower: bound, lowerClosed: false, upper: next)))
                }
            }
            regions.append(
                Region(
                    sample: .number(high + 1), text: "> \(text(high))",
                    interval: TierAnalysis.Interval(lower: high, lowerClosed: false)))
            return regions
        case .string:
            var strings: Set<String> = []
            for case .strings(let values) in cells { strings.formUnion(values) }
            var other = "other"
            var suffix = 1
            while strings.contains(other) {
                suffix += 1
                other = "other-\(suffix)"
            }
            return strings.sorted().map { Region(sample: .string($0), text: "\"\($0)\"") }
                + [Region(sample: .string(other), text: "not \(strings.isEmpty ? "set" : "listed") (\"\(other)\")")]
        case .boolean:
            return [Region(sample: .bool(true), text: "true"), Region(sample: .bool(false), text: "false")]
        case .file:
            return [Region(sample: .bool(true), text: "attached"), Region(sample: .bool(false), text: "not attached")]
        }
    }
}
