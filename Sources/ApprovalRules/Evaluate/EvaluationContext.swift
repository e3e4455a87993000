import ApprovalJSON

/// The mutable state of one evaluation: data, iterator scopes, step budget, trace, and what is
/// known of the root facts. Created per evaluation and passed `inout`, so compiled rule sets stay
/// immutable and shareable; not copyable, so that nothing it holds is copied by accident.
///
/// Each numbered fact of the ``FactTable`` has a ``FactSlot`` for the evaluation: its value is
/// looked up once, and its readings as an amount or a date are parsed once, however many
/// conditions, checks and templates quote it. ``EvaluationMemory`` puts the slots (and the first
/// scopes) on the stack of the evaluating call for the usual rule set, so an evaluation allocates
/// nothing to know its facts; a context made without it allocates its slots itself.
///
/// Values are read in place wherever they are kept (``withFact(_:_:)``, ``withCurrent(_:)``):
/// a snapshot keeps what rules read most in its storage, a slot keeps what was computed, and an
/// iterator keeps the array it walks; none of them is copied, so reading a fact costs no
/// reference counting.
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
    /// The paths of the facts the evaluated expressions were compiled with, by slot; the fact table
    /// they come from (owned by the compiled rules being evaluated) keeps them alive.
    private let paths: [Unmanaged<FactPath>]
    private let slotCount: Int
    /// The root, when it is a snapshot (read without unpacking ``root`` each time).
    private let snapshot: ApprovalSnapshot?
    /// The fact slots, by ``FactTable`` slot: memory the context initializes and deinitializes,
    /// allocated by its creator for longer than the context lives, or by the context itself
    /// (``ownsSlots``).
    private let slots: UnsafeMutablePointer<FactSlot>
    private let ownsSlots: Bool

    /// A context with slots of its own, on the heap (tests; constant folding, which evaluates only
    /// nodes that read no data, with an empty table).
    init(
        root: DataRoot, facts: FactTable = FactTable(), budget: Int = Limits.default.evaluationSteps,
        trace: Bool = false, now: Timestamp? = nil
    ) {
        self.init(root: root, facts: facts, slots: nil, budget: budget, trace: trace, now: now)
    }

    /// A context keeping what it learns of `facts` in `memory` (from
    /// ``EvaluationMemory/with(factSlots:_:)`` with `facts.count` slots).
    init(root: DataRoot, facts: FactTable, memory: EvaluationMemory, budget: Int, trace: Bool, now: Timestamp?) {
        self.init(root: root, facts: facts, slots: memory.slots, budget: budget, trace: trace, now: now)
        scopes = ScopeStack(inline: memory.scopes)
    }

    private init(
        root: DataRoot, facts: FactTable, slots: UnsafeMutablePointer<FactSlot>?, budget: Int, trace: Bool,
        now: Timestamp?
    ) {
        self.root = root
        if case .snapshot(let snapshot) = root { self.snapshot = snapshot } else { self.snapshot = nil }
        self.paths = facts.unretainedPaths
        self.slotCount = facts.count
        self.budget = budget
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
        self.slots = slots ?? .allocate(capacity: facts.count)
        self.ownsSlots = slots == nil
        for index in 0..<slotCount { (self.slots + index).initialize(to: FactSlot()) }
    }

    deinit {
        // Only a slot holding a computed value holds references; the others are trivial.
        for index in 0..<slotCount where slots[index].state == .computed { (slots + index).deinitialize(count: 1) }
        if ownsSlots { slots.deallocate() }
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

    /// The slot of `fact`.
    @inline(__always)
    private func slot(_ fact: FactTable.Fact) -> UnsafeMutablePointer<FactSlot> { slots + fact.slot }

    /// The path of a fact of the evaluated expressions' table.
    func path(_ fact: FactTable.Fact) -> FactPath { paths[fact.slot].takeUnretainedValue() }

    /// Where a root fact's value is, looking it up on its first read (`nil` when absent): in the
    /// snapshot's storage or in the slot. Valid until the evaluation ends.
    @inline(__always)
    private func resolve(_ slot: UnsafeMutablePointer<FactSlot>, _ fact: FactTable.Fact) -> UnsafePointer<JSONValue>? {
        switch slot.pointee.state {
        case .stored, .computed: return slot.pointee.pointer
        case .absent: return nil
        case .unread: return resolveFirst(slot, fact)
        }
    }

    private func resolveFirst(_ slot: UnsafeMutablePointer<FactSlot>, _ fact: FactTable.Fact) -> UnsafePointer<
        JSONValue
    >? {
        paths[fact.slot]._withUnsafeGuaranteedRef { path in resolveFirst(slot, path) }
    }

    private func resolveFirst(_ slot: UnsafeMutablePointer<FactSlot>, _ path: FactPath) -> UnsafePointer<JSONValue>? {
        let location: ApprovalSnapshot.Location
        if case .now = path.head, snapshot != nil {
            location = .computed(now.map { .string($0.description) } ?? .null)
        } else {
            location = snapshot?.locate(path) ?? root.locate(path)
        }
        switch location {
        case .absent:
            slot.pointee.state = .absent
            return nil
        case .stored(let pointer):
            slot.pointee.pointer = pointer
            slot.pointee.state = .stored
            return pointer
        case .computed(let value):
            slot.pointee.value = value
            let pointer = UnsafePointer(slot).pointer(to: \.value)!
            slot.pointee.pointer = pointer
            slot.pointee.state = .computed
            return pointer
        }
    }

    /// Calls `body` with a root fact read in place, whatever the scopes (`nil` when absent).
    @inline(__always)
    func withFact<Result, Failure: Error>(
        _ fact: FactTable.Fact, _ body: (UnsafePointer<JSONValue>?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(resolve(slot(fact), fact))
    }

    /// Calls `body` with the value at `path` from the root read in place when the snapshot keeps it
    /// (``ApprovalSnapshot/locate(_:)``), computed otherwise (`nil` when absent). For paths the
    /// operators read themselves (`approver_is_owner`), not numbered facts.
    func withRootValue<Result>(_ path: FactPath, _ body: (UnsafePointer<JSONValue>?) -> Result) -> Result {
        switch root.locate(path) {
        case .absent: return body(nil)
        case .stored(let pointer): return body(pointer)
        case .computed(var value): return withUnsafePointer(to: &value) { body($0) }
        }
    }

    /// A root fact, looked up once per evaluation whatever the scopes (`nil` when absent), copied.
    func fact(_ fact: FactTable.Fact) -> JSONValue? {
        resolve(slot(fact), fact)?.pointee
    }

    /// Whether a root fact is absent or `null`.
    func isMissing(_ fact: FactTable.Fact) -> Bool {
        guard let pointer = resolve(slot(fact), fact) else { return true }
        return pointer.pointee.isNull
    }

    /// A root fact as an amount in the base currency (``Money/base(_:_:)``), parsed once per
    /// evaluation. `declarations` are those of the compiled rules the context evaluates (one set
    /// per evaluation), so the converted amount is kept too.
    func money(_ fact: FactTable.Fact, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        let slot = slot(fact)
        if case .money(let money) = slot.pointee.reading { return money }
        let money: DecimalNumber
        if let pointer = resolve(slot, fact) {
            money = try Money.base(pointer.pointee, declarations)
        } else {
            money = try Money.base(.null, declarations)  // raises NaN
        }
        switch slot.pointee.reading {
        case .unread, .foreignAmount: slot.pointee.reading = .money(money)
        case .money, .noAmount, .date, .noDate: break  // the first reading stays
        }
        return money
    }

    /// Whether a root fact reads as an amount (``Money/amount(_:)``), parsed once per evaluation.
    func isAmount(_ fact: FactTable.Fact) -> Bool {
        let slot = slot(fact)
        switch slot.pointee.reading {
        case .money, .foreignAmount: return true
        case .noAmount: return false
        case .date, .noDate: return resolve(slot, fact).flatMap { Money.amount($0.pointee) } != nil
        case .unread:
            guard let pointer = resolve(slot, fact), let amount = Money.amount(pointer.pointee) else {
                slot.pointee.reading = .noAmount
                return false
            }
            // Without a currency the amount is in the base currency already; with one, converting
            // it depends on the rate table and is left to `money(_:_:)`.
            slot.pointee.reading = amount.currency == nil ? .money(amount.number) : .foreignAmount
            return true
        }
    }

    /// A root fact read as a date (a string in ISO 8601), parsed once per evaluation; `nil` when
    /// absent or not a date.
    func timestamp(_ fact: FactTable.Fact) -> Timestamp? {
        let slot = slot(fact)
        switch slot.pointee.reading {
        case .date(let timestamp): return timestamp
        case .noDate: return nil
        default: break
        }
        var timestamp: Timestamp?
        if let pointer = resolve(slot, fact), case .string(let text) = pointer.pointee {
            timestamp = Timestamp(iso8601: text)
        }
        if case .unread = slot.pointee.reading {
            slot.pointee.reading = timestamp.map(FactSlot.Reading.date) ?? .noDate
        }
        return timestamp
    }

    /// Whether a root fact's `value` (present, not null) has `type` (``FactType/accepts(_:)``),
    /// through the readings the comparisons share.
    func fact(_ fact: FactTable.Fact, hasType type: FactType, value: JSONValue) -> Bool {
        switch type {
        case .money: return isAmount(fact)
        case .date, .datetime: return type.acceptsDate(value, parsed: timestamp(fact) != nil)
        default: return type.accepts(value)
        }
    }

    /// How a root fact fares against the type a rule set requires of it.
    enum FactCheck { case accepted, missing, wrongType }

    /// Checks a root fact against `type` in place: present, not `null`, and of the type (through
    /// the readings the comparisons share, for money and dates).
    func check(_ fact: FactTable.Fact, _ type: FactType) -> FactCheck {
        guard let pointer = resolve(slot(fact), fact), !pointer.pointee.isNull else { return .missing }
        switch type {
        case .money: return isAmount(fact) ? .accepted : .wrongType
        case .date, .datetime:
            guard timestamp(fact) != nil else { return .wrongType }
            return type.acceptsDate(pointer.pointee, parsed: true) ? .accepted : .wrongType
        default: return type.accepts(pointer.pointee) ? .accepted : .wrongType
        }
    }

    /// Reads `fact` from the current scope: the root (with its views) or the iterator value.
    func lookup(_ fact: FactTable.Fact) -> JSONValue? {
        if let scope = scopes.last { return scope.pointee.lookup(path(fact).steps[...]) }
        return self.fact(fact)
    }

    /// Reads `path` from the current scope: the root (with its views) or the iterator value.
    func lookup(_ path: FactPath) -> JSONValue? {
        if let scope = scopes.last { return scope.pointee.lookup(path.steps[...]) }
        return lookupRoot(path)
    }

    /// Reads `path` from the root, whatever the scopes. On a snapshot, `now` is the clock.
    func lookupRoot(_ path: FactPath) -> JSONValue? {
        if case .now = path.head, case .snapshot = root {
            return now.map { .string($0.description) } ?? .null
        }
        return root.lookup(path)
    }

    /// Reads `path` from `levels` scopes up (0 is the current one; past the outermost, the root).
    func lookup(_ path: FactPath, levelsUp levels: Int) -> JSONValue? {
        let index = scopes.count - 1 - levels
        if index >= 0 { return scopes[index].pointee.lookup(path.steps[...]) }
        return lookupRoot(path)
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
