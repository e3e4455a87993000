package import ApprovalJSON
package import ApprovalRules

#if canImport(Glibc)
    import Glibc
#endif

/// Loading rules and snapshots, with failures rendered once to stderr and turned into exit codes.
package enum Inputs {
    /// The rule file to use: `--rules`, then `$APPROVAL_RULES`, then the shipped default.
    package static func rulesPath(_ given: String?, format: OutputFormat) throws(CommandFailure) -> String {
        if let given { return given }
        if let path = Console.environment("APPROVAL_RULES"), !path.isEmpty { return path }
        var candidates = ["rules/default.rules.json"]
        let executable = CommandLine.arguments[0]
        if let slash = executable.lastIndex(of: "/") {
            let folder = String(executable[..<slash])
            candidates += [
                folder + "/../../rules/default.rules.json", folder + "/../share/approvalctl/default.rules.json",
            ]
        }
        for candidate in candidates where access(candidate, R_OK) == 0 { return candidate }
        throw Console.fail(
            "no rule file given and the default rules/default.rules.json was not found; use --rules FILE",
            code: "file_not_found", status: .missingInput, format: format)
    }

    /// Loads and compiles rules; on failure prints the diagnostics and throws the exit status.
    package static func ruleSet(_ path: String, format: OutputFormat) throws(CommandFailure) -> RuleSet {
        do {
            return try RuleSet(contentsOf: path)
        } catch let error as RuleCompilationError {
            report(error.diagnostics, format: format)
            let missing = error.diagnostics.contains { $0.code == .fileNotFound }
            throw CommandFailure(status: missing ? .missingInput : .invalidInput)
        } catch {
            Console.err("error: \(error)\n")
            throw CommandFailure(status: .internalFailure)
        }
    }

    /// Prints diagnostics to stderr, compiler style or as JSON lines.
    package static func report(_ diagnostics: [RuleDiagnostic], format: OutputFormat) {
        for diagnostic in diagnostics {
            if format == .text {
                Console.err(diagnostic.description + "\n")
            } else {
                Console.err(JSONWriter.compact.string(diagnostic.json) + "\n")
            }
        }
    }

    /// Reads a snapshot file (or stdin for `-`).
    package static func snapshot(_ path: String, projection: JSONProjection = .all, format: OutputFormat)
        throws(CommandFailure)
        -> ApprovalSnapshot
    {
        let bytes = try snapshotBytes(path, format: format)
        return try parsing(path, format: format) { () throws(JSONError) in
            try ApprovalSnapshot(parsing: bytes, file: snapshotName(path), projection: projection)
        }
    }

    /// The bytes of a snapshot file (or stdin for `-`), within the snapshot size limit.
    package static func snapshotBytes(_ path: String, format: OutputFormat) throws(CommandFailure) -> [UInt8] {
        try parsing(path, format: format) { () throws(JSONError) in
            try FileBytes.read(path, limit: Limits.default.snapshotBytes)
        }
    }

    /// How errors name a snapshot read from `path` (`<stdin>` for `-`).
    package static func snapshotName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

    /// Runs `body`, reporting a ``JSONError`` it throws and turning it into the exit status (66 for
    /// a missing file, 65 otherwise).
    package static func parsing<T>(_ path: String, format: OutputFormat, _ body: () throws(JSONError) -> T)
        throws(CommandFailure) -> T
    {
        do {
            return try body()
        } catch {
            report(error, format: format)
            throw CommandFailure(status: error.code == .fileNotFound ? .missingInput : .invalidInput)
        }
    }

    /// Prints a JSON error to stderr.
    package static func report(_ error: JSONError, format: OutputFormat) {
        if format == .text {
            Console.err(error.description + "\n")
        } else {
            Console.err(JSONWriter.compact.string(json(error)) + "\n")
        }
    }

    /// The JSON form of a JSON error (the fields of the text form, snake_case).
    package static func json(_ error: JSONError) -> JSONValue {
        [
            "code": .string(error.code.description), "message": .string(error.message),
            "file": error.location?.file.map(JSONValue.string) ?? .null,
            "line": error.location.map { .integer(Int64($0.line)) } ?? .null,
            "column": error.location.map { .integer(Int64($0.column)) } ?? .null,
            "byte_offset": error.location.map { .integer(Int64($0.byteOffset)) } ?? .null,
            "path": error.path.map { .string($0.description) } ?? .null,
        ]
    }
}
