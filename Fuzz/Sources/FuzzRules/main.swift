// libFuzzer target: the rule compiler on arbitrary rule documents.
// Invariants: compiling never crashes or hangs; a rejected document always carries at least one
// error diagnostic, each with a path, and a location when the source is known; a compiled rule set
// evaluates a fixed snapshot without crashing and never approves when the data has problems.
import ApprovalJSON
import ApprovalRules

#if canImport(Glibc)
    import Glibc
#endif

let snapshot = ApprovalSnapshot(
    [
        "task_id": 1,
        "eligible_approvers_active": ["a@example.com"],
        "next_eligible_approvers": [],
        "variables_to_approve": [
            ["variable_id": "contract_value", "variable_type": "number", "value": 300000],
            ["variable_id": "vendor_name", "variable_type": "text", "value": "Acme"],
            ["variable_id": "contract_file", "variable_type": "file", "value": "att_1"],
        ],
        "files": [["file_id": "att_1", "variable_id": "contract_file", "file_name": "c.pdf"]],
    ])
let now = Timestamp(iso8601: "2025-06-01T00:00:00Z")

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = Limits.default
    limits.evaluationSteps = 20_000
    do {
        let rules = try RuleSet(bytes: bytes, file: "fuzz.rules.json", limits: limits)
        let decision = rules.evaluate(snapshot, options: EvaluationOptions(now: now, explain: true))
        if !decision.dataProblems.isEmpty && decision.recommendation == .approve {
            fatalError("approved despite data problems")
        }
        _ = JSONWriter.compact.bytes(decision.json)
    } catch let error as RuleCompilationError {
        guard !error.errors.isEmpty else { fatalError("rejected without an error diagnostic") }
        for diagnostic in error.diagnostics where diagnostic.location == nil {
            fatalError("diagnostic without a location: \(diagnostic)")
        }
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, fuzzOne))
#else
    print("build this target with Fuzz/run.sh (libFuzzer)")
    exit(2)
#endif
