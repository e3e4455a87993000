import ApprovalJSON

/// A vendor name with what snapshots derive from it.
struct Vendor {
    let name: String
    /// Lowercase letters, digits and `_`, for file names.
    let slug: String
    /// The `vendor_name` variable.
    let variable: JSONValue

    init(name: String) {
        self.name = name
        self.slug = Self.slug(name)
        self.variable = SnapshotBuilder.variable("text", .string(name), "intake_step", "vendor_name")
    }

    /// Lowercase letters and digits, runs of anything else turned into one `_`.
    static func slug(_ name: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
            default: if let last = bytes.last, last != UInt8(ascii: "_") { bytes.append(UInt8(ascii: "_")) }
            }
        }
        while bytes.last == UInt8(ascii: "_") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
