import ApprovalJSON

/// What an expression is evaluated against: plain JSON data, or an approval snapshot with its views.
enum DataRoot: Sendable {
    case value(JSONValue)
    case snapshot(ApprovalSnapshot)

    /// The value at `path` from the root (`nil` when absent).
    func lookup(_ path: ArraySlice<String>) -> JSONValue? {
        switch self {
        case .value(let value): return value.lookup(path)
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

    init(root: DataRoot, budget: Int = Limits.default.evaluationSteps, trace: Bool = false, now: Timestamp? = nil) {
        self.root = root
        self.budget = budget
        self.trace = trace ? TraceRecorder() : nil
        self.now = now
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

    /// Reads `path` from the current scope: the root (with its views) or the iterator value.
    func lookup(_ path: ArraySlice<String>) -> JSONValue? {
        if let scope = scopes.last { return scope.lookup(path) }
        return lookupRoot(path)
    }

    /// Reads `path` from the root, whatever the scopes. On a snapshot, `now` is the clock.
    func lookupRoot(_ path: ArraySlice<String>) -> JSONValue? {
        if case .snapshot = root, path.count == 1, path.first == "now" {
            return now.map { .string($0.description) } ?? .null
        }
        return root.lookup(path)
    }

    /// Reads `path` from `levels` scopes up (0 is the current one; past the outermost, the root).
    func lookup(_ path: ArraySlice<String>, levelsUp levels: Int) -> JSONValue? {
        let index = scopes.count - 1 - levels
        if index >= 0 { return scopes[index].lookup(path) }
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
