public import ApprovalJSON

/// One execution of a workflow step: `step_run` in approval details, `step_runs[]` in a task.
///
/// ```swift
/// let run = try StepRun(json: details["step_run"] ?? .null)
/// run.status  // "pending"
/// ```
public struct StepRun: Sendable, Hashable {
    /// `step_run_id`.
    public var stepRunID: String?
    /// `step_id`: the step definition.
    public var stepID: String
    /// `step_name`.
    public var stepName: String?
    /// `step_type`, e.g. `approval`, `intake`, `review`, `signature`.
    public var stepType: String?
    /// `status`: initiated, pending, in_progress, completed, failed, rejected, cancelled.
    public var status: String?
    /// `variables`.
    public var variables: [Variable]
    /// The object as received, unknown fields included.
    public var raw: JSONValue

    /// Reads a step run object.
    ///
    /// - Throws: ``ModelError`` when `step_id` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        try self.init(json: json, path: "")
    }

    init(json: JSONValue, path: String) throws(ModelError) {
        let reader = try ModelReader(json, path: path)
        stepRunID = try reader.optionalString("step_run_id")
        stepID = try reader.string("step_id")
        stepName = try reader.optionalString("step_name")
        stepType = try reader.optionalString("step_type")
        status = try reader.optionalString("status")
        variables = try reader.objects("variables") { (value, path) throws(ModelError) in
            try Variable(json: value, path: path)
        }
        raw = json
    }
}
