import ApprovalJSON

/// The memory one evaluation works in: its fact slots and the first few scopes of its iterators,
/// on the stack of the evaluating call for the usual rule set, so that an evaluation allocates
/// nothing to remember facts or to walk an array.
struct EvaluationMemory {
    /// Room for the fact slots (`nil` for none), uninitialized.
    let slots: UnsafeMutablePointer<FactSlot>?
    /// Room for ``ScopeStack/inlineCapacity`` scopes.
    let scopes: UnsafeMutablePointer<UnsafePointer<JSONValue>>

    /// At most this many bytes are taken from the stack (the standard library's own limit for a
    /// temporary allocation that needs no stack probe); more come from the heap.
    private static let stackBytes = 1024

    /// Runs `body` with memory for `count` fact slots and the inline scopes, valid during the call.
    static func with<Result>(factSlots count: Int, _ body: (EvaluationMemory) -> Result) -> Result {
        let slotBytes = count * MemoryLayout<FactSlot>.stride
        let scopeBytes = ScopeStack.inlineCapacity * MemoryLayout<UnsafePointer<JSONValue>>.stride
        let alignment = max(MemoryLayout<FactSlot>.alignment, MemoryLayout<UnsafePointer<JSONValue>>.alignment)
        func run(_ raw: UnsafeMutableRawPointer) -> Result {
            let memory = EvaluationMemory(
                slots: count == 0 ? nil : raw.bindMemory(to: FactSlot.self, capacity: count),
                scopes: (raw + slotBytes).bindMemory(
                    to: UnsafePointer<JSONValue>.self, capacity: ScopeStack.inlineCapacity))
            return body(memory)
        }
        if slotBytes + scopeBytes > stackBytes {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: slotBytes + scopeBytes, alignment: alignment)
            defer { raw.deallocate() }
            return run(raw)
        }
        return withUnsafeTemporaryAllocation(byteCount: slotBytes + scopeBytes, alignment: alignment) {
            run($0.baseAddress!)
        }
    }
}
