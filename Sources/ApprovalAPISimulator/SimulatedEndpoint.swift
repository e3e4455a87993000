/// One of the API endpoints the simulator serves, as faults and the request log name them.
///
/// ```swift
/// SimulatedEndpoint(rawValue: "files")  // .taskFiles
/// ```
public struct SimulatedEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The name used in JSON: `approval-details`, `task`, `files`, `signed-documents`, `step-document`.
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// The endpoint named `rawValue`, or `nil` when there is none.
    public init?(rawValue: String) {
        guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    /// `GET /tasks/{id}/approval-details`.
    public static let approvalDetails = SimulatedEndpoint("approval-details")
    /// `GET /tasks/{id}`.
    public static let task = SimulatedEndpoint("task")
    /// `GET /tasks/{id}/files`.
    public static let taskFiles = SimulatedEndpoint("files")
    /// `GET /tasks/{id}/signed-documents`.
    public static let signedDocuments = SimulatedEndpoint("signed-documents")
    /// `GET /tasks/{id}/steps/{step_id}/document`.
    public static let stepDocument = SimulatedEndpoint("step-document")

    /// Every endpoint.
    public static let all: [SimulatedEndpoint] = [.approvalDetails, .task, .taskFiles, .signedDocuments, .stepDocument]

    /// The JSON name.
    public var description: String { rawValue }
}
