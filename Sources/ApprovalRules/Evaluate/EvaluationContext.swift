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
    /// The paths, by slot.
    private(set) var paths: [FactPath] = []
    private var slots: [[String]: Int] = [:]

    /// The slot of `steps`, numbering it when it is new.
    mutating func fact(_ steps: [String]) -> Fact {
        if let slot = slots[steps] { return Fact(slot: slot, path: paths[slot]) }
        let path = FactPath(steps)
        slots[steps] = paths.count
        paths.append(path)
        return Fact(slot: paths.count - 1, path: path)
    }

    /// A numbered root fact: where it is cached in an evaluation, and how to look it up.
    struct Fact: Sendable, Hashable {
        let slot: Int
        let path: FactPath
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
    /// The root facts read so far, by ``FactTable`` slot.
    private var facts: [CachedFact]

    private enum CachedFact {
        case unread, absent
        case present(JSONValue)
    }

    init(
        root: DataRoot, facts: FactTable? = nil, budget: Int = Limits.default.evaluationSteps, trace: Bool = false,
        now: Timestamp? = nil
    ) {
        self.root = root
        self.budget = budget
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
        let count = facts?.paths.count ?? 0
        self.facts = count == 0 ? [] : Array(repeating: .unread, count: count)
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
        guard fact.slot < facts.count else { return lookupRoot(fact.path) }
        switch facts[fact.slot] {
        case .present(let value): return value
        case .absent: return nil
        case .unread:
            let value = lookupRoot(fact.path)
            facts[fact.slot] = value.map(CachedFact.present) ?? .absent
            return value
        }
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
