/// Why the simulator could not start or could not accept a setting.
///
/// ```swift
/// do { _ = try SimulatedFault(json: ["kind": "teleport"]) } catch let error as SimulatorError { print(error) }
/// // error[invalid_fault]: unknown fault kind "teleport" ...
/// ```
public struct SimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    ///
    /// ```swift
    /// if error.code == .invalidFault { print(error.message) }
    /// ```
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case invalidData = "invalid_data"
            case invalidFault = "invalid_fault"
            case startFailed = "start_failed"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The data folder is missing or unreadable, or a task file is malformed.
        public static let invalidData = Code(.invalidData)
        /// A fault description cannot be understood.
        public static let invalidFault = Code(.invalidFault)
        /// The server could not bind or start.
        public static let startFailed = Code(.startFailed)

        /// The snake_case name.
        public var description: String { kind.rawValue }
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong.
    public var message: String

    /// An error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `error[code]: message`.
    public var description: String { "error[\(code)]: \(message)" }
}
