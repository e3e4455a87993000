public import ApprovalJSON

/// A JSON Logic expression compiled once, evaluated against any JSON data.
///
/// This is the expression language of rule conditions on its own, for embedding or testing. It
/// includes the domain operators (dates, money, e-mail domains), but not the rule document's
/// declarations (named lists, currency rates); use ``RuleSet`` for those.
///
/// ```swift
/// let rule = try LogicExpression([">": [["var": "amount"], 1000]])
/// try rule.evaluate(["amount": 5000])  // true
/// ```
public struct LogicExpression: Sendable {
    let node: Node
    let facts: FactTable
    let layout: FactLayout

    /// Compiles `expression`.
    ///
    /// - Throws: ``RuleCompilationError`` listing every problem (unknown operators, arity, ...).
    public init(_ expression: JSONValue) throws {
        var compiler = LogicCompiler()
        node = compiler.compile(expression, at: .root)
        facts = compiler.facts
        layout = FactLayout(facts)
        let errors = compiler.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty { throw RuleCompilationError(diagnostics: compiler.diagnostics) }
    }

    /// Compiles without rejecting: problems become nodes that raise JSON Logic's error at run
    /// time (what the conformance suites expect), and are returned as diagnostics.
    init(lenient expression: JSONValue) {
        var compiler = LogicCompiler()
        node = compiler.compile(expression, at: .root)
        facts = compiler.facts
        layout = FactLayout(facts)
    }

    /// Evaluates against `data`.
    ///
    /// - Parameters:
    ///   - data: what `var` and `val` read.
    ///   - now: the clock for date operators and the `now` variable; `nil` leaves `now` null.
    /// - Returns: the result.
    /// - Throws: ``LogicError`` (JSON Logic's error values: `NaN`, `Invalid Arguments`, thrown values).
    public func evaluate(_ data: JSONValue, now: Timestamp? = nil) throws -> JSONValue {
        let result: Result<JSONValue, LogicError> = EvaluationMemory.with(facts: layout.count) { memory in
            var context = EvaluationContext(
                root: .value(data), layout: layout, prepared: nil, memory: memory,
                budget: Limits.default.evaluationSteps, trace: false, now: now)
            do throws(LogicError) {
                return .success(try node.run(&context))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
