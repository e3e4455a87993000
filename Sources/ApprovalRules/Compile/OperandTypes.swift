/// Which declared variable types each operator can use: the one table the compiler's
/// `type_mismatch` check reads (rules/README.md, "Declared variables", shows it).
///
/// Only a variable read directly as an operand (`{"money>": [{"var": "variables.approved"}, 0]}`)
/// is checked, and only in a document with a `variables` section; operators not in the table
/// (`==`, `!`, `and`, `if`, `cat`, `missing`, ...) take any type.
///
/// ```swift
/// OperandTypes.accepts("money>", argument: 0, .boolean)  // false
/// OperandTypes.accepts("days_since", argument: 0, .date)  // true
/// ```
enum OperandTypes {
    /// Which arguments of an operator are checked.
    enum Arguments: Sendable {
        case all, first, second

        func contains(_ index: Int) -> Bool {
            switch self {
            case .all: return true
            case .first: return index == 0
            case .second: return index == 1
            }
        }
    }

    /// One row: the operators, which of their arguments, and the types those may have.
    struct Row: Sendable {
        let operators: [String]
        let arguments: Arguments
        let accepts: Set<FactType>
    }

    /// The table, by family (`any` is always accepted: a variable declared `any` is not checked).
    static let rows: [Row] = [
        Row(
            operators: ["money>", "money>=", "money<", "money<=", "money==", "money"], arguments: .all,
            accepts: [.number, .integer, .money]),
        Row(
            operators: ["+", "-", "*", "/", "%", "max", "min"], arguments: .all, accepts: [.number, .integer, .money]),
        Row(
            operators: ["<", "<=", ">", ">="], arguments: .all,
            accepts: [.number, .integer, .money, .date, .datetime, .string]),
        Row(
            operators: [
                "before", "after", "on_or_before", "on_or_after", "same_day", "days_between", "days_until",
                "days_since",
            ], arguments: .all, accepts: [.date, .datetime]),
        Row(
            operators: ["email_domain", "domain_is", "domain_ends_with", "is_owner"], arguments: .first,
            accepts: [.email, .string]),
        Row(operators: ["starts_with", "ends_with", "substr"], arguments: .first, accepts: [.string, .email, .file]),
        Row(operators: ["in_list"], arguments: .first, accepts: [.string, .email, .number, .integer]),
        Row(operators: ["near_list"], arguments: .first, accepts: [.string, .email]),
        Row(operators: ["in"], arguments: .second, accepts: [.array, .string, .email, .file]),
        Row(
            operators: ["map", "filter", "reduce", "all", "some", "none"], arguments: .first, accepts: [.array, .file]),
        Row(operators: ["has_file"], arguments: .first, accepts: [.file]),
    ]

    private static let byOperator: [String: Row] = {
        var table: [String: Row] = [:]
        for row in rows {
            for name in row.operators { table[name] = row }
        }
        return table
    }()

    /// The types argument `argument` of `name` may have, when the table restricts it.
    static func accepted(_ name: String, argument: Int) -> Set<FactType>? {
        guard let row = byOperator[name], row.arguments.contains(argument) else { return nil }
        return row.accepts
    }

    /// Whether argument `argument` of operator `name` may be a variable of `type`.
    static func accepts(_ name: String, argument: Int, _ type: FactType) -> Bool {
        type == .any || accepted(name, argument: argument)?.contains(type) ?? true
    }
}
