import ApprovalJSON

/// Separation of duties: the task owner among the approvers.
extension Operators {
    static let duties: [OperatorSpec] = [
        OperatorSpec(
            ["approver_is_owner"], arity: 0...0, pure: false,
            summary: "an active approver is the task's owner (false when the task is not known)"
        ) { call in
            Node(
                path: call.path,
                test: { context throws(LogicError) in
                    let found: Bool?
                    if case .string(let ownerAddress)? = context.root.lookup(FactPath.owner, clock: context.now) {
                        let approvers = context.root.lookup(FactPath.activeApprovers, clock: context.now)?.array ?? []
                        found = approvers.contains { approver in
                            guard case .string(let address) = approver else { return false }
                            return sameAddress(address, ownerAddress)
                        }
                    } else {
                        found = nil
                    }
                    if context.trace != nil {
                        if found == nil {
                            context.record(
                                call.path, "task owner is an active approver (the task owner is unknown)",
                                false, negation: "task owner is not an active approver")
                        } else if case .string(let owner)? = context.root.lookup(FactPath.owner, clock: context.now) {
                            context.record(
                                call.path, "task owner \(TraceText.value(.string(owner))) is an active approver",
                                .bool(found ?? false), negation: "task owner is not an active approver")
                        }
                    }
                    return found ?? false
                })
        },
        unary("is_owner", summary: "the address is the task's owner (false when the task is not known)", pure: false) {
            value, context in
            guard case .string(let owner)? = context.root.lookup(FactPath.owner, clock: context.now),
                case .string(let address) = value
            else {
                return false
            }
            return .bool(sameAddress(owner, address))
        },
    ]

    /// Whether two addresses are equal ignoring case (Unicode lower-casing); ASCII text is
    /// compared byte by byte, without lower-cased copies.
    static func sameAddress(_ a: String, _ b: String) -> Bool {
        let ascii: Bool? =
            a.utf8.withContiguousStorageIfAvailable { left in
                b.utf8.withContiguousStorageIfAvailable { right -> Bool? in
                    if left.count != right.count {
                        return left.contains(where: { $0 >= 0x80 }) || right.contains(where: { $0 >= 0x80 })
                            ? nil : false
                    }
                    var equal = true
                    for index in 0..<left.count {
                        let (x, y) = (left[index], right[index])
                        if x >= 0x80 || y >= 0x80 { return nil }
                        if x != y && Email.lowercase(x) != Email.lowercase(y) { equal = false }
                    }
                    return equal
                } ?? nil
            } ?? nil
        return ascii ?? (a.lowercased() == b.lowercased())
    }
}
