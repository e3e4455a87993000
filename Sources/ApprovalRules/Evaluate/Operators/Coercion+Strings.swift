import ApprovalJSON

extension Coercion {
    /// JavaScript's `String(value)`: `null` is `"null"`, numbers print as JavaScript prints them
    /// (`1.0` as `"1"`, `1e21` as `"1e+21"`), arrays join their elements with commas (`null`
    /// elements as empty), and objects are `"[object Object]"`.
    static func string(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return numberText(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let elements):
            var text = ""
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                if case .null = element { continue }
                text += string(element)
            }
            return text
        case .object: return "[object Object]"
        }
    }

    /// How JavaScript prints a number (`Number.prototype.toString()`): the shortest digits that
    /// read back to the same value, positional from 1e-6 up to 1e21, exponential outside.
    static func numberText(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == 0 { return "0" }
        if number.rounded(.towardZero) == number, abs(number) < 9.0e18 { return String(Int64(number)) }
        // Swift's description is the shortest round-trip form too; take its digits and exponent.
        let negative = number < 0
        let description = (negative ? -number : number).description
        let parts = description.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        var exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa.utf8 {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        exponent += integerDigits  // value = 0.d1d2... × 10^exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            exponent -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let n = exponent
        var output: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            output += digits
            output += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            output += digits[..<n]
            output.append(UInt8(ascii: "."))
            output += digits[n...]
        } else if -6 < n && n <= 0 {
            output += "0.".utf8
            output += repeatElement(UInt8(ascii: "0"), count: -n)
            output += digits
        } else {
            output.append(digits[0])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output += digits[1...]
            }
            output.append(UInt8(ascii: "e"))
            output.append(n - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            output += String(abs(n - 1)).utf8
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether two strings hold the same Unicode scalars (no canonical equivalence, as in JSON).
    @inline(__always)
    static func sameText(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// Code-point order of two strings.
    static func textOrder(_ a: String, _ b: String) -> Order {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return .equal
            case (nil, _): return .less
            case (_, nil): return .greater
            case (let x?, let y?):
                if x < y { return .less }
                if x > y { return .greater }
            }
        }
    }

    /// Whether `needle`'s scalars occur in `haystack` (JavaScript's `String.prototype.includes`).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in needle.withUTF8 { pin in contains(hay, pin) } }
    }

    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ pin: UnsafeBufferPointer<UInt8>) -> Bool {
        guard pin.count <= hay.count, let first = pin.first else { return pin.isEmpty }
        var start = 0
        let last = hay.count - pin.count
        while start <= last {
            if hay[start] == first {
                var offset = 1
                while offset < pin.count, hay[start + offset] == pin[offset] { offset += 1 }
                if offset == pin.count { return true }
            }
            start += 1
        }
        return false
    }
}
