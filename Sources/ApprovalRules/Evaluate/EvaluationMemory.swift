import ApprovalJSON

/// The memory one evaluation works in: room for the entries of its facts (when it lays them out
/// itself, ``FactBlock/layOut(_:root:now:into:)``) and for the first few scopes of its iterators,
/// on the stack of the evaluating call for the usual rule set, so that an evaluation allocates
/// nothing to know its facts or to walk an array.
struct EvaluationMemory {
    /// Room for the facts' entries, uninitialized.
    let facts: UnsafeMutablePointer<FactBlock.Entry>
    /// Room for ``ScopeStack/inlineCapacity`` scopes.
    let scopes: UnsafeMutablePointer<UnsafePointer<JSONValue>>

    /// At most this many bytes are taken from the stack (the standard library's own limit for a
    /// temporary allocation that needs no stack probe); more come from the heap.
    private static let stackBytes = 1024

    /// Runs `body` with room for `count` fact entries and the inline scopes, valid during the call.
    static func with<Result>(facts count: Int, _ body: (EvaluationMemory) -> Result) -> Result {
        let factBytes = count * MemoryLayout<FactBlock.Entry>.stride
        let scopeBytes = ScopeStack.inlineCapacity * MemoryLayout<UnsafePointer<JSONValue>>.stride
        let alignment = max(MemoryLayout<FactBlock.Entry>.alignment, MemoryLayout<UnsafePointer<JSONValue>>.alignment)
        func run(_ raw: UnsafeMutableRawPointer) -> Result {
            let memory = EvaluationMemory(
                facts: raw.bindMemory(to: FactBlock.Entry.self, capacity: count),
                scopes: (raw + factBytes).bindMemory(
                    to: UnsafePointer<JSONValue>.self, capacity: ScopeStack.inlineCapacity))
            return body(memory)
        }
        if factBytes + scopeBytes > stackBytes {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: factBytes + scopeBytes, alignment: alignment)
            defer { raw.deallocate() }
            return run(raw)
        }
        return withUnsafeTemporaryAllocation(byteCount: factBytes + scopeBytes, alignment: alignment) {
            run($0.baseAddress!)
        }
    }
}
