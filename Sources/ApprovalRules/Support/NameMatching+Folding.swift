// NameMatching: the general path.
extension NameMatching {
    /// Which of the two keys of step 2.
    enum Kind {
        /// V(x) = skeleton(lowercased(skeleton(x))).
        case visual
        /// C(x) = skeleton(lowercased(x)).
        case caseless
    }

    /// Steps 1 to 5 on any text: the visual key, then the caseless one when `caseless` and it
    /// differs.
    static func generalKeys(_ text: String, caseless wantCaseless: Bool) -> [String] {
        let (visual, caseless) = foldedBytes(text, caseless: wantCaseless)
        let visualKey = visual.withUnsafeBufferPointer(key)
        guard wantCaseless, caseless != visual else { return [visualKey] }
        let caselessKey = caseless.withUnsafeBufferPointer(key)
        return caselessKey == visualKey ? [visualKey] : [visualKey, caselessKey]
    }

    /// Steps 1 to 4 (the keys before legal forms are shortened, as UTF-8): the visual key, and
    /// the caseless key when `caseless` (otherwise empty).
    ///
    /// ASCII scalars take their bytes from the ASCII table and only the runs of other scalars
    /// between them go through ``fold(_:_:into:)``. That gives the same bytes as folding the whole
    /// text: every kept ASCII scalar stays one or more scalars of combining class 0 through steps
    /// 2 (so no run of combining marks that canonical ordering sorts spans it), and steps 2 and 3
    /// work scalar by scalar otherwise. Dropped scalars end no run: step 1 removes them before
    /// anything is ordered.
    static func foldedBytes(
        _ text: String, caseless wantCaseless: Bool
    ) -> (visual: [UInt8], caseless: [UInt8]) {
        let table = asciiTable
        var visual: [UInt8] = []
        var caseless: [UInt8] = []
        visual.reserveCapacity(text.utf8.count + 8)
        if wantCaseless { caseless.reserveCapacity(text.utf8.count + 8) }
        var run: [Unicode.Scalar] = []
        /// Folds the pending run of scalars beyond ASCII.
        func flush() {
            guard !run.isEmpty else { return }
            fold(run, .visual, into: &visual)
            if wantCaseless { fold(run, .caseless, into: &caseless) }
            run.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                guard !isDropped(scalar, asWritten: true) else { continue }
                flush()
                var packed = table.visual[Int(value)]
                for _ in 0..<(packed & 0xFF) {
                    packed >>= 8
                    visual.append(UInt8(truncatingIfNeeded: packed))
                }
                guard wantCaseless else { continue }
                packed = table.caseless[Int(value)]
                for _ in 0..<(packed & 0xFF) {
                    packed >>= 8
                    caseless.append(UInt8(truncatingIfNeeded: packed))
                }
            } else if !isDropped(scalar, asWritten: true) {
                run.append(scalar)
            }
        }
        flush()
        return (visual, caseless)
    }

    /// Steps 2 and 3 on `written` (scalars step 1 kept), appending the result as UTF-8.
    static func fold(_ written: [Unicode.Scalar], _ kind: Kind, into bytes: inout [UInt8]) {
        let folded: [Unicode.Scalar]
        switch kind {
        case .visual: folded = skeleton(lowercased(skeleton(written)))
        case .caseless: folded = skeleton(lowercased(written))
        }
        for scalar in folded where !isDropped(scalar, asWritten: false) {
            UTF8.encode(scalar) { bytes.append($0) }
        }
    }

    /// Whether steps 1 (`asWritten`) or 3 drop `scalar`: white space, invisible or punctuation;
    /// as written, punctuation that looks like ASCII letters and digits stays.
    static func isDropped(_ scalar: Unicode.Scalar, asWritten: Bool) -> Bool {
        let value = scalar.value
        if value < 0x80 { return asciiDropped[Int(value >> 6)] & (1 << UInt64(value & 63)) != 0 }
        return isDroppedByProperties(scalar, asWritten: asWritten)
    }

    /// The ASCII scalars steps 1 and 3 drop, as a 128-bit set (the same for both steps: no ASCII
    /// punctuation looks like a letter), from the precomputed tables.
    static let asciiDropped: [UInt64] = PrecomputedTables.asciiDropped

    /// ``asciiDropped`` derived from the Unicode properties (and, for punctuation, the confusables
    /// table): what `NameMatching+Tables.swift` holds.
    static func derivedASCIIDropped() -> [UInt64] {
        var set: [UInt64] = [0, 0]
        for value in 0..<128 where isDroppedByProperties(Unicode.Scalar(UInt8(value)), asWritten: true) {
            set[value >> 6] |= 1 << UInt64(value & 63)
        }
        return set
    }

    /// ``isDropped(_:asWritten:)`` from the scalar's Unicode properties.
    static func isDroppedByProperties(_ scalar: Unicode.Scalar, asWritten: Bool) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return false
        default: break
        }
        let properties = scalar.properties
        if properties.isWhitespace || properties.isDefaultIgnorableCodePoint { return true }
        switch properties.generalCategory {
        case .control, .format:
            return true
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            guard asWritten, let lookAlike = Confusables.mapping(of: scalar) else { return true }
            return !lookAlike.allSatisfy(isASCIILetterOrDigit)
        default:
            return false
        }
    }

    /// Whether `scalar` is `0`...`9`, `A`...`Z` or `a`...`z`.
    static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }

    /// The skeleton of `scalars`: each scalar's ``Confusables`` skeleton, then every run of
    /// combining marks in canonical order.
    static func skeleton(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars { Confusables.skeleton(of: scalar, into: &out) }
        orderCombiningMarks(&out)
        return out
    }

    /// Sorts each run of scalars with a non-zero canonical combining class by that class,
    /// keeping the order of equal classes (the canonical ordering of NFD).
    static func orderCombiningMarks(_ scalars: inout [Unicode.Scalar]) {
        /// The class, 0 for everything below U+0300 without reading properties.
        func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
            scalar.value < 0x300 ? 0 : scalar.properties.canonicalCombiningClass.rawValue
        }
        var index = 0
        while index < scalars.count {
            guard combiningClass(scalars[index]) != 0 else {
                index += 1
                continue
            }
            var end = index + 1
            while end < scalars.count, combiningClass(scalars[end]) != 0 { end += 1 }
            if end - index > 1 {
                // Insertion sort: runs are short, and it is stable.
                for next in (index + 1)..<end {
                    let scalar = scalars[next]
                    let weight = combiningClass(scalar)
                    var slot = next
                    while slot > index, combiningClass(scalars[slot - 1]) > weight {
                        scalars[slot] = scalars[slot - 1]
                        slot -= 1
                    }
                    scalars[slot] = scalar
                }
            }
            index = end
        }
    }

    /// `scalars` lower-cased as `String.lowercased()` does it: each scalar's `lowercaseMapping`.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.value < 0x80 {
                let value = scalar.value
                out.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value) | 0x20) : scalar)
            } else if !scalar.properties.changesWhenLowercased {
                out.append(scalar)
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }
}
