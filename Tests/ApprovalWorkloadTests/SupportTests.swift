import ApprovalJSON
import Testing

@testable import ApprovalWorkload

@Test func splitMix64MatchesTheReferenceSequence() {
    // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
    var rng = SplitMix64(state: 0)
    #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
    #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    #expect(rng.next() == 0x06C4_5D18_8009_454F)
}

@Test func drawsStayInRange() {
    var rng = SplitMix64(seed: 1, index: 2)
    for _ in 0..<10_000 {
        #expect((0..<7).contains(rng.below(7)))
        #expect((3...5).contains(rng.int(3...5)))
        #expect((0..<3).contains(rng.weighted([1, 0, 5])))
        #expect(rng.weighted([0, 1, 0]) == 1)
    }
}

@Test(arguments: [
    (0, 1970, 1, 1), (19_723, 2024, 1, 1), (19_722, 2023, 12, 31), (19_782, 2024, 2, 29), (-1, 1969, 12, 31),
    (20_240, 2025, 6, 1),
])
func civilDatesRoundTrip(days: Int, year: Int, month: Int, day: Int) {
    #expect(CivilTime.days(year: year, month: month, day: day) == days)
    #expect(CivilTime.date(days: days) == (year, month, day))
}

@Test func timestampsFormatLikeTheAPI() {
    let seconds = CivilTime.seconds(year: 2025, month: 1, day: 20) + 12 * 3600 + 5
    #expect(CivilTime.timestampString(seconds: seconds) == "2025-01-20T12:00:05Z")
    var compact: [UInt8] = []
    CivilTime.appendTimestamp(seconds: seconds, compact: true, to: &compact)
    #expect(String(decoding: compact, as: UTF8.self) == "20250120T120005Z")
    #expect(CivilTime.dateString(days: 19_723) == "2024-01-01")
}

@Test func moneySpellings() {
    #expect(SnapshotBuilder.spell(cents: 5_000_000, as: 0) == .integer(50_000))
    #expect(SnapshotBuilder.spell(cents: 5_000_000, as: 2) == .string("50000.00"))
    #expect(SnapshotBuilder.spell(cents: 4_999_999, as: 1) == .double(49_999.99))
    #expect(SnapshotBuilder.spell(cents: 105, as: 2) == .string("1.05"))
}

@Test func vendorSlugs() {
    #expect(Vendor.slug("  Fool's Gold  Mining ") == "fool_s_gold_mining")
    #expect(Vendor.slug("Acme Consulting S.A.") == "acme_consulting_s_a")
}
