import ApprovalJSON

/// String operators: `cat`, `substr`, `in` (which also searches arrays), `starts_with` and `ends_with`.
///
/// Values become text as JavaScript's `String()` makes them (``Coercion/string(_:)``): `1.0` is
/// `"1"`, `true` is `"true"`. Positions count Unicode scalars (JavaScript counts UTF-16 code
/// units; the two agree outside the astral planes).
extension Operators {
    static let strings: [OperatorSpec] = [
        OperatorSpec(
            ["cat"], arity: 0...Int.max, summary: "the arguments as text, concatenated (null skipped)",
            build: { call throws(CompileProblem) in StringOperators.cat(call) }),
        OperatorSpec(
            ["substr"], arity: 1...3, summary: "[text, start, length]: part of a text; negatives count from the end",
            build: { call throws(CompileProblem) in StringOperators.substr(call) }),
        OperatorSpec(
            ["in"], arity: 2...2,
            summary: "[x, list or text]: whether x is an element of the list, or a part of the text",
            build: { call throws(CompileProblem) in StringOperators.contains(call) }),
        binary("starts_with", summary: "a string starts with a prefix (case-sensitive)") { text, prefix, _ in
            guard case .string(let text) = text, case .string(let prefix) = prefix else { return false }
            return .bool(text.hasPrefix(prefix))
        },
        binary("ends_with", summary: "a string ends with a suffix (case-sensitive)") { text, suffix, _ in
            guard case .string(let text) = text, case .string(let suffix) = suffix else { return false }
            return .bool(text.hasSuffix(suffix))
        },
    ]
}

/// The builders of the string family.
enum StringOperators {
    /// `cat`: the arguments converted to text and joined, `null` contributing nothing
    /// (`{"cat": ["a", null, 1.5, true]}` is `"a1.5true"`). A single bare argument that evaluates
    /// to an array supplies the parts. A result longer than the string limit
    /// (``Limits/stringLength``) raises ``LogicError/tooLong``.
    static func cat(_ call: OperatorCall) -> Node {
        switch VariadicOperands(call) {
        case .spread(let argument):
            return Node(path: call.path) { context throws(LogicError) in
                let value = try argument.run(&context)
                if case .array(let elements) = value { return try joined(elements) }
                return try joined(CollectionOfOne(value))
            }
        case .nodes(let operands):
            if operands.count == 1 {
                let operand = operands[0]
                return Node(path: call.path) { context throws(LogicError) in
                    let value = try operand.run(&context)
                    if case .string = value { return value }
                    return try joined(CollectionOfOne(value))
                }
            }
            return Node(path: call.path) { context throws(LogicError) in
                var text = ""
                for operand in operands {
                    let value = try operand.run(&context)
                    try append(value, to: &text)
                }
                return .string(text)
            }
        }
    }

    private static func joined(_ values: some Collection<JSONValue>) throws(LogicError) -> JSONValue {
        var text = ""
        for value in values { try append(value, to: &text) }
        return .string(text)
    }

    @inline(__always)
    private static func append(_ value: JSONValue, to text: inout String) throws(LogicError) {
        switch value {
        case .null: return
        case .string(let part): text += part
        default: text += Coercion.string(value)
        }
        // The engine's limit on strings it builds (the compiler applies the same limit to literals).
        if text.utf8.count > Limits.default.stringLength { throw .tooLong }
    }

    /// `substr`: `[text, start, length]`, JavaScript's `String.prototype.substr` as json-logic does
    /// it. A negative `start` counts from the end; without `length` the rest is taken; a negative
    /// `length` leaves that many characters off the end (`{"substr": ["jsonlogic", 1, -5]}` is
    /// `"son"`). Positions outside the text are clamped. A non-string text is converted
    /// (`{"substr": [42, 0, 1]}` is `"4"`); `null` is the empty text. Positions convert with
    /// ``Coercion/number(_:)`` and are truncated; one that is no number counts as 0.
    static func substr(_ call: OperatorCall) -> Node {
        let subject = call.arguments[0]
        let start = call.argument(1)
        let length: Node? = call.arguments.count > 2 ? call.arguments[2] : nil
        return Node(path: call.path) { context throws(LogicError) in
            let value = try subject.run(&context)
            let text: String
            switch value {
            case .string(let string): text = string
            case .null: text = ""
            default: text = Coercion.string(value)
            }
            let from = integer(try start.run(&context))
            var count: Int?
            if let length { count = integer(try length.run(&context)) }
            return .string(slice(text, start: from, length: count))
        }
    }

    /// The part of `text` that `substr(start, length)` takes, in Unicode scalars.
    static func slice(_ text: String, start: Int, length: Int?) -> String {
        let scalars = text.unicodeScalars
        let total = scalars.count
        let lower = start < 0 ? max(total + start, 0) : min(start, total)
        let upper: Int
        if let length {
            upper = length < 0 ? max(total + length, lower) : min(lower + min(length, total), total)
        } else {
            upper = total
        }
        guard lower < upper else { return "" }
        let from = scalars.index(scalars.startIndex, offsetBy: lower)
        let to = scalars.index(from, offsetBy: upper - lower)
        return String(scalars[from..<to])
    }

    /// JavaScript's `ToIntegerOrInfinity`, clamped to `Int`: truncated, `NaN` as 0.
    private static func integer(_ value: JSONValue) -> Int {
        switch Coercion.number(value) {
        case .integer(let number)?: return Int(clamping: number)
        case .double(let number)?:
            if number.isNaN { return 0 }
            if number >= Double(Int.max) { return Int.max }
            if number <= Double(Int.min) { return Int.min }
            return Int(number.rounded(.towardZero))
        case nil: return 0
        }
    }

    /// `in`: `[x, list]` is true when the list has an element strictly equal to `x`
    /// (``Coercion/strictEquals(_:_:)``, so `1` matches `1.0` but not `"1"`); `[x, text]` is true
    /// when `x`, as text, occurs in the text (`""` occurs in every text). Any other second operand
    /// (`null` for a missing list) gives `false`.
    ///
    /// A literal list is prepared at compile time: a hashed set when it has more than
    /// ``setThreshold`` scalar elements. Traced as `<x> in <list>`.
    static func contains(_ call: OperatorCall) -> Node {
        let path = call.path
        let needle = call.arguments[0]
        let haystack = call.arguments[1]
        let test: @Sendable (JSONValue, JSONValue) -> Bool
        switch haystack.constant {
        case .array(let elements)? where elements.count > setThreshold:
            let keys = elements.compactMap(Coercion.StrictKey.init)
            if keys.count == elements.count {
                let set = Set(keys)
                test = { value, _ in
                    guard let key = Coercion.StrictKey(value) else { return false }
                    return set.contains(key)
                }
            } else {
                test = { value, _ in elements.contains { Coercion.strictEquals($0, value) } }
            }
        case .array(let elements)? where !elements.isEmpty && elements.allSatisfy({ $0.string != nil }):
            // A few strings (`{"in": [{"var": "department"}, ["engineering", "it"]]}`): only a
            // string can be strictly equal to one, and then only one with the same scalars.
            let texts = elements.compactMap(\.string)
            test = { value, _ in
                guard case .string(let text) = value else { return false }
                return texts.contains { Coercion.sameText($0, text) }
            }
        case .string(let text)?:
            test = { value, _ in
                if case .string(let part) = value { return Coercion.contains(text, part) }
                return Coercion.contains(text, Coercion.string(value))
            }
        default:
            test = { value, list in isMember(value, of: list) }
        }
        if let list = haystack.constant {
            return Node(
                path: path,
                test: { context throws(LogicError) in
                    if context.trace == nil {
                        return try needle.withValue(&context) { value in test(value.pointee, list) }
                    }
                    let value = try needle.run(&context)
                    let result = test(value, list)
                    context.record(
                        path, "\(needle.describe(value)) in \(haystack.describe(list))", .bool(result),
                        negation: "\(needle.name(value)) not in \(haystack.name(list))")
                    return result
                })
        }
        return Node(
            path: path,
            test: { context throws(LogicError) in
                let value = try needle.run(&context)
                let list = try haystack.run(&context)
                let result = isMember(value, of: list)
                context.record(
                    path, "\(needle.describe(value)) in \(haystack.describe(list))", .bool(result),
                    negation: "\(needle.name(value)) not in \(haystack.name(list))")
                return result
            })
    }

    /// Literal lists longer than this are looked up through a hashed set; shorter ones are scanned,
    /// which is faster than hashing for a few short strings.
    static let setThreshold = 8

    /// The run-time form of `in`.
    static func isMember(_ value: JSONValue, of list: JSONValue) -> Bool {
        switch list {
        case .array(let elements):
            return elements.contains { Coercion.strictEquals($0, value) }
        case .string(let text):
            if case .string(let part) = value { return Coercion.contains(text, part) }
            return Coercion.contains(text, Coercion.string(value))
        default:
            return false
        }
    }
}
