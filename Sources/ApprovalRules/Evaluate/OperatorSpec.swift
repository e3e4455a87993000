import ApprovalJSON

/// An operator as the compiler sees it: its names, how many arguments it accepts, and how to
/// build its node from compiled arguments. Operators resolve through a table of these.
struct OperatorSpec: Sendable {
    /// The names the operator answers to (`?:` and `if` share one spec).
    let names: [String]
    /// The argument counts accepted; others are reported as `wrong_arity`.
    let arity: ClosedRange<Int>
    /// When true, a bare (non-array) argument is `Invalid Arguments` (`{"if": 5}`); when false a
    /// bare argument counts as one argument (`{"!": true}`).
    let needsArgumentArray: Bool
    /// When true and every argument is a constant, the compiler evaluates the node once and keeps
    /// the value (constant folding). Only for operators without side effects or clock/data reads.
    let pure: Bool
    /// When true the arguments are data, not expressions: they are not compiled (so they are
    /// neither checked nor counted as facts the rules read), and `build` reads
    /// `call.operation.raw` (`preserve`).
    let rawArguments: Bool
    /// How the operator reads arguments that are root facts besides their values (as amounts, as
    /// dates): the evaluation's ``FactBlock`` parses those ahead.
    let reads: FactReadings
    /// One line for the reference and for "did you mean".
    let summary: String
    /// Builds the node. Throw ``CompileProblem`` for a problem found at compile time.
    let build: @Sendable (OperatorCall) throws(CompileProblem) -> Node

    init(
        _ names: [String], arity: ClosedRange<Int>, needsArgumentArray: Bool = false, pure: Bool = true,
        rawArguments: Bool = false, reads: FactReadings = [], summary: String,
        build: @escaping @Sendable (OperatorCall) throws(CompileProblem) -> Node
    ) {
        self.names = names
        self.rawArguments = rawArguments
        self.arity = arity
        self.needsArgumentArray = needsArgumentArray
        self.pure = pure
        self.reads = reads
        self.summary = summary
        self.build = build
    }
}

/// What an operator's `build` gets: the call as written, its compiled arguments, and the rule
/// document's declarations (lists, currency rates) it may refer to.
struct OperatorCall: Sendable {
    let operation: Expr.Operation
    let arguments: [Node]
    let declarations: Declarations
    /// For a `var` whose path is a literal: the root fact it names, numbered by the compiler so
    /// the evaluation looks it up once.
    var fact: FactTable.Fact? = nil

    var name: String { operation.name }
    var path: JSONPointer { operation.path }

    /// The compiled argument `index`, or a `null` constant when absent.
    func argument(_ index: Int) -> Node {
        index < arguments.count ? arguments[index] : Node(constant: .null, path: path)
    }
}

/// A problem an operator finds while being compiled.
struct CompileProblem: Error, Sendable {
    var code: RuleDiagnostic.Code
    var message: String
    /// Where, when more precise than the call itself (e.g. one argument).
    var path: JSONPointer?
    /// What evaluation raises in place of the call (JSON Logic's error kind).
    var runtimeError: LogicError = .invalidArguments

    init(_ code: RuleDiagnostic.Code, _ message: String, at path: JSONPointer? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }
}
