import ApprovalJSON

/// Finds threshold tiers that can never fire or that overlap: rules whose whole condition is an
/// interval on one fact (`{">=": [{"var": "variables.contract_value"}, 50000]}`, the
/// `{"and": [{">=": ...}, {"<": ...}]}` form, or the three-argument `<`/`<=` forms).
enum TierAnalysis {
    struct Interval: Equatable {
        var lower: Double = -.infinity
        var lowerClosed = false
        var upper: Double = .infinity
        var upperClosed = false

        var isEmpty: Bool {
            lower > upper || (lower == upper && !(lowerClosed && upperClosed))
        }

        var isBounded: Bool { lower > -.infinity && upper < .infinity }

        func contains(_ other: Interval) -> Bool {
            let lowerOK = lower < other.lower || (lower == other.lower && (lowerClosed || !other.lowerClosed))
            let upperOK = upper > other.upper || (upper == other.upper && (upperClosed || !other.upperClosed))
            return lowerOK && upperOK
        }

        /// The values in both intervals (possibly empty).
        func intersection(_ other: Interval) -> Interval {
            var both = self
            if other.lower > both.lower || (other.lower == both.lower && !other.lowerClosed) {
                both.lower = other.lower
                both.lowerClosed = other.lowerClosed
            }
            if other.upper < both.upper || (other.upper == both.upper && !other.upperClosed) {
                both.upper = other.upper
                both.upperClosed = other.upperClosed
            }
            return both
        }

        func intersects(_ other: Interval) -> Bool { !intersection(other).isEmpty }

        var text: String {
            let low = lower == -.infinity ? "(-∞" : "\(lowerClosed ? "[" : "(")\(TraceText.plain(.double(lower)))"
            let high = upper == .infinity ? "∞)" : "\(TraceText.plain(.double(upper)))\(upperClosed ? "]" : ")")"
            return "\(low), \(high)"
        }
    }

    static func check(_ rules: [CompiledRule], rulesValue: [JSONValue], strategy: CombiningStrategy) -> [RuleDiagnostic]
    {
        var diagnostics: [RuleDiagnostic] = []
        var earlier: [(rule: CompiledRule, fact: String, interval: Interval)] = []
        for rule in rules {
            guard let when = rulesValue[rule.index]["when"], let (fact, interval) = self.interval(when) else {
                continue
            }
            let path = rule.path.appending("when")
            if interval.isEmpty {
                diagnostics.append(
                    RuleDiagnostic(
                        code: .unreachableTier,
                        message: "condition on \(fact) can never be true (empty range \(interval.text))",
                        path: path, ruleID: rule.id))
                continue
            }
            for other in earlier where other.fact == fact {
                // An earlier rule with `requires` may be skipped, so it shadows nothing for sure.
                if strategy == .firstMatch, other.rule.recommendation != nil, other.rule.requires.isEmpty,
                    other.interval.contains(interval)
                {
                    diagnostics.append(
                        RuleDiagnostic(
                            code: .unreachableTier,
                            message:
                                "tier \(interval.text) on \(fact) is never reached: rule \"\(other.rule.id)\" (\(other.interval.text)) matches first",
                            path: path, ruleID: rule.id))
                    break
                }
                if interval.isBounded, other.interval.isBounded, interval.intersects(other.interval),
                    rule.recommendation != other.rule.recommendation
                {
                    diagnostics.append(
                        RuleDiagnostic(
                            code: .overlappingTier,
                            message:
                                "tier \(interval.text) on \(fact) overlaps rule \"\(other.rule.id)\" (\(other.interval.text))",
                            path: path, ruleID: rule.id))
                }
            }
            earlier.append((rule, fact, interval))
        }
        return diagnostics
    }

    /// The interval a condition tests, when it is only that.
    static func interval(_ condition: JSONValue) -> (String, Interval)? {
        guard case .object(let object) = condition, object.count == 1 else { return nil }
        let op = object.keys[0]
        guard case .array(let args) = object.values[0] else { return nil }
        if op == "and" {
            var result: (String, Interval)?
            for arg in args {
                guard let (fact, part) = interval(arg) else { return nil }
                if let (existing, current) = result {
                    guard existing == fact else { return nil }
                    result = (fact, current.intersection(part))
                } else {
                    result = (fact, part)
                }
            }
            return result
        }
        let base = op.hasPrefix("money") ? String(op.dropFirst(5)) : op
        guard [">", ">=", "<", "<="].contains(base) else { return nil }
        func fact(_ value: JSONValue) -> String? {
            guard case .object(let inner) = value, inner.count == 1, inner.keys[0] == "var" else { return nil }
            return inner.values[0].string ?? inner.values[0][0]?.string
        }
        func number(_ value: JSONValue) -> Double? {
            value.number ?? value.string.flatMap { DecimalNumber(text: $0)?.doubleValue }
        }
        var interval = Interval()
        if args.count == 3, base == "<" || base == "<=", let low = number(args[0]), let name = fact(args[1]),
            let high = number(args[2])
        {
            interval.lower = low
            interval.upper = high
            interval.lowerClosed = base == "<="
            interval.upperClosed = base == "<="
            return (name, interval)
        }
        guard args.count == 2 else { return nil }
        if let name = fact(args[0]), let bound = number(args[1]) {
            switch base {
            case ">": (interval.lower, interval.lowerClosed) = (bound, false)
            case ">=": (interval.lower, interval.lowerClosed) = (bound, true)
            case "<": (interval.upper, interval.upperClosed) = (bound, false)
            default: (interval.upper, interval.upperClosed) = (bound, true)
            }
            return (name, interval)
        }
        if let bound = number(args[0]), let name = fact(args[1]) {
            switch base {
            case ">": (interval.upper, interval.upperClosed) = (bound, false)
            case ">=": (interval.upper, interval.upperClosed) = (bound, true)
            case "<": (interval.lower, interval.lowerClosed) = (bound, false)
            default: (interval.lower, interval.lowerClosed) = (bound, true)
            }
            return (name, interval)
        }
        return nil
    }
}
