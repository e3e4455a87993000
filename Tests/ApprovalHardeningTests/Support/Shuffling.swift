import ApprovalJSON
import Foundation

/// A small seeded generator (SplitMix64), so that shuffles are the same on every run.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    /// The same value with the members of every object, at every depth, in a shuffled order
    /// (array elements keep their order: they are ordered data).
    func shufflingKeys(using generator: inout SeededGenerator) -> JSONValue {
        switch self {
        case .object(let object):
            var members = object.members.map { ($0, $1.shufflingKeys(using: &generator)) }
            members.shuffle(using: &generator)
            return .object(JSONObject(members))
        case .array(let elements):
            return .array(elements.map { $0.shufflingKeys(using: &generator) })
        default:
            return self
        }
    }
}

enum Examples {
    /// The example snapshots, as paths relative to the repository, in name order.
    static func snapshotPaths() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Paths.exampleSnapshots)
            .filter { $0.hasSuffix(".json") }
            .sorted()
            .map { "examples/snapshots/" + $0 }
    }
}
