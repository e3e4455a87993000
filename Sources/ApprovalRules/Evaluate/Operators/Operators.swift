/// The operator table: every family's operators by name. One file per family adds its list.
enum Operators {
    static let all: [OperatorSpec] =
        logic + comparison + arithmetic + arrays + strings + data + domain

    static let table: [String: OperatorSpec] = {
        var table: [String: OperatorSpec] = [:]
        for spec in all {
            for name in spec.names {
                precondition(table[name] == nil, "operator \(name) defined twice")
                table[name] = spec
            }
        }
        return table
    }()
}
