public import ApprovalJSON

/// A workflow variable as the API reports it, in `variables_to_approve`, `step_run.variables`
/// and a task's `variables`.
///
/// ```swift
/// let variable = try Variable(json: ["variable_id": "contract_value", "variable_type": "number", "value": 150000])
/// variable.value  // .integer(150000)
/// ```
public struct Variable: Sendable, Hashable {
    /// `variable_id`.
    public var variableID: String
    /// `variable_type`: text, number, boolean, date, email, file, select, multi_select, ...
    public var variableType: String?
    /// `value`: any JSON (`null` when absent).
    public var value: JSONValue
    /// `step_id`: the step that collected it.
    public var stepID: String?
    /// The object as received, unknown fields included.
    public var raw: JSONValue

    /// Reads a variable object.
    ///
    /// - Throws: ``ModelError`` when `variable_id` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        try self.init(json: json, path: "")
    }

    init(json: JSONValue, path: String) throws(ModelError) {
        let reader = try ModelReader(json, path: path)
        variableID = try reader.string("variable_id")
        variableType = try reader.optionalString("variable_type")
        value = reader.object["value"] ?? .null
        stepID = try reader.optionalString("step_id")
        raw = json
    }
}
