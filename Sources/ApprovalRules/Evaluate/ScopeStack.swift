import ApprovalJSON

/// The scopes of the enclosing iterators, innermost last: pointers to values that whoever pushes
/// one keeps alive, unchanged, until it pops it (the element of the array an iterator walks, the
/// frame of `reduce`, the error `try` caught). Pointers, so pushing an element copies nothing;
/// the first ``inlineCapacity`` live in the evaluation's ``EvaluationMemory``, deeper nesting in
/// an array.
struct ScopeStack {
    static let inlineCapacity = 16

    private let inline: UnsafeMutablePointer<UnsafePointer<JSONValue>>?
    private var overflow: [UnsafePointer<JSONValue>] = []
    private(set) var count = 0

    /// A stack in an array only (contexts without their own memory).
    init() { inline = nil }

    /// A stack whose first ``inlineCapacity`` entries are kept at `inline`.
    init(inline: UnsafeMutablePointer<UnsafePointer<JSONValue>>) { self.inline = inline }

    var isEmpty: Bool { count == 0 }
    var last: UnsafePointer<JSONValue>? { count == 0 ? nil : self[count - 1] }

    subscript(index: Int) -> UnsafePointer<JSONValue> {
        if let inline, index < Self.inlineCapacity { return inline[index] }
        return overflow[index - (inline == nil ? 0 : Self.inlineCapacity)]
    }

    @inline(__always)
    mutating func push(_ value: UnsafePointer<JSONValue>) {
        if let inline, count < Self.inlineCapacity {
            inline[count] = value
        } else {
            overflow.append(value)
        }
        count += 1
    }

    @inline(__always)
    mutating func pop(_ removed: Int = 1) {
        count -= removed
        let kept = count - (inline == nil ? 0 : Self.inlineCapacity)
        if kept < overflow.count { overflow.removeLast(overflow.count - max(kept, 0)) }
    }

    mutating func removeAll() { pop(count) }
}
