import ApprovalJSON

/// The root facts a compiled rule set (or expression) reads, numbered once at compile time: an
/// evaluation looks each one up at most once, however many conditions, templates and checks
/// quote it (``EvaluationContext/fact(_:)``).
struct FactTable: Sendable {
    /// The facts' paths, by slot.
    private(set) var paths: [FactPath] = []
    /// The same, unretained (``paths`` keeps them alive): what an evaluation reads a path through,
    /// without retaining and releasing it around each lookup.
    private(set) var unretainedPaths: [Unmanaged<FactPath>] = []
    private var slots: [[String]: Int] = [:]

    /// How many facts are numbered.
    var count: Int { paths.count }

    /// The fact at `steps`, numbering it when it is new.
    mutating func fact(_ steps: [String]) -> Fact {
        if let slot = slots[steps] { return Fact(slot: slot) }
        let fact = Fact(slot: paths.count)
        slots[steps] = fact.slot
        let path = FactPath(steps)
        paths.append(path)
        unretainedPaths.append(Unmanaged.passUnretained(path))
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
