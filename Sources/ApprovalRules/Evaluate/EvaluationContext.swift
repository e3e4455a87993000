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
    /// The facts, by slot.
    private(set) var facts: [Fact] = []
    private var slots: [[String]: Int] = [:]

    /// The fact at `steps`, numbering it when it is new.
    mutating func fact(_ steps: [String]) -> Fact {
        if let slot = slots[steps] { return facts[slot] }
        let fact = Fact(slot: facts.count, path: FactPath(steps))
        slots[steps] = fact.slot
        facts.append(fact)
        return fact
    }

    /// A numbered root fact: where it is cached in an evaluation, and how to look it up. A class,
    /// so that passing one around (or an optional one) is one reference.
    final class Fact: Sendable, Hashable {
        let slot: Int
        let path: FactPath

        init(slot: Int, path: FactPath) {
            self.slot = slot
            self.path = path
        }

        static func == (lhs: Fact, rhs: Fact) -> Bool { lhs.slot == rhs.slot && lhs.path == rhs.path }
        func hash(into hasher: inout Hasher) { hasher.combine(path) }
    }
}

/// The mutable state of one evaluation: data, iterator scopes, step budget, trace. Created per
/// evaluation and passed `inout`, so compiled rule sets stay immutable and shareable.
struct EvaluationContext {
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
    /// What is known of the root facts so far, by ``FactTable`` slot.
    private let facts: FactCache?

    init(
        root: DataRoot, facts: FactTable? = nil, budget: Int = Limits.default.evaluationSteps, trace: Bool = false,
        now: Timestamp? = nil
    ) {
        self.root = root
        self.budget = budget
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
        let count = facts?.facts.count ?? 0
        self.facts = count == 0 ? nil : FactCache(count: count)
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

    /// A root fact, looked up once per evaluation whatever the scopes (`nil` when absent).
    mutating func fact(_ fact: FactTable.Fact) -> JSONValue? {
        guard let slot = facts?.slot(fact) else { return lookupRoot(fact.path) }
        switch slot.pointee.state {
        case .present: return slot.pointee.value
        case .absent: return nil
        case .unread:
            let value = lookupRoot(fact.path)
            if let value {
                slot.pointee.value = value
                slot.pointee.state = .present
            } else {
                slot.pointee.state = .absent
            }
            return value
        }
    }

    /// A root fact as an amount in the base currency (``Money/base(_:_:)``), parsed once per
    /// evaluation. `declarations` are those of the compiled rules the context evaluates (one set
    /// per evaluation), so the converted amount is kept too.
    mutating func money(_ fact: FactTable.Fact, _ declarations: Declarations) throws(LogicError) -> DecimalNumber {
        guard let slot = facts?.slot(fact) else { return try Money.base(self.fact(fact) ?? .null, declarations) }
        switch slot.pointee.typed {
        case .money: return slot.pointee.money
        case .none, .amount:
            let money = try Money.base(self.fact(fact) ?? .null, declarations)
            slot.pointee.money = money
            slot.pointee.typed = .money
            return money
        case .noAmount, .timestamp, .noTimestamp:
            return try Money.base(self.fact(fact) ?? .null, declarations)  // raises NaN, or reads uncached
        }
    }

    /// Whether a root fact reads as an amount (``Money/amount(_:)``), parsed once per evaluation.
    mutating func isAmount(_ fact: FactTable.Fact) -> Bool {
        guard let slot = facts?.slot(fact) else { return self.fact(fact).flatMap(Money.amount) != nil }
        switch slot.pointee.typed {
        case .amount, .money: return true
        case .noAmount: return false
        case .timestamp, .noTimestamp: return self.fact(fact).flatMap(Money.amount) != nil
        case .none:
            guard let amount = self.fact(fact).flatMap(Money.amount) else {
                slot.pointee.typed = .noAmount
                return false
            }
            if amount.currency == nil {  // already in the base currency
                slot.pointee.money = amount.number
                slot.pointee.typed = .money
            } else {
                slot.pointee.typed = .amount
            }
            return true
        }
    }

    /// A root fact read as a date (a string in ISO 8601), parsed once per evaluation; `nil` when
    /// absent or not a date.
    mutating func timestamp(_ fact: FactTable.Fact) -> Timestamp? {
        let slot = facts?.slot(fact)
        switch slot?.pointee.typed {
        case .timestamp?: return slot?.pointee.timestamp
        case .noTimestamp?: return nil
        default: break
        }
        var timestamp: Timestamp?
        if case .string(let text)? = self.fact(fact) { timestamp = Timestamp(iso8601: text) }
        if let slot, case .none = slot.pointee.typed {
            if let timestamp {
                slot.pointee.timestamp = timestamp
                slot.pointee.typed = .timestamp
            } else {
                slot.pointee.typed = .noTimestamp
            }
        }
        return timestamp
    }

    /// Whether a root fact's `value` (present, not null) has `type` (``FactType/accepts(_:)``),
    /// through the typed readings the comparisons share.
    mutating func fact(_ fact: FactTable.Fact, hasType type: FactType, value: JSONValue) -> Bool {
        type.accepts(value, isAmount: { isAmount(fact) }, timestamp: { timestamp(fact) })
    }

    /// Reads `fact` from the current scope: the root (with its views) or the iterator value.
    mutating func lookup(_ fact: FactTable.Fact) -> JSONValue? {
        if let scope = scopes.last { return scope.lookup(fact.path.steps[...]) }
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

/// What one evaluation knows of the root facts, by ``FactTable`` slot: whether each was read, its
/// value, and its reading as an amount or as a date, kept so that the comparisons, checks and
/// templates quoting one fact parse it once.
///
/// One buffer, allocated per evaluation and reached through pointers: slots are updated in place,
/// never copied, and allocating it costs no generic metadata lookup (as an array of them would).
/// Owned by one ``EvaluationContext``, which is never copied.
private final class FactCache {
    struct Slot {
        var state = State.unread
        var typed = Typed.none
        var value = JSONValue.null
        /// With `.money`: the amount in the base currency.
        var money = DecimalNumber(Int64(0))
        /// With `.timestamp`: the date.
        var timestamp = Timestamp(millisecondsSinceEpoch: 0)

        enum State { case unread, absent, present }
        /// Which reading is kept (a fact read both ways keeps the first).
        enum Typed {
            case none
            /// An amount with a currency, not converted yet.
            case amount
            case money, noAmount
            case timestamp, noTimestamp
        }
    }

    private let count: Int
    private let slots: UnsafeMutablePointer<Slot>

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: Slot(), count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// The slot of `fact`, or `nil` for a fact the table did not number.
    @inline(__always)
    func slot(_ fact: FactTable.Fact) -> UnsafeMutablePointer<Slot>? {
        fact.slot < count ? slots + fact.slot : nil
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
