import ApprovalJSON

/// What one evaluation knows of one root fact (``FactTable`` slot): where its value is, and its
/// reading as an amount or as a date, kept so that the comparisons, checks and templates quoting
/// one fact look it up and parse it once.
struct FactSlot {
    enum State: UInt8 {
        case unread, absent
        /// ``pointer`` is into the snapshot's storage.
        case stored
        /// ``pointer`` is to ``value``, computed for this evaluation.
        case computed
    }

    /// How the fact reads; a fact read both ways keeps the first reading (the second is computed
    /// each time, which no ordinary rule set needs).
    enum Reading {
        case unread
        /// An amount in the base currency (converted, when it had a currency).
        case money(DecimalNumber)
        /// An amount with a currency, not converted yet.
        case foreignAmount
        case noAmount
        case date(Timestamp)
        case noDate
    }

    /// Where the value is, once looked up and present.
    var pointer: UnsafePointer<JSONValue>?
    /// The value, when it had to be computed (``State/computed``).
    var value = JSONValue.null
    var state = State.unread
    var reading = Reading.unread

}
