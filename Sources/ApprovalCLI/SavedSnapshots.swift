import ApprovalBatch
package import ApprovalRules

/// Reading a folder of saved snapshots one at a time (``FileSnapshotSource``: `*.json`,
/// recursively, in name order), for the commands that learn from them rather than decide them
/// (`schema infer`, `validate --snapshots`).
package enum SavedSnapshots {
    /// What a pass over a folder found.
    package struct Pass: Sendable {
        /// The snapshots read and accepted.
        package var read = 0
        /// The files that could not be read, or that `body` refused (each reported on stderr).
        package var bad = 0
    }

    /// Calls `body` with each snapshot under `folder` (or the one file `folder` names); a file
    /// that cannot be read, or that `body` refuses (by returning why), is reported on stderr,
    /// naming it, and counted, and the pass goes on.
    ///
    /// - Throws: ``CommandFailure`` (66, reported) when nothing is at `folder`, or when it holds
    ///   no snapshot files.
    package static func each(
        in folder: String, format: OutputFormat, _ body: (_ file: String, _ snapshot: ApprovalSnapshot) -> String?
    ) throws(CommandFailure) -> Pass {
        var source: FileSnapshotSource
        do throws(SnapshotSourceError) {
            source = try FileSnapshotSource(folder)
        } catch {
            throw Console.fail(error.message, code: error.code, status: .missingInput, format: format)
        }
        var pass = Pass()
        while let item = source.next() {
            guard let snapshot = try? Inputs.snapshot(item.file, format: format) else {
                pass.bad += 1  // Inputs reported it, with file, line and column
                continue
            }
            if let problem = body(item.file, snapshot) {
                _ = Console.fail(
                    "\(item.file): \(problem)", code: "malformed_snapshot", status: .invalidInput, format: format)
                pass.bad += 1
            } else {
                pass.read += 1
            }
        }
        if pass.read + pass.bad == 0 {
            throw Console.fail(
                "\(folder): no snapshot files (*.json)", code: "file_not_found", status: .missingInput, format: format)
        }
        return pass
    }
}
