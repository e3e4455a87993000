import ApprovalJSON

/// Array operators: the iterators `map`, `filter`, `reduce`, `all`, `some`, `none`, and `merge`.
///
/// An iterator takes `[source, body]` (`reduce` also an initial value) as an array
/// (`{"map": {"var": "x"}}` is `Invalid Arguments`). It evaluates the source once, then the body
/// once per element with that element as the data (`{"var": ""}` or `{"val": []}` is the element,
/// `{"var": "qty"}` a member of it). Each element costs one step of the evaluation budget.
///
/// Scopes: while the body runs, one scope up (`{"val": [[1], "index"]}`) is the iteration's
/// metadata (`{"index": i}`; for `reduce`, the source array) and two scopes up is the data around
/// the iterator, and so on outwards; past the outermost iterator is the root data. The metadata
/// scope is only pushed when the body could climb to it (it contains a `val`/`exists` whose path
/// starts with a `[n]` or is computed), so ordinary iterators allocate nothing per element.
extension Operators {
    static let arrays: [OperatorSpec] = [
        OperatorSpec(
            ["map"], arity: 2...2, needsArgumentArray: true, summary: "[array, expr]: expr applied to each element",
            build: { call throws(CompileProblem) in try ArrayOperators.map(call) }),
        OperatorSpec(
            ["filter"], arity: 2...2, needsArgumentArray: true,
            summary: "[array, cond]: the elements for which cond is truthy",
            build: { call throws(CompileProblem) in try ArrayOperators.filter(call) }),
        OperatorSpec(
            ["reduce"], arity: 2...3, needsArgumentArray: true,
            summary: "[array, expr, initial]: folds with {\"var\": \"current\"} and {\"var\": \"accumulator\"}",
            build: { call throws(CompileProblem) in try ArrayOperators.reduce(call) }),
        OperatorSpec(
            ["all"], arity: 2...2, needsArgumentArray: true,
            summary: "[array, cond]: true when cond is truthy for every element (false when empty)",
            build: { call throws(CompileProblem) in try ArrayOperators.quantifier(call, .all) }),
        OperatorSpec(
            ["some"], arity: 2...2, needsArgumentArray: true,
            summary: "[array, cond]: true when cond is truthy for at least one element",
            build: { call throws(CompileProblem) in try ArrayOperators.quantifier(call, .some) }),
        OperatorSpec(
            ["none"], arity: 2...2, needsArgumentArray: true,
            summary: "[array, cond]: true when cond is truthy for no element (true when empty)",
            build: { call throws(CompileProblem) in try ArrayOperators.quantifier(call, .none) }),
        OperatorSpec(
            ["merge"], arity: 0...Int.max, summary: "one array of the arguments, arrays flattened one level",
            build: { call throws(CompileProblem) in ArrayOperators.merge(call) }),
    ]
}

/// The builders of the array family.
enum ArrayOperators {
    /// `all`, `some` and `none`.
    enum Quantifier: Sendable {
        case all, some, none
    }

    /// `map`: `[source, body]` gives the array of the body's values, one per element. A source that
    /// evaluates to `null` (a missing list) maps to `[]`; any other non-array is `Invalid Arguments`,
    /// and so is a literal `null` source or body (compat-tables).
    static func map(_ call: OperatorCall) throws(CompileProblem) -> Node {
        try rejectUnusableLiterals(call, nullBody: true)
        let source = call.arguments[0]
        let body = call.arguments[1]
        let indexed = mayClimbScopes(call.operation.arguments[1])
        return Node(path: call.path) { context throws(LogicError) in
            let elements = try sourceElements(try source.run(&context), nullIsEmpty: true)
            var results: [JSONValue] = []
            results.reserveCapacity(elements.count)
            try iterate(elements, indexed: indexed, &context) { context throws(LogicError) in
                results.append(try body.run(&context))
                return true
            }
            return .array(results)
        }
    }

    /// `filter`: `[source, condition]` gives the elements for which the condition is truthy, in
    /// order. Sources as for `map`.
    static func filter(_ call: OperatorCall) throws(CompileProblem) -> Node {
        try rejectUnusableLiterals(call, nullBody: true)
        let source = call.arguments[0]
        let condition = call.arguments[1]
        let indexed = mayClimbScopes(call.operation.arguments[1])
        return Node(path: call.path) { context throws(LogicError) in
            let elements = try sourceElements(try source.run(&context), nullIsEmpty: true)
            var results: [JSONValue] = []
            var position = 0
            try iterate(elements, indexed: indexed, &context) { context throws(LogicError) in
                if try condition.test(&context) { results.append(elements[position]) }
                position += 1
                return true
            }
            return .array(results)
        }
    }

    /// `reduce`: `[source, body, initial]` folds the elements: the body sees
    /// `{"current": element, "accumulator": value so far}` as its data and gives the next
    /// accumulator; the result is the last one. Without `initial`, the first element is the initial
    /// accumulator (JavaScript's `Array.prototype.reduce`), and an empty source gives `null`.
    /// A `null` source gives `initial`. One scope up from the body is the source array.
    static func reduce(_ call: OperatorCall) throws(CompileProblem) -> Node {
        try rejectUnusableLiterals(call, nullBody: false)
        let source = call.arguments[0]
        let body = call.arguments[1]
        let initial: Node? = call.arguments.count > 2 ? call.arguments[2] : nil
        let climbs = mayClimbScopes(call.operation.arguments[1])
        return Node(path: call.path) { context throws(LogicError) in
            let start = try initial?.run(&context)
            let elements = try sourceElements(try source.run(&context), nullIsEmpty: true)
            var accumulator: JSONValue
            var remaining = elements[...]
            if let start {
                accumulator = start
            } else {
                guard let first = remaining.popFirst() else { return .null }
                accumulator = first
            }
            var frame = JSONValue.object(JSONObject([("current", .null), ("accumulator", .null)]))
            var sourceScope = JSONValue.array(elements)
            for element in remaining {
                try context.spend()
                frame = .object(JSONObject([("current", element), ("accumulator", accumulator)]))
                accumulator = try withUnsafePointer(to: &frame) { frame throws(LogicError) in
                    guard climbs else {
                        return try context.withScope(frame) { context throws(LogicError) in try body.run(&context) }
                    }
                    return try withUnsafePointer(to: &sourceScope) { source throws(LogicError) in
                        try context.withScope(source) { context throws(LogicError) in
                            try context.withScope(frame) { context throws(LogicError) in try body.run(&context) }
                        }
                    }
                }
            }
            return accumulator
        }
    }

    /// `all` is true when the condition is truthy for every element and the array is not empty;
    /// `some` when it is truthy for at least one; `none` when for none (true for an empty array).
    /// They stop at the first element that decides. The source must be an array: `null` (a missing
    /// list) is `Invalid Arguments` here, unlike `map` (compat-tables).
    static func quantifier(_ call: OperatorCall, _ quantifier: Quantifier) throws(CompileProblem) -> Node {
        try rejectUnusableLiterals(call, nullBody: false)
        let source = call.arguments[0]
        let condition = call.arguments[1]
        let indexed = mayClimbScopes(call.operation.arguments[1])
        return Node(
            path: call.path,
            test: { context throws(LogicError) in
                let elements = try sourceElements(try source.run(&context), nullIsEmpty: false)
                if elements.isEmpty { return quantifier == .none }
                var found = false  // an element that decides: falsy for `all`, truthy otherwise
                try iterate(elements, indexed: indexed, &context) { context throws(LogicError) in
                    let truthy = try condition.test(&context)
                    found = quantifier == .all ? !truthy : truthy
                    return !found
                }
                return quantifier == .some ? found : !found
            })
    }

    /// `merge`: one array of all the arguments, with array arguments flattened one level
    /// (`{"merge": [[1, 2], 3, [[4]]]}` is `[1, 2, 3, [4]]`; `null` stays an element). A single
    /// bare argument that evaluates to an array is merged as that list of arguments. The result's
    /// length is charged to the step budget.
    static func merge(_ call: OperatorCall) -> Node {
        switch VariadicOperands(call) {
        case .spread(let argument):
            return Node(path: call.path) { context throws(LogicError) in
                let value = try argument.run(&context)
                if case .array(let elements) = value { return try merged(elements, &context) }
                return try merged(CollectionOfOne(value), &context)
            }
        case .nodes(let operands):
            return Node(path: call.path) { context throws(LogicError) in
                var values: [JSONValue] = []
                values.reserveCapacity(operands.count)
                for operand in operands { values.append(try operand.run(&context)) }
                return try merged(values, &context)
            }
        }
    }

    private static func merged(
        _ values: some Collection<JSONValue>, _ context: inout EvaluationContext
    ) throws(LogicError) -> JSONValue {
        var count = 0
        for value in values {
            if case .array(let elements) = value { count += elements.count } else { count += 1 }
        }
        try context.spend(count)
        var result: [JSONValue] = []
        result.reserveCapacity(count)
        for value in values {
            if case .array(let elements) = value {
                result.append(contentsOf: elements)
            } else {
                result.append(value)
            }
        }
        return .array(result)
    }

    // MARK: - Iteration

    /// Runs `visit` once per element with the element as the current scope (preceded by an
    /// `{"index": i}` scope when `indexed`), charging one budget step each, until `visit` returns
    /// false. The scopes are popped however `visit` ends, including by throwing.
    @inline(__always)
    static func iterate(
        _ elements: [JSONValue], indexed: Bool, _ context: inout EvaluationContext,
        _ visit: (inout EvaluationContext) throws(LogicError) -> Bool
    ) throws(LogicError) {
        // `elements` is held for the whole loop, so pointers to its elements stay valid.
        try elements.withUnsafeBufferPointer { buffer throws(LogicError) in
            guard let base = buffer.baseAddress else { return }
            if indexed {
                var frame: JSONValue = ["index": 0]
                for index in buffer.indices {
                    try context.spend()
                    frame = ["index": .integer(Int64(index))]
                    let more = try withUnsafePointer(to: &frame) { frame throws(LogicError) in
                        try context.withScope(frame) { context throws(LogicError) in
                            try context.withScope(base + index) { context throws(LogicError) in try visit(&context) }
                        }
                    }
                    guard more else { return }
                }
            } else {
                for index in buffer.indices {
                    try context.spend()
                    guard try context.withScope(base + index, visit) else { return }
                }
            }
        }
    }

    /// The elements to iterate over.
    ///
    /// - Throws: ``LogicError/invalidArguments`` for anything but an array (or `null` when
    ///   `nullIsEmpty`).
    @inline(__always)
    static func sourceElements(_ value: JSONValue, nullIsEmpty: Bool) throws(LogicError) -> [JSONValue] {
        switch value {
        case .array(let elements): return elements
        case .null where nullIsEmpty: return []
        default: throw .invalidArguments
        }
    }

    /// Rejects at compile time what cannot iterate: a literal source that is not an array (a literal
    /// `null` included, which compat-tables rejects) and, when `nullBody` (`map`, `filter`), a
    /// literal `null` body.
    private static func rejectUnusableLiterals(_ call: OperatorCall, nullBody: Bool) throws(CompileProblem) {
        if let value = call.arguments[0].constant, value.array == nil {
            throw CompileProblem(
                .invalidArgument, "\"\(call.name)\" needs an array to iterate, got \(value.typeName)",
                at: call.arguments[0].path)
        }
        if nullBody, let value = call.arguments[1].constant, value.isNull {
            throw CompileProblem(
                .invalidArgument, "\"\(call.name)\" needs an expression to apply, got null", at: call.arguments[1].path)
        }
    }

    /// Whether evaluating `expression` may read a scope above the current one: it contains a `val`
    /// or `exists` whose first path step is an array (`[[1], "index"]`) or computed at run time.
    static func mayClimbScopes(_ expression: Expr) -> Bool {
        switch expression {
        case .literal:
            return false
        case .array(let elements, _):
            return elements.contains(where: mayClimbScopes)
        case .operation(let operation):
            if operation.name == "val" || operation.name == "exists", let first = operation.arguments.first {
                switch first {
                case .array, .operation: return true
                case .literal: break
                }
            }
            return operation.arguments.contains(where: mayClimbScopes)
        }
    }
}
