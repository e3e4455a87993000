extension String {
    /// Whether this string sorts before `other` in code-point order: their UTF-8 bytes compared
    /// lexicographically. Unlike `<`, it does not depend on Unicode normalization, so it is the
    /// order for output that must be the same everywhere (sorted keys, file names, variable ids).
    ///
    /// ```swift
    /// "b".precedesInCodePointOrder("a")  // false
    /// "Z".precedesInCodePointOrder("a")  // true ("Z" is U+005A, "a" U+0061)
    /// ```
    package func precedesInCodePointOrder(_ other: String) -> Bool {
        let fast: Bool? =
            utf8.withContiguousStorageIfAvailable { left in
                other.utf8.withContiguousStorageIfAvailable { right in
                    let shared = Swift.min(left.count, right.count)
                    for index in 0..<shared where left[index] != right[index] { return left[index] < right[index] }
                    return left.count < right.count
                }
            } ?? nil
        return fast ?? utf8.lexicographicallyPrecedes(other.utf8)
    }
}
