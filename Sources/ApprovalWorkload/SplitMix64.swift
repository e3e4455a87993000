/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, statistically sound 64-bit generator.
///
/// The workload never touches system randomness or the standard library's `random(in:using:)`,
/// whose algorithm may change between Swift releases: every draw goes through the helpers below,
/// so a seed gives the same bytes on every toolchain and platform.
struct SplitMix64 {
    private(set) var state: UInt64

    init(state: UInt64) {
        self.state = state
    }

    /// The generator for snapshot `index` of the corpus of `seed`: each snapshot gets its own,
    /// well-mixed stream, so snapshot `i` does not depend on how many came before it.
    init(seed: UInt64, index: Int) {
        self.init(state: Self.mix(seed &+ Self.mix(UInt64(truncatingIfNeeded: index) ^ 0xD1B5_4A32_D192_ED03)))
    }

    /// The SplitMix64 output function (a bijective 64-bit mixer).
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A number in `0..<bound` (`bound` > 0), by multiply-high (bias below 2^-32, irrelevant here).
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `percent` / 100.
    mutating func chance(_ percent: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 * 100 < percent
    }

    /// One element of a non-empty array.
    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[below(elements.count)]
    }

    /// An index of `weights`, drawn in proportion to the weights (all >= 0, sum > 0).
    mutating func weighted(_ weights: [Int]) -> Int {
        var total = 0
        for weight in weights { total += weight }
        var draw = below(total)
        var index = 0
        while index < weights.count - 1 {
            if draw < weights[index] { return index }
            draw -= weights[index]
            index += 1
        }
        return index
    }
}
