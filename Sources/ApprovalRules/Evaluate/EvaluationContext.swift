import ApprovalJSON

/// What an expression is evaluated against: plain JSON data, or an approval snapshot with its views.
enum DataRoot: Sendable {
    case value(JSONValue)
    case snapshot(ApprovalSnapshot)

    /// The value at `path` from the root (`nil` when absent).
    func lookup(_ path: FactPath) -> JSONValue? {
        switch self {
        case .value(let value): return value.lookup(path.steps[...])
        case .snapshot(let snapshot): return snapshot.lookup(path)
        }
    }

    /// The whole root as one value (for `{"var": ""}`); for a snapshot, the document with its views.
    var wholeValue: JSONValue {
        switch self {
        case .value(let value): return value
        case .snapshot(let snapshot): return snapshot.dataView
        }
    }
}

/// The root facts a compiled rule set (or expression) reads, numbered once at compile time: an
/// evaluation looks each one up at most once, however many conditions, templates and checks
/// quote it (``EvaluationContext/fact(_:)``).
struct FactTable: Sendable {
    /// The facts' paths, by slot.
    private(set) var paths: [FactPath] = []
    private var slots: [[String]: Int] = [:]

    /// How many facts are numbered.
    var count: Int { paths.count }

    /// The fact at `steps`, numbering it when it is new.
    mutating func fact(_ steps: [String]) -> Fact {
        if let slot = slots[steps] { return Fact(slot: slot) }
        let fact = Fact(slot: paths.count)
        slots[steps] = fact.slot
        paths.append(FactPath(steps))
        return fact
    }

    /// The path of a fact this table numbered.
    func path(_ fact: Fact) -> FactPath { paths[fact.slot] }

    /// A numbered root fact: its slot in the table (where its path is) and in an evaluation's
    /// ``FactSlot``s (where what is known of it is kept). A plain number, so that compiled nodes
    /// hold and pass facts around without reference counting.
    struct Fact: Sendable, Hashable {
        let slot: Int
    }
}

/// The mutable state of one evaluation: data, iterator scopes, step budget, trace, and what is
/// known of the root facts. Created per evaluation and passed `inout`, so compiled rule sets stay
/// immutable and shareable; not copyable, so that nothing it holds is copied by accident.
///
/// With fact slots (``init(root:facts:slots:budget:trace:now:)``), each numbered fact of the
/// ``FactTable`` has a ``FactSlot`` for the evaluation: its value is looked up once, and its
/// readings as an amount or a date are parsed once, however many conditions, checks and templates
/// quote it. ``FactSlot/withSlots(count:_:)`` puts them on the stack of the evaluating call for the
/// usual rule set (a few dozen facts), so an evaluation allocates nothing to know its facts.
struct EvaluationContext: ~Copyable {
    /// The data `var`/`val` read when no iterator is active.
    var root: DataRoot
    /// Values of enclosing iterators (`map`, `filter`, `reduce`, ...), innermost last.
    var scopes: [JSONValue] = []
    /// Steps left (each iteration of an iterator costs one); at zero evaluation stops with
    /// ``LogicError/budgetExceeded``.
    var budget: Int
    /// Collects explanation events when a trace was asked for.
    var trace: TraceRecorder?
    /// The evaluation's clock, when one was given (never the wall clock).
    var now: Timestamp?
    /// The paths of the facts the evaluated expressions were compiled with, by slot.
    private let paths: [FactPath]
    /// The fact slots, by ``FactTable`` slot (`nil` without slots): memory the context initializes
    /// and deinitializes, and its creator allocates for longer than the context lives.
    private let slots: UnsafeMutablePointer<FactSlot>?
    private let slotCount: Int

    /// A context without fact slots: every fact read looks the fact up again (tests; constant
    /// folding, which evaluates only nodes that read no data, with an empty table).
    init(
        root: DataRoot, facts: FactTable = FactTable(), budget: Int = Limits.default.evaluationSteps,
        trace: Bool = false, now: Timestamp? = nil
    ) {
        self.init(root: root, facts: facts, slots: nil, budget: budget, trace: trace, now: now)
    }

    /// A context keeping what it learns of `facts` in `slots`: uninitialized memory for
    /// `facts.count` slots (from ``FactSlot/withSlots(count:_:)``), or `nil` for none.
    init(
        root: DataRoot, facts: FactTable, slots: UnsafeMutablePointer<FactSlot>?, budget: Int, trace: Bool,
        now: Timestamp?
    ) {
        self.root = root
        self.paths = facts.paths
        self.budget = budget
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
        self.slots = slots
        self.slotCount = slots == nil ? 0 : facts.count
        if let slots {
            for index in 0..<slotCount { (slots + index).initialize(to: FactSlot()) }
        }
    }

    deinit {
        // Only a slot holding a looked-up value holds references; the others are trivial.
        if let slots {
            for index in 0..<slotCount where slots[index].state == .present { (slots + index).deinitialize(count: 1) }
        }
    }

    /// Takes `count` steps from the budget.
    @inline(__always)
    mutating func spend(_ count: Int = 1) throws(LogicError) {
        budget -= count
        if budget < 0 { throw .budgetExceeded }
    }

    /// The current scope's data (the innermost iterator value, or the root).
    var current: JSONValue {
        scopes.last ?? root.wholeValue
    }

    /// The slot of `fact`, or `nil` without slots.
    @inline(__always)
    private func slot(_ fact: FactTable.Fact) -> UnsafeMutablePointer<FactSlot>? {
        guard let slots else { return nil }
        return slots + fact.slot
    }

    /// The path of a fact of the evaluated expressions' table.
    func path(_ fact: FactTable.Fact) -> FactPath { paths[fact.slot] }

    /// A root fact, looked up once per evaluation whatever the scopes (`nil` when absent).
    mutating func fact(_ fact: FactTable.Fact) -> JSONValue? {
        guard let slot = slot(fact) else { return lookupRoot(path(fact)) }
        switch slot.pointee.state {
        case .present: return slot.pointee.value
        case .absent: return nil
        case .unread:
            guard let value = lookupRoot(path(fact)) else {
                slot.pointee.state = .absent
                return nil
            }
            slot.pointee.value = value
            slot.pointee.state = .present
            return value
        }
    }

    /// A root fact as an amount in the base currency (``Money/base(_:_:)``), parsed once per
    /// evaluation. `declarations` are those of the compiled rules the context evaluates (one set
    /// per evaluation), so the converted amount is kept too.
    mutating func money(_ fact: FactTable.Fact, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        guard let slot = slot(fact) else { return try Money.base(self.fact(fact) ?? .null, declarations) }
        if case .money(let money) = slot.pointee.reading { return money }
        let money = try Money.base(self.fact(fact) ?? .null, declarations)  // raises for no amount
        switch slot.pointee.reading {
        case .unread, .foreignAmount: slot.pointee.reading = .money(money)
        case .money, .noAmount, .date, .noDate: break  // the first reading stays
        }
        return money
    }

    /// Whether a root fact reads as an amount (``Money/amount(_:)``), parsed once per evaluation.
    mutating func isAmount(_ fact: FactTable.Fact) -> Bool {
        guard let slot = slot(fact) else { return self.fact(fact).flatMap(Money.amount) != nil }
        switch slot.pointee.reading {
        case .money, .foreignAmount: return true
        case .noAmount: return false
        case .date, .noDate: return self.fact(fact).flatMap(Money.amount) != nil
        case .unread:
            guard let amount = self.fact(fact).flatMap(Money.amount) else {
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
    mutating func timestamp(_ fact: FactTable.Fact) -> Timestamp? {
        let slot = slot(fact)
        switch slot?.pointee.reading {
        case .date(let timestamp)?: return timestamp
        case .noDate?: return nil
        default: break
        }
        var timestamp: Timestamp?
        if case .string(let text)? = self.fact(fact) { timestamp = Timestamp(iso8601: text) }
        if let slot, case .unread = slot.pointee.reading {
            slot.pointee.reading = timestamp.map(FactSlot.Reading.date) ?? .noDate
        }
        return timestamp
    }

    /// Whether a root fact's `value` (present, not null) has `type` (``FactType/accepts(_:)``),
    /// through the readings the comparisons share.
    mutating func fact(_ fact: FactTable.Fact, hasType type: FactType, value: JSONValue) -> Bool {
        switch type {
        case .money: return isAmount(fact)
        case .date, .datetime: return type.acceptsDate(value, parsed: timestamp(fact) != nil)
        default: return type.accepts(value)
        }
    }

    /// Reads `fact` from the current scope: the root (with its views) or the iterator value.
    mutating func lookup(_ fact: FactTable.Fact) -> JSONValue? {
        if let scope = scopes.last { return scope.lookup(path(fact).steps[...]) }
        return self.fact(fact)
    }

    /// Reads `path` from the current scope: the root (with its views) or the iterator value.
    func lookup(_ path: FactPath) -> JSONValue? {
        if let scope = scopes.last { return scope.lookup(path.steps[...]) }
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
        if index >= 0 { return scopes[index].lookup(path.steps[...]) }
        return lookupRoot(path)
    }

    /// Records a trace event when tracing (a no-op otherwise).
    @inline(__always)
    mutating func record(_ path: JSONPointer, _ text: @autoclosure () -> String, _ result: JSONValue) {
        if trace != nil { trace?.events.append(TraceEvent(path: path, text: text(), result: result)) }
    }
}

/// What one evaluation knows of one root fact (``FactTable`` slot): whether it was looked up, its
/// value, and its reading as an amount or as a date, kept so that the comparisons, checks and
/// templates quoting one fact parse it once.
struct FactSlot {
    enum State: UInt8 { case unread, absent, present }

    /// How the fact reads; a fact read both ways keeps the first reading (the second is computed
    /// each time, which no ordinary rule set needs).
    enum Reading {
        case unread
        /// An amount in the base currency (converted, when it had a currency).
        case money(DecimalNumber)
        /// An amount with a currency, not converted yet.
        case foreignAmount
        case noAmount
        case date(Timestamp)
        case noDate
    }

    var value = JSONValue.null
    var state = State.unread
    var reading = Reading.unread

    /// Slots for at most this many bytes are kept on the stack (the standard library's own limit
    /// for a temporary allocation that needs no stack probe); more go to the heap.
    private static let stackBytes = 1024

    /// Runs `body` with memory for `count` slots (`nil` when `count` is 0), valid during the call.
    static func withSlots<Result>(count: Int, _ body: (UnsafeMutablePointer<FactSlot>?) -> Result) -> Result {
        if count == 0 { return body(nil) }
        if count * MemoryLayout<FactSlot>.stride > stackBytes {
            let slots = UnsafeMutablePointer<FactSlot>.allocate(capacity: count)
            defer { slots.deallocate() }
            return body(slots)
        }
        return withUnsafeTemporaryAllocation(of: FactSlot.self, capacity: count) { body($0.baseAddress!) }
    }
}

extension JSONValue {
    /// Follows object keys and array indices; `nil` when a step does not exist.
    func lookup(_ path: ArraySlice<String>) -> JSONValue? {
        var current = self
        for key in path {
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(key), index >= 0, index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
