public import ApprovalJSON

/// The `task` object of `GET /tasks/{task_id}`: status, current step, step history and every
/// variable collected so far.
///
/// Named `WorkflowTask` so as not to shadow Swift's `Task`.
///
/// ```swift
/// let task = try await client.task(taskID: 12345, as: WorkflowTask.self)
/// task.currentStepType  // "approval"
/// ```
public struct WorkflowTask: Sendable, Hashable {
    /// `task_id`.
    public var taskID: Int64
    /// `task_url`.
    public var taskURL: String?
    /// `task_title`.
    public var taskTitle: String?
    /// `workflow_id`.
    public var workflowID: String?
    /// `workflow_name`.
    public var workflowName: String?
    /// `workflow_version`.
    public var workflowVersion: Int64?
    /// `workflow_state_id`.
    public var workflowStateID: String?
    /// `status`: created, in_progress, pending, completed, cancelled, failed, archived.
    public var status: String?
    /// `current_step_id` (`nil` once completed).
    public var currentStepID: String?
    /// `current_step_name`.
    public var currentStepName: String?
    /// `current_step_type`, e.g. `approval`.
    public var currentStepType: String?
    /// `created_at` (ISO 8601).
    public var createdAt: String?
    /// `updated_at` (ISO 8601).
    public var updatedAt: String?
    /// `completed_at` (ISO 8601), `nil` until completed.
    public var completedAt: String?
    /// `owner_email`.
    public var ownerEmail: String?
    /// `assignee_email`.
    public var assigneeEmail: String?
    /// `collaborator_emails`.
    public var collaboratorEmails: [String]
    /// `step_runs`: the history of step executions.
    public var stepRuns: [StepRun]
    /// `variables`: all variables across step runs.
    public var variables: [Variable]
    /// The `task` object as received, unknown fields included.
    public var raw: JSONValue

    /// Reads a `GET /tasks/{id}` body (`{"task": {...}}`) or the bare task object.
    ///
    /// - Throws: ``ModelError`` when `task_id` is missing or a field has the wrong type.
    public init(json: JSONValue) throws(ModelError) {
        let inner: JSONValue
        let path: String
        if let task = json["task"], json["task_id"] == nil {
            inner = task
            path = "/task"
        } else {
            inner = json
            path = ""
        }
        let reader = try ModelReader(inner, path: path)
        taskID = try reader.integer("task_id")
        taskURL = try reader.optionalString("task_url")
        taskTitle = try reader.optionalString("task_title")
        workflowID = try reader.optionalString("workflow_id")
        workflowName = try reader.optionalString("workflow_name")
        workflowVersion = try reader.optionalInteger("workflow_version")
        workflowStateID = try reader.optionalString("workflow_state_id")
        status = try reader.optionalString("status")
        currentStepID = try reader.optionalString("current_step_id")
        currentStepName = try reader.optionalString("current_step_name")
        currentStepType = try reader.optionalString("current_step_type")
        createdAt = try reader.optionalString("created_at")
        updatedAt = try reader.optionalString("updated_at")
        completedAt = try reader.optionalString("completed_at")
        ownerEmail = try reader.optionalString("owner_email")
        assigneeEmail = try reader.optionalString("assignee_email")
        collaboratorEmails = try reader.strings("collaborator_emails")
        stepRuns = try reader.objects("step_runs") { (value, path) throws(ModelError) in
            try StepRun(json: value, path: path)
        }
        variables = try reader.objects("variables") { (value, path) throws(ModelError) in
            try Variable(json: value, path: path)
        }
        raw = inner
    }
}
