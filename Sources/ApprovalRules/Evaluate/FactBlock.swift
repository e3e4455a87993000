import ApprovalJSON

/// How rules read a fact besides its value, decided when they are compiled: as an amount (the
/// money operators, a `money` requirement), as a date (the date operators, a `date` or `datetime`
/// requirement). A ``FactBlock`` parses these ahead; any other reading is parsed when asked for.
struct FactReadings: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let amount = FactReadings(rawValue: 1)
    static let date = FactReadings(rawValue: 2)

    /// How a requirement of `type` reads its fact.
    init(_ type: FactType) {
        switch type {
        case .money: self = .amount
        case .date, .datetime: self = .date
        default: self = []
        }
    }

    init(rawValue: UInt8) { self.rawValue = rawValue }
}

/// The root facts a compiled rule set (or expression) reads, in the order its ``FactTable``
/// numbered them: fixed once compiling ends, and shared by every ``FactBlock`` laid out for it.
/// A class, so that a block can tell whether it was laid out for the rules evaluating it
/// (``FactBlock/isLaidOut(for:now:)``).
final class FactLayout: Sendable {
    /// The facts' paths, by slot.
    let paths: [FactPath]
    /// How the rules read each fact besides its value, by slot: what a block parses ahead.
    let readings: [FactReadings]
    /// Whether a fact is the evaluation's clock (`now`), whose value depends on the evaluation.
    let readsClock: Bool
    /// The currency rates amounts are converted with (those of the rules).
    let declarations: Declarations

    init(_ table: FactTable, declarations: Declarations = .none) {
        paths = table.paths
        readings = table.readings
        readsClock = table.paths.contains { $0.head == .now }
        self.declarations = declarations
    }

    /// How many facts there are.
    var count: Int { paths.count }

    /// The layout of an expression that reads no facts (what constant folding evaluates).
    static let empty = FactLayout(FactTable())
}

/// Every fact a compiled rule set reads from one snapshot (or one JSON value), looked up and read
/// once, in one block: the value of each fact of a ``FactLayout``, by slot, with the readings the
/// rules take of it (``FactReadings``) parsed. This is what evaluations read root facts from
/// (``EvaluationContext/subscript(_:)``), and the only place they are looked up.
///
/// An evaluation lays out its own entries on its stack (``EvaluationMemory``), unless the
/// snapshot carries a block laid out for the same rules (``RuleSet/prepare(_:options:)``): a
/// snapshot the same rules evaluate many times (a benchmark; a program deciding one task several
/// times with the same rules and clock) then pays for its lookups and its parsing of amounts and
/// dates once.
///
/// `@unchecked Sendable`: immutable once built; ``entries`` is memory it owns and never writes
/// after `init`.
final class FactBlock: @unchecked Sendable {
    /// One fact: its value and its typed reading. Plain stored data: evaluations read it in place,
    /// field by field, through ``EvaluationContext`` (calling a method on an entry read through a
    /// pointer would copy it first).
    struct Entry {
        /// The value; `null` when absent (``isPresent`` tells the two apart).
        let value: JSONValue
        /// Whether the data has the fact at all (`false` for absent, `true` for a `null`).
        let isPresent: Bool
        /// The readings parsed ahead (the others are parsed when asked for).
        let parsed: FactReadings
        /// What parsing found: a value is never both an amount and a date, so one answers both.
        let reading: Reading

        enum Reading {
            case neither
            /// An amount, in the base currency.
            case money(DecimalNumber)
            /// An amount that cannot be converted (converting it again raises why).
            case unconvertible
            case date(Timestamp)
        }

        /// The fact whose value is `value` (`nil` when absent), with `readings` parsed and amounts
        /// converted with `declarations`.
        init(_ value: JSONValue?, readings: FactReadings, declarations: Declarations) {
            if let value {
                self.value = value
                isPresent = true
            } else {
                self.value = .null
                isPresent = false
            }
            parsed = readings
            if readings.contains(.amount), let amount = Money.amount(self.value) {
                reading = (try? Money.convert(amount, declarations)).map(Reading.money) ?? .unconvertible
            } else if readings.contains(.date), let date = Self.date(self.value) {
                reading = .date(date)
            } else {
                reading = .neither
            }
        }

        /// A value as a date-time: a string in ISO 8601.
        static func date(_ value: JSONValue) -> Timestamp? {
            guard case .string(let text) = value else { return nil }
            return Timestamp(iso8601: text)
        }
    }

    /// The layout the block follows.
    let layout: FactLayout
    /// The clock the block's `now` facts hold (when ``FactLayout/readsClock``).
    private let now: Timestamp?
    /// The entries, by slot.
    let entries: UnsafePointer<Entry>

    /// Looks up every fact of `layout` in `root`, `now` standing for the `now` facts on a snapshot.
    init(_ layout: FactLayout, root: DataRoot, now: Timestamp?) {
        self.layout = layout
        self.now = now
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: layout.count)
        Self.layOut(layout, root: root, now: now, into: entries)
        self.entries = UnsafePointer(entries)
    }

    deinit {
        let entries = UnsafeMutablePointer(mutating: entries)
        Self.deinitialize(entries, count: layout.count)
        entries.deallocate()
    }

    /// Deinitializes `count` entries at `entries`, one by one: the bulk `deinitialize(count:)` is
    /// not specialized here and destroys each entry through the type's value witness.
    static func deinitialize(_ entries: UnsafeMutablePointer<Entry>, count: Int) {
        for slot in 0..<count { _ = (entries + slot).move() }
    }

    /// Initializes `layout.count` entries at `entries` with the facts of `layout` in `root`.
    static func layOut(_ layout: FactLayout, root: DataRoot, now: Timestamp?, into entries: UnsafeMutablePointer<Entry>)
    {
        let paths = layout.paths
        let readings = layout.readings
        let declarations = layout.declarations
        // The root is unpacked once, not per fact.
        switch root {
        case .snapshot(let snapshot):
            for slot in paths.indices {
                let value = snapshot.lookup(paths[slot], clock: now)
                (entries + slot).initialize(to: Entry(value, readings: readings[slot], declarations: declarations))
            }
        case .value:
            for slot in paths.indices {
                let value = root.lookup(paths[slot], clock: now)
                (entries + slot).initialize(to: Entry(value, readings: readings[slot], declarations: declarations))
            }
        }
    }

    /// Whether an evaluation of rules with `layout` at clock `now` can read this block.
    func isLaidOut(for layout: FactLayout, now: Timestamp?) -> Bool {
        self.layout === layout && (!layout.readsClock || self.now == now)
    }

    /// `block` when an evaluation of rules with `layout` at clock `now` can read it, else `nil`.
    static func usable(_ block: FactBlock?, for layout: FactLayout, now: Timestamp?) -> FactBlock? {
        guard let block, block.isLaidOut(for: layout, now: now) else { return nil }
        return block
    }
}
