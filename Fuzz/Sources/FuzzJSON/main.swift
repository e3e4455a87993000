// libFuzzer target: the JSON layer on arbitrary bytes.
// Invariants: never crash, leak or hang; a parse that succeeds re-encodes to text that parses back
// to an equal value; the projection path agrees with the full parse; locating any pointer in the
// (possibly invalid) source never traps; repeated keys are found exactly when jansson finds one;
// a value's block reads back as the value with its repeated keys, and any bytes read as a block
// (raw, or behind a valid header) give a value or nil, never a trap.
import ApprovalJSON

#if canImport(Glibc)
    import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for options in [JSONParser.Options.data, .ruleFile, JSONParser.Options(allowNUL: false, maxDepth: 8)] {
        let parser = JSONParser(options: options)
        guard let value = try? parser.parse(bytes) else { continue }
        let text = JSONWriter.compact.bytes(value)
        guard let back = try? JSONParser(options: JSONParser.Options(maxDepth: 10_000)).parse(text), back == value
        else {
            fatalError("round trip changed the value: \(value)")
        }
        let projection = JSONProjection.fields([
            "variables_to_approve": .elements(
                .matching(key: "variable_id", values: ["a"], then: .all, otherwise: .fields(["variable_id": .all]))),
            "task_id": .all,
        ])
        let partial = try? parser.parse(bytes, projection: projection)
        if partial == nil { fatalError("projection failed where the full parse succeeded") }
        if case .object(let object) = value, let task = object["task_id"], partial?["task_id"] != task {
            fatalError("projection lost task_id")
        }
    }
    // Repeated keys: the scan that finds them agrees with jansson about whether there are any,
    // and the value is the one a plain parse gives.
    var repeats: [JSONRepeatedKey] = []
    if let value = try? JSONParser().parse(bytes, repeatedKeys: &repeats) {
        let strict = try? JSONParser(options: JSONParser.Options(rejectDuplicateKeys: true)).parse(bytes)
        if (strict == nil) != !repeats.isEmpty {
            fatalError("repeated keys \(repeats) but jansson says \(strict != nil)")
        }
        if value != (try? JSONParser().parse(bytes)) { fatalError("reporting repeated keys changed the value") }
        let block = JSONBlock(value, repeatedKeys: repeats)
        guard let stored = JSONBlock(bytes: block.bytes), stored.value(maxDepth: 10_000) == value,
            stored.repeatedKeys(file: nil) == repeats
        else { fatalError("block round trip changed the value or its repeated keys") }
    }
    // Arbitrary bytes as a block: alone, and as the value section behind a valid header.
    _ = JSONBlock(bytes: bytes)?.value()
    var framed: [UInt8] = [0x41, 0x4A, 0x42, 0x01, 1, 0, 0, 0]
    withUnsafeBytes(of: UInt32(12 + bytes.count).littleEndian) { framed.append(contentsOf: $0) }
    framed += bytes + [0]
    if let block = JSONBlock(bytes: framed) {
        _ = block.value()
        _ = block.repeatedKeys(file: nil)
    }
    let locator = SourceLocator(bytes: bytes)
    for pointer in ["/a", "/0/b", "/variables_to_approve/1/value", ""] {
        _ = locator.location(of: JSONPointer(parsing: pointer)!, key: true)  // literal pointers are valid
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
