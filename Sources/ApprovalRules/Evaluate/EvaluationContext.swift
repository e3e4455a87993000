import ApprovalJSON

/// The mutable state of one evaluation: data, iterator scopes, step budget, trace, and the facts
/// it reads. Created per evaluation and passed `inout`, so compiled rule sets stay immutable and
/// shareable; not copyable, so that nothing it holds is copied by accident.
///
/// # Reading data
///
/// There is one way to read each kind of data, and it is here:
/// - **A root fact** (a `var` of a literal path, a required fact, a template's placeholder): the
///   compiler numbered it (``FactTable``), and the evaluation's ``FactBlock`` holds its value and
///   its readings as an amount and a date, looked up once: ``subscript(_:)`` reads it in place.
/// - **Inside an iterator** the same `var` reads the current element instead:
///   ``Node/withValue(_:_:)`` decides which, and operators read their operands through it.
/// - **Any other path** (computed, or from an outer scope): ``lookup(_:levelsUp:)``, from the
///   current scope or the root.
/// - **The current scope's data** (`{"var": ""}`): ``current`` and ``withCurrent(_:)``.
struct EvaluationContext: ~Copyable {
    /// The data `var`/`val` read when no iterator is active.
    var root: DataRoot
    /// Values of enclosing iterators (`map`, `filter`, `reduce`, ...), innermost last.
    var scopes = ScopeStack()
    /// Steps left (each iteration of an iterator costs one); at zero evaluation stops with
    /// ``LogicError/budgetExceeded``.
    var budget: Int
    /// Collects explanation events when a trace was asked for.
    var trace: TraceRecorder?
    /// The evaluation's clock, when one was given (never the wall clock).
    var now: Timestamp?
    /// The entries `near_list` found in the rule being evaluated, by list name, for the
    /// `{{near_list.<list>}}` placeholders of its messages (emptied before each rule).
    var nearMatches: [(list: String, entry: String)] = []
    /// The root facts the evaluated expressions read, by slot.
    private let facts: UnsafePointer<FactBlock.Entry>
    private let layout: FactLayout
    /// The block ``facts`` is in, when the context did not lay them out itself.
    private let block: FactBlock?

    /// A context with its facts in a block of its own and its scopes on the heap (tests; constant
    /// folding, which evaluates only nodes that read no data, with an empty table).
    init(
        root: DataRoot, facts: FactTable = FactTable(), declarations: Declarations = .none,
        budget: Int = Limits.default.evaluationSteps, trace: Bool = false, now: Timestamp? = nil
    ) {
        let layout = facts.count == 0 ? FactLayout.empty : FactLayout(facts, declarations: declarations)
        let block = FactBlock(layout, root: root, now: now)
        self.init(root: root, layout: layout, block: block, entries: block.entries, trace: trace, now: now)
        self.budget = budget
    }

    /// A context reading the facts of `layout` from `prepared` (laid out for them and this clock:
    /// ``FactBlock/usable(_:for:now:)``), else laying them out in `memory` (from
    /// ``EvaluationMemory/with(facts:_:)`` with `layout.count` entries); its first scopes in
    /// `memory` too.
    init(
        root: DataRoot, layout: FactLayout, prepared: FactBlock?, memory: EvaluationMemory, budget: Int,
        trace: Bool, now: Timestamp?
    ) {
        if let prepared {
            precondition(prepared.isLaidOut(for: layout, now: now), "a block laid out for other rules or another clock")
            self.init(root: root, layout: layout, block: prepared, entries: prepared.entries, trace: trace, now: now)
        } else {
            FactBlock.layOut(layout, root: root, now: now, into: memory.facts)
            self.init(root: root, layout: layout, block: nil, entries: memory.facts, trace: trace, now: now)
        }
        self.budget = budget
        scopes = ScopeStack(inline: memory.scopes)
    }

    private init(
        root: DataRoot, layout: FactLayout, block: FactBlock?, entries: UnsafePointer<FactBlock.Entry>, trace: Bool,
        now: Timestamp?
    ) {
        self.root = root
        self.layout = layout
        self.block = block
        self.facts = entries
        self.budget = 0
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
    }

    deinit {
        // Entries the context laid out itself are its to deinitialize (the memory is its caller's).
        if block == nil { FactBlock.deinitialize(UnsafeMutablePointer(mutating: facts), count: layout.count) }
    }

    /// Takes `count` steps from the budget.
    @inline(__always)
    mutating func spend(_ count: Int = 1) throws(LogicError) {
        budget -= count
        if budget < 0 { throw .budgetExceeded }
    }

    /// The current scope's data (the innermost iterator value, or the root), copied.
    var current: JSONValue {
        scopes.last?.pointee ?? root.wholeValue
    }

    /// Calls `body` with the current scope's data read in place (the whole root is built for the
    /// asking, outside iterators).
    @inline(__always)
    func withCurrent<Result, Failure: Error>(
        _ body: (borrowing JSONValue) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let scope = scopes.last { return try body(scope.pointee) }
        return try body(root.wholeValue)
    }

    /// A root fact, whatever the scopes, read in place: valid until the evaluation ends.
    @inline(__always)
    subscript(fact: FactTable.Fact) -> UnsafePointer<FactBlock.Entry> { facts + fact.slot }

    /// Whether a root fact is absent or `null`.
    func isMissing(_ fact: FactTable.Fact) -> Bool {
        let entry = facts + fact.slot
        return !entry.pointee.isPresent || entry.pointee.value.isNull
    }

    /// Whether a root fact is an amount (``Money/amount(_:)``).
    func isAmount(_ fact: FactTable.Fact) -> Bool {
        let entry = facts + fact.slot
        guard entry.pointee.parsed.contains(.amount) else { return Money.amount(entry.pointee.value) != nil }
        switch entry.pointee.reading {
        case .money, .unconvertible: return true
        case .neither, .date: return false
        }
    }

    /// A root fact as a date-time (a string in ISO 8601), when it is one.
    func date(_ fact: FactTable.Fact) -> Timestamp? {
        let entry = facts + fact.slot
        if case .date(let date) = entry.pointee.reading { return date }
        return entry.pointee.parsed.contains(.date) ? nil : FactBlock.Entry.date(entry.pointee.value)
    }

    /// A root fact as an amount in the base currency of the rules' declarations
    /// (``Money/base(_:_:)``).
    ///
    /// - Throws: `NaN` when the value is no amount, `Unknown Currency` when its currency has no
    ///   rate.
    func money(_ fact: FactTable.Fact) throws(LogicError) -> DecimalNumber {
        let entry = facts + fact.slot
        if case .money(let base) = entry.pointee.reading { return base }
        return try Money.base(entry.pointee.value, layout.declarations)  // raises why
    }

    /// How a root fact fares against the type a rule set requires of it.
    enum FactCheck { case accepted, missing, wrongType }

    /// Checks a root fact against `type`: present, not `null`, and of the type (through its
    /// readings, for money and dates).
    func check(_ fact: FactTable.Fact, _ type: FactType) -> FactCheck {
        guard !isMissing(fact) else { return .missing }
        switch type {
        case .money: return isAmount(fact) ? .accepted : .wrongType
        case .date, .datetime:
            guard date(fact) != nil else { return .wrongType }
            return type.acceptsDate(self[fact].pointee.value, parsed: true) ? .accepted : .wrongType
        default: return type.accepts(self[fact].pointee.value) ? .accepted : .wrongType
        }
    }

    /// The path of a root fact.
    func path(_ fact: FactTable.Fact) -> FactPath { layout.paths[fact.slot] }

    /// Reads `fact` from the current scope: the root fact, or the same path in the iterator value.
    func lookup(_ fact: FactTable.Fact) -> JSONValue? {
        if let scope = scopes.last { return scope.pointee.lookup(path(fact).steps[...]) }
        let entry = facts + fact.slot
        guard entry.pointee.isPresent else { return nil }  // not `? value : nil`: that `nil` is JSON `null`
        return entry.pointee.value
    }

    /// Reads `path` from `levels` scopes up (0 is the current one; past the outermost, the root,
    /// with its views; on a snapshot, `now` is the clock).
    func lookup(_ path: FactPath, levelsUp levels: Int = 0) -> JSONValue? {
        let index = scopes.count - 1 - levels
        if index >= 0 { return scopes[index].pointee.lookup(path.steps[...]) }
        return root.lookup(path, clock: now)
    }

    /// Runs `body` with `value` (kept alive by the caller for the call) as the innermost scope.
    @inline(__always)
    mutating func withScope<Result>(
        _ value: UnsafePointer<JSONValue>, _ body: (inout EvaluationContext) throws(LogicError) -> Result
    ) throws(LogicError) -> Result {
        scopes.push(value)
        defer { scopes.pop() }
        return try body(&self)
    }

    /// Notes the entry of `list` a `near_list` test found (the latest test of a list wins).
    mutating func noteNearMatch(list: String, entry: String) {
        nearMatches.removeAll { $0.list == list }
        nearMatches.append((list, entry))
    }

    /// The entry of `list` the rule's `near_list` test found, if one did.
    func nearMatch(list: String) -> String? {
        nearMatches.last { $0.list == list }?.entry
    }

    /// Records a trace event when tracing (a no-op otherwise): neither `text` nor `negation` (how
    /// the opposite test reads, for a `!` around this one) is built unless it is.
    @inline(__always)
    mutating func record(
        _ path: JSONPointer, _ text: @autoclosure () -> String, _ result: JSONValue,
        negation: @autoclosure () -> String? = nil
    ) {
        if trace != nil {
            trace?.events.append(TraceEvent(path: path, text: text(), result: result, negation: negation()))
        }
    }
}
