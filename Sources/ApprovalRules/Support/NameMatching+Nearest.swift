// NameMatching: nearest entry.
extension NameMatching {
    /// The closest entry within `maxDistance` edits, for the `near_list` operator.
    ///
    /// The distance between a value and an entry is the smallest Levenshtein distance (insert,
    /// delete or replace one Unicode scalar) between one of `valueKeys` and one of the entry's
    /// keys. Keys longer than `maxInputScalars` are cut to that many scalars first, and the
    /// distance is computed only within a band of `2 * maxDistance + 1` diagonals, so the cost is
    /// at most `maxInputScalars * (2 * maxDistance + 1)` steps per pair of keys: linear in the
    /// number of entries, never quadratic in the length of the value.
    ///
    /// - Parameters:
    ///   - valueKeys: The tested value's ``valueKeys(_:)``.
    ///   - entries: Each entry's ``entryKeys(_:)``.
    ///   - maxDistance: The most edits that still count as near; an exact match (0) counts.
    ///   - maxInputScalars: The length, in scalars, that longer keys are cut to.
    /// - Returns: The index of the nearest entry (the first of those equally near) and its
    ///   distance, or `nil` when no entry is within `maxDistance`.
    static func nearest(
        valueKeys: [String], entries: [[String]], maxDistance: Int, maxInputScalars: Int = defaultInputScalars
    ) -> (index: Int, distance: Int)? {
        nearest(
            valueKeys: valueKeys, prepared: entries.map { $0.map { scalars(of: $0, cutTo: maxInputScalars) } },
            maxDistance: maxDistance, maxInputScalars: maxInputScalars)
    }

    /// ``nearest(valueKeys:entries:maxDistance:maxInputScalars:)`` over entry keys already cut to
    /// `maxInputScalars` and spelled as scalar values (``scalars(of:cutTo:)``): what a list that is
    /// tested again and again prepares once.
    static func nearest(
        valueKeys: [String], prepared entries: [[[UInt32]]], maxDistance: Int,
        maxInputScalars: Int = defaultInputScalars
    ) -> (index: Int, distance: Int)? {
        guard maxDistance >= 0, maxInputScalars > 0 else { return nil }
        let values = valueKeys.map { scalars(of: $0, cutTo: maxInputScalars) }
        var previous = [Int](repeating: 0, count: maxInputScalars + 1)
        var current = previous
        var best: (index: Int, distance: Int)?
        // No two cut keys are further apart than the longer one's length.
        var limit = min(maxDistance, maxInputScalars)
        for (index, keys) in entries.enumerated() {
            for key in keys {
                // The scratch rows hold `maxInputScalars + 1` cells: a longer key is cut here too.
                let entry = key.count > maxInputScalars ? Array(key.prefix(maxInputScalars)) : key
                for value in values {
                    guard let distance = boundedDistance(value, entry, limit: limit, &previous, &current) else {
                        continue
                    }
                    best = (index, distance)
                    if distance == 0 { return best }
                    // Later entries must be strictly nearer to replace this one.
                    limit = distance - 1
                }
            }
        }
        return best
    }

    /// How many scalars of a key `nearest` compares, by default.
    static let defaultInputScalars = 128

    /// `key`'s first `count` scalars, as their values.
    static func scalars(of key: String, cutTo count: Int = defaultInputScalars) -> [UInt32] {
        Array(key.unicodeScalars.prefix(count).lazy.map(\.value))
    }

    /// The Levenshtein distance between `a` and `b` when it is at most `limit`, otherwise `nil`.
    ///
    /// Only cells within `limit` of the diagonal are computed (Ukkonen's band); `previous` and
    /// `current` are scratch rows of at least `b.count + 1` cells.
    static func boundedDistance(
        _ a: [UInt32], _ b: [UInt32], limit: Int, _ previous: inout [Int], _ current: inout [Int]
    ) -> Int? {
        let (n, m) = (a.count, b.count)
        guard abs(n - m) <= limit else { return nil }
        if n == 0 || m == 0 { return max(n, m) }
        let beyond = limit + 1
        for j in 0...m { previous[j] = j <= limit ? j : beyond }
        for i in 1...n {
            let low = max(1, i - limit)
            let high = min(m, i + limit)
            // The cell left of the band (column 0 is i deletions).
            current[low - 1] = low == 1 ? min(i, beyond) : beyond
            var rowMinimum = current[low - 1]
            let left = a[i - 1]
            for j in low...high {
                var cell = previous[j - 1] + (left == b[j - 1] ? 0 : 1)
                cell = min(cell, previous[j] + 1, current[j - 1] + 1)
                cell = min(cell, beyond)
                current[j] = cell
                rowMinimum = min(rowMinimum, cell)
            }
            // The next row reads one cell right of this row's band.
            if high < m { current[high + 1] = beyond }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[m] <= limit ? previous[m] : nil
    }
}
