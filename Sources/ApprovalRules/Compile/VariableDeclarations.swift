import ApprovalJSON

/// A type a rule document's `variables` section may give a variable: one of the fact types
/// (``FactType``), or one of the approvals API's variable types, which each read as a fact type.
///
/// ```swift
/// VariableType.named("number_with_currency")?.factType  // .money
/// VariableType.named("text")?.factType                  // .string
/// VariableType.named("money")?.factType                 // .money
/// ```
struct VariableType: Sendable, Hashable {
    /// The name as the document writes it (`text`, `money`, ...).
    let name: String
    /// What the name means to the engine: the type a required variable is checked against, and
    /// the type the operator table (``OperandTypes``) reads.
    let factType: FactType

    /// The API's variable types (``SnapshotValidator/variableTypes``) as fact types. The names
    /// the two vocabularies share (`number`, `boolean`, `date`, `email`, `file`) mean the fact
    /// type: a required `number` is a JSON number (declare `money` to accept numeric strings), a
    /// required `date` a calendar date (declare `datetime` to accept date-times).
    static let apiTypes: [String: FactType] = [
        "text": .string, "number": .number, "boolean": .boolean, "date": .date, "email": .email, "file": .file,
        "select": .string, "multi_select": .array, "user_entity": .any, "business": .any, "dynamic_list": .any,
        "dynamic_table": .any, "number_with_currency": .money, "conversation": .any,
    ]

    /// Every name a declaration may use: the fact types, then the API's own names, sorted.
    static let names: [String] =
        FactType.allCases.map(\.rawValue)
        + apiTypes.keys.filter { FactType(rawValue: $0) == nil }.sorted()

    /// The type called `name`, or `nil` when there is none.
    static func named(_ name: String) -> VariableType? {
        guard let type = FactType(rawValue: name) ?? apiTypes[name] else { return nil }
        return VariableType(name: name, factType: type)
    }

    /// How messages name the type: `text (string)` for an API name, `money` for a fact type.
    var label: String { name == factType.rawValue ? name : "\(name) (\(factType.rawValue))" }
}

/// One variable of a `variables` section: `"contract_value": {"type": "money", "required": true,
/// "description": "..."}`, or the short form `"department": "string"`.
struct DeclaredVariable: Sendable {
    let id: String
    /// `nil` when the declaration's type is missing or unknown (reported; the variable is still
    /// declared, so references to it are not reported again, and no operator is refused on it).
    let type: VariableType?
    let required: Bool
    let description: String?
}

/// A rule document's `variables` section: the variable ids the rules may read, with their types.
/// When a document has one, the compiler reports references to undeclared ids
/// (`unknown_variable`) and operators given a variable of a type they cannot use
/// (`type_mismatch`); required variables join the document's required facts.
struct VariableDeclarations: Sendable {
    /// The declarations in document order.
    private(set) var variables: [DeclaredVariable] = []
    private var index: [String: Int] = [:]

    /// The fields of the long form.
    static let fields: Set<String> = ["type", "required", "description"]

    /// The declaration of `id`, when there is one.
    subscript(id: String) -> DeclaredVariable? { index[id].map { variables[$0] } }

    /// The declared ids.
    var ids: some Collection<String> { index.keys }

    mutating func declare(_ variable: DeclaredVariable) {
        index[variable.id] = variables.count
        variables.append(variable)
    }
}
