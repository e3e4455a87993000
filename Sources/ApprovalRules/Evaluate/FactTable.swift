import ApprovalJSON

/// The root facts a compiled rule set (or expression) reads, numbered once at compile time: an
/// evaluation looks each one up at most once, however many conditions, templates and checks
/// quote it (``FactBlock``).
struct FactTable: Sendable {
    /// The facts' paths, by slot.
    private(set) var paths: [FactPath] = []
    /// How the rules read each fact besides its value, by slot.
    private(set) var readings: [FactReadings] = []
    private var slots: [[String]: Int] = [:]

    /// How many facts are numbered.
    var count: Int { paths.count }

    /// The fact at `steps`, numbering it when it is new; `readings` adds to how it is read.
    mutating func fact(_ steps: [String], readAs readings: FactReadings = []) -> Fact {
        if let slot = slots[steps] {
            self.readings[slot].formUnion(readings)
            return Fact(slot: slot)
        }
        let fact = Fact(slot: paths.count)
        slots[steps] = fact.slot
        paths.append(FactPath(steps))
        self.readings.append(readings)
        return fact
    }

    /// Notes that `fact` is also read as `readings`.
    mutating func note(_ fact: Fact, readAs readings: FactReadings) {
        self.readings[fact.slot].formUnion(readings)
    }

    /// The path of a fact this table numbered.
    func path(_ fact: Fact) -> FactPath { paths[fact.slot] }

    /// A numbered root fact: its slot in the table (where its path is) and in a ``FactBlock``
    /// (where its value and readings are). A plain number, so that compiled nodes
    /// hold and pass facts around without reference counting.
    struct Fact: Sendable, Hashable {
        let slot: Int
    }
}
