import ApprovalJSON

/// Data access: `var`, `val`, `missing`, `missing_some`, `exists`, `preserve`.
///
/// Every read goes through ``EvaluationContext`` (``EvaluationContext/lookup(_:)``,
/// ``EvaluationContext/current``), so the data may be plain JSON or an approval snapshot with its
/// views. Inside an iterator the data is the current element (see `Arrays.swift`). A missing value
/// reads as `null`; nothing here raises for absent data.
///
/// Paths written as literals (the usual case) are split once, at compile time; only a path computed
/// at run time (`{"var": {"cat": [...]}}`) is split while evaluating.
extension Operators {
    static let data: [OperatorSpec] = [
        OperatorSpec(
            ["var"], arity: 0...2, pure: false,
            summary: "[\"a.b.c\", default]: the value at a dotted path (\"\" is the whole data)",
            build: { call throws(CompileProblem) in DataOperators.variable(call) }),
        OperatorSpec(
            ["val"], arity: 0...Int.max, pure: false,
            summary: "[\"a\", \"b\"]: the value at a path of keys; [[n], ...] starts n scopes up",
            build: { call throws(CompileProblem) in DataOperators.value(call, existence: false) }),
        OperatorSpec(
            ["exists"], arity: 0...Int.max, pure: false,
            summary: "[\"a\", \"b\"]: whether the path of keys is present (even as null)",
            build: { call throws(CompileProblem) in DataOperators.value(call, existence: true) }),
        OperatorSpec(
            ["missing"], arity: 0...Int.max, pure: false,
            summary: "the dotted paths among the arguments that are absent, null or \"\"",
            build: { call throws(CompileProblem) in DataOperators.missing(call) }),
        OperatorSpec(
            ["missing_some"], arity: 2...2, needsArgumentArray: true, pure: false,
            summary: "[n, paths]: [] when at least n of the paths are present, else the missing ones",
            build: { call throws(CompileProblem) in DataOperators.missingSome(call) }),
        OperatorSpec(
            ["preserve"], arity: 0...Int.max, rawArguments: true, summary: "its argument as written, not evaluated",
            build: { call throws(CompileProblem) in Node(constant: call.operation.raw, path: call.path) }),
    ]
}

/// The builders of the data family.
enum DataOperators {
    /// A `var` key: the whole current data, or a path of keys.
    enum Key: Sendable {
        case whole
        case path([String])

        /// How JSON Logic reads a `var` key: `null`, `""` and `[]` are the whole data; a string is
        /// split at dots (`"a.b.0"` is `a`, `b`, element 0); a number is its text (`1` is
        /// element 1; `1.5` is element 1, then 5).
        init(_ value: JSONValue) {
            let text: String
            switch value {
            case .null: text = ""
            case .string(let string): text = string
            default: text = Coercion.string(value)
            }
            guard !text.isEmpty else {
                self = .whole
                return
            }
            self = .path(text.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
        }
    }

    // MARK: - var

    /// `var`: `{"var": "a.b"}` or `{"var": ["a.b", default]}` reads the current data (the root, or
    /// the element inside an iterator) along the dotted path; array elements are numbered
    /// (`"items.0"`). The default (`null` if none) is used when the path does not exist, including
    /// through a `null` on the way; a value that exists is returned even when it is `null`,
    /// `false`, `0` or `""`. The default is evaluated only when needed. `{"var": ""}`,
    /// `{"var": null}` and `{"var": []}` are the whole current data.
    ///
    /// The node is labelled for traces with the path in words
    /// (`{"var": "variables.contract_value"}` reads as `contract value`).
    static func variable(_ call: OperatorCall) -> Node {
        let path = call.path
        let fallback: Node? = call.arguments.count > 1 ? call.arguments[1] : nil
        let whole = Node(
            path: path, label: nil, access: .current,
            run: { context throws(LogicError) in context.current },
            test: { context throws(LogicError) in context.withCurrent { value in Coercion.truthy(value) } })
        guard let key = call.arguments.first else { return whole }
        if let constant = key.constant {
            guard case .path(let steps) = Key(constant) else { return whole }
            let label = label(steps)
            // The compiler numbers literal paths; one it did not is looked up every time.
            guard let fact = call.fact else {
                let factPath = FactPath(steps)
                return Node(path: path, label: label) { context throws(LogicError) in
                    if let value = context.lookup(factPath) { return value }
                    return try fallback?.run(&context) ?? .null
                }
            }
            if let fallback {
                return Node(path: path, label: label) { context throws(LogicError) in
                    if let value = context.lookup(fact) { return value }
                    return try fallback.run(&context)
                }
            }
            return Node(
                path: path, label: label, access: .fact(fact),
                run: { context throws(LogicError) in context.lookup(fact) ?? .null },
                test: { context throws(LogicError) in
                    guard context.scopes.isEmpty else { return Coercion.truthy(context.lookup(fact) ?? .null) }
                    return Coercion.truthy(context[fact].pointee.value)
                })
        }
        return Node(path: path) { context throws(LogicError) in
            switch Key(try key.run(&context)) {
            case .whole:
                return context.current
            case .path(let steps):
                if let value = context.lookup(FactPath(steps)) { return value }
                return try fallback?.run(&context) ?? .null
            }
        }
    }

    /// The trace label of a path, in words (``Readable/label(_:)``): `contract value` for
    /// `variables.contract_value`.
    static func label(_ steps: [String]) -> String {
        Readable.label(steps)
    }

    // MARK: - val and exists

    /// Where `val` reads: how many scopes up, then which keys.
    struct Location: Sendable {
        private(set) var levelsUp = 0
        /// The keys, with the view they read decided.
        private(set) var path = FactPath([])
        var steps: [String] { path.steps }

        /// Reads `val`'s arguments: each is one key, not split at dots (`{"val": "a.b"}` is the
        /// member named `a.b`); numbers are their text, `null` steps are skipped. A first argument
        /// `[n]` climbs |n| scopes first (`{"val": [[1], "index"]}` inside `map` is the element's
        /// index; see `Arrays.swift`).
        init(_ arguments: some Collection<JSONValue>) {
            var rest = arguments[...]
            if let first = rest.first, case .array(let marker) = first {
                rest = rest.dropFirst()
                if marker.count == 1, let climb = Coercion.number(marker[0]) {
                    let magnitude = abs(climb.doubleValue)
                    levelsUp = magnitude < 1_000_000 ? Int(magnitude) : 1_000_000
                }
            }
            var steps: [String] = []
            for argument in rest {
                switch argument {
                case .null: continue
                case .string(let key): steps.append(key)
                default: steps.append(Coercion.string(argument))
                }
            }
            path = FactPath(steps)
        }

        /// The value there, or `nil` when absent.
        @inline(__always)
        func read(_ context: borrowing EvaluationContext) -> JSONValue? {
            if levelsUp > 0 { return context.lookup(path, levelsUp: levelsUp) }
            if steps.isEmpty { return context.current }
            return context.lookup(path)
        }
    }

    /// `val` (`existence` false) and `exists` (`existence` true).
    ///
    /// `val` reads the value at a path of keys: `{"val": "a"}`, `{"val": ["a", "b", 0]}`;
    /// `{"val": []}` is the whole current data; a missing path is `null`. Its arguments may be
    /// computed (`{"val": {"cat": ["te", "st"]}}`); a single bare argument that evaluates to an
    /// array is the path.
    ///
    /// `exists` takes the same path and is true when it is present, even holding `null`. Traced as
    /// `exists <path>`.
    static func value(_ call: OperatorCall, existence: Bool) -> Node {
        let path = call.path
        let arguments = call.arguments
        let bare = !call.operation.argumentsWereArray
        if arguments.allSatisfy({ $0.constant != nil }) {
            let values = arguments.compactMap(\.constant)
            let location: Location
            if bare, case .array(let elements)? = values.first {
                location = Location(elements)
            } else {
                location = Location(values)
            }
            let label = location.levelsUp == 0 && !location.steps.isEmpty ? label(location.steps) : nil
            if existence {
                let text = "exists \(label ?? TraceText.value(.array(values)))"
                return Node(path: path) { context throws(LogicError) in
                    let result = location.read(context) != nil
                    context.record(path, text, .bool(result))
                    return .bool(result)
                }
            }
            return Node(path: path, label: label) { context throws(LogicError) in
                location.read(context) ?? .null
            }
        }
        return Node(path: path) { context throws(LogicError) in
            var values: [JSONValue] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments { values.append(try argument.run(&context)) }
            let location: Location
            if bare, case .array(let elements)? = values.first {
                location = Location(elements)
            } else {
                location = Location(values)
            }
            guard existence else { return location.read(context) ?? .null }
            let result = location.read(context) != nil
            context.record(path, "exists \(TraceText.value(.array(values)))", .bool(result))
            return .bool(result)
        }
    }

    // MARK: - missing

    /// A key of `missing`, as written and as a path.
    struct Wanted: Sendable {
        let key: JSONValue
        /// The path, or `nil` for the whole data.
        let location: FactPath?

        init(_ key: JSONValue) {
            self.key = key
            switch Key(key) {
            case .whole: location = nil
            case .path(let steps): location = FactPath(steps)
            }
        }

        /// Whether the value is absent, `null` or `""` (json-logic-js's definition; use `exists`
        /// to test presence alone).
        @inline(__always)
        func isMissing(in context: borrowing EvaluationContext) -> Bool {
            let value: JSONValue?
            if let location { value = context.lookup(location) } else { value = context.current }
            switch value {
            case nil, .null?: return true
            case .string(let text)?: return text.isEmpty
            default: return false
            }
        }
    }

    /// The keys `missing` checks: the first argument when it is an array, else all the arguments
    /// (json-logic-js's rule, so `{"missing": {"merge": [...]}}` checks the merged list).
    private static func wanted(_ values: [JSONValue]) -> [Wanted] {
        if case .array(let keys)? = values.first { return keys.map(Wanted.init) }
        return values.map(Wanted.init)
    }

    /// `missing`: the keys (dotted paths, as for `var`) whose value is absent, `null` or `""`, in
    /// the order given, as written (`{"missing": ["a", "b.c"]}` can give `["b.c"]`). `[]` when
    /// nothing is missing, which is falsy, so `{"if": [{"missing": ...}, ...]}` reads naturally.
    /// Traced as `missing <keys>`.
    static func missing(_ call: OperatorCall) -> Node {
        let path = call.path
        let arguments = call.arguments
        if arguments.allSatisfy({ $0.constant != nil }) {
            let keys = wanted(arguments.compactMap(\.constant))
            return Node(path: path) { context throws(LogicError) in
                let result = missingKeys(keys, context)
                context.record(path, "missing \(describe(keys))", result, negation: "nothing missing")
                return result
            }
        }
        return Node(path: path) { context throws(LogicError) in
            var values: [JSONValue] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments { values.append(try argument.run(&context)) }
            let keys = wanted(values)
            let result = missingKeys(keys, context)
            context.record(path, "missing \(describe(keys))", result, negation: "nothing missing")
            return result
        }
    }

    /// `missing_some`: `[n, keys]` is `[]` when at least `n` of the keys are present (in the sense
    /// of `missing`), else the missing keys. The keys must be an array and `n` a number, else
    /// `Invalid Arguments`. Traced as `missing_some <n> of <keys>`.
    static func missingSome(_ call: OperatorCall) -> Node {
        let path = call.path
        let need = call.arguments[0]
        let list = call.arguments[1]
        let prepared: [Wanted]? = list.constant?.array.map { $0.map(Wanted.init) }
        return Node(path: path) { context throws(LogicError) in
            guard let needed = Coercion.number(try need.run(&context)) else { throw .invalidArguments }
            let keys: [Wanted]
            if let prepared {
                keys = prepared
            } else {
                guard case .array(let values) = try list.run(&context) else { throw .invalidArguments }
                keys = values.map(Wanted.init)
            }
            let absent = missingKeys(keys, context)
            let present = keys.count - (absent.array?.count ?? 0)
            let result: JSONValue = Coercion.order(.integer(Int64(present)), needed) == .less ? absent : []
            context.record(path, "missing_some \(TraceText.plain(needed.jsonValue)) of \(describe(keys))", result)
            return result
        }
    }

    private static func missingKeys(_ keys: [Wanted], _ context: borrowing EvaluationContext) -> JSONValue {
        var result: [JSONValue] = []
        for wanted in keys where wanted.isMissing(in: context) { result.append(wanted.key) }
        return .array(result)
    }

    private static func describe(_ keys: [Wanted]) -> String {
        keys.map { TraceText.plain($0.key) }.joined(separator: ", ")
    }
}
