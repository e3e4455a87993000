import ApprovalJSON

extension Coercion {
    /// A scalar (`null`, Boolean, number or string) hashed so that values equal under
    /// ``strictEquals(_:_:)`` hash alike (`1` and `1.0` included), for `in` over literal lists.
    struct StrictKey: Hashable, Sendable {
        let value: JSONValue

        /// The key for `value`, or `nil` for an array or object.
        init?(_ value: JSONValue) {
            switch value {
            case .array, .object: return nil
            default: self.value = value
            }
        }

        static func == (lhs: StrictKey, rhs: StrictKey) -> Bool {
            Coercion.strictEquals(lhs.value, rhs.value)
        }

        func hash(into hasher: inout Hasher) {
            switch value {
            case .null: hasher.combine(0 as UInt8)
            case .bool(let flag): hasher.combine(flag ? 2 as UInt8 : 1)
            case .integer(let number):
                hasher.combine(3 as UInt8)
                hasher.combine(Double(number))
            case .double(let number):
                hasher.combine(3 as UInt8)
                hasher.combine(number)
            case .string(let text):
                hasher.combine(4 as UInt8)
                var text = text
                text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            case .array, .object:
                hasher.combine(5 as UInt8)
            }
        }
    }
}
