// approval-ledger-bench: how fast decisions are recorded into a decision ledger, and what a
// record costs on disk.
//
//   approval-ledger-bench --rules Benchmarks/rules/benchmark.rules.json --corpus DIR --ledger PATH --batch 500
//   approval-ledger-bench --corpus DIR --ledger postgres://… --batch 1 --writers 3
//
// Decides every snapshot of the corpus folder (as `dry-run` walks it) once, then records the
// decisions into a new ledger at PATH (an SQLite file, or an empty PostgreSQL database named by a
// postgres:// URL), `--batch` decisions per transaction, timing the recording alone (hashing,
// writing, committing durably). With `--writers N`, N writers record at once, each with its own
// connections (as N service instances do), the decisions dealt out in turn. The ledger is left in
// place, for `approvalctl ledger verify` to be timed on it. Results go to stdout as `key=value`
// lines.
// Exit codes: 0 ok, 1 a snapshot or the ledger failed, 64 usage.

import ApprovalBatch
import ApprovalJSON
import ApprovalLedger
import ApprovalLedgerPostgres
import ApprovalRules
import Logging

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    var line = Array("approval-ledger-bench: \(message)\n".utf8)
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

func monotonic() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

var arguments = CommandLine.arguments.dropFirst()
var rulesPath = "Benchmarks/rules/benchmark.rules.json"
var corpus: String?
var ledgerPath: String?
var batch = 500
var writers = 1
var now = "2025-06-01T00:00:00Z"
while let argument = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(argument) needs a value", status: 64) }
    switch argument {
    case "--rules": rulesPath = value
    case "--corpus": corpus = value
    case "--ledger": ledgerPath = value
    case "--batch": batch = Int(value) ?? 0
    case "--writers": writers = Int(value) ?? 0
    case "--now": now = value
    default: fail("unknown option \(argument)", status: 64)
    }
}
guard let corpus, let ledgerPath, batch >= 1, writers >= 1, let clock = Timestamp(iso8601: now) else {
    fail(
        "usage: approval-ledger-bench --corpus DIR --ledger PATH|URL [--rules FILE] [--batch N] [--writers N] [--now ISO8601]",
        status: 64)
}

let rules: RuleSet
do {
    rules = try RuleSet(contentsOf: rulesPath)
} catch {
    fail("\(rulesPath): \(error)", status: 64)
}

// Decide everything first: the recording is timed on its own.
var entries: [LedgerEntry] = []
var source: FileSnapshotSource
do {
    source = try FileSnapshotSource(corpus)
} catch {
    fail(error.message, status: 1)
}
let options = EvaluationOptions(now: clock)
while let item = source.next() {
    do {
        let bytes = try FileBytes.read(item.file, limit: ApprovalSnapshot.parserOptions.maxBytes)
        entries.append(
            try LedgerEntry.deciding(bytes, file: item.file, rules: rules, options: options, source: "bench"))
    } catch {
        fail("\(item.file): \(error)", status: 1)
    }
}

let logger = Logger(label: "approval-ledger-bench", factory: { _ in SwiftLogNoOpLogHandler() })
let postgres = LedgerLocation.isPostgresURL(ledgerPath)
if !postgres {
    unlink(ledgerPath)
    unlink(ledgerPath + "-wal")
    unlink(ledgerPath + "-shm")
}

/// Opens the ledger (one writer's own connections) and runs `body` with it.
func withLedger(_ body: (any LedgerStore) async throws -> Void) async throws {
    guard postgres else { return try await body(try DecisionLedger(path: ledgerPath, logger: logger)) }
    let configuration = try PostgresLedgerConfiguration(url: ledgerPath)
    try await PostgresLedger.withLedger(configuration, logger: logger) { try await body($0) }
}

// Create the ledger (tables, migrations) before the clock starts.
do {
    try await withLedger { _ in }
} catch {
    fail("\(error)", status: 1)
}
let (decided, writerCount, batchSize) = (entries, writers, batch)
let started = monotonic()
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writerCount {
            group.addTask {
                let mine = stride(from: writer, to: decided.count, by: writerCount).map { decided[$0] }
                try await withLedger { ledger in
                    var start = 0
                    while start < mine.count {
                        let end = min(mine.count, start + batchSize)
                        _ = try await ledger.record(Array(mine[start..<end]))
                        start = end
                    }
                }
            }
        }
        try await group.waitForAll()
    }
} catch {
    fail("\(error)", status: 1)
}
let seconds = monotonic() - started
print("records=\(entries.count)")
print("batch=\(batch)")
print("writers=\(writers)")
print("record_seconds=\(seconds)")
print("records_per_second=\(Int(Double(entries.count) / seconds))")
if !postgres {
    var status = stat()
    let fileBytes = stat(ledgerPath, &status) == 0 ? Int(status.st_size) : 0
    var walStatus = stat()
    let walBytes = stat(ledgerPath + "-wal", &walStatus) == 0 ? Int(walStatus.st_size) : 0
    let snapshotBytes = entries.reduce(0) { $0 + $1.snapshot.count }
    print("ledger_bytes=\(fileBytes + walBytes)")
    print("bytes_per_record=\((fileBytes + walBytes) / max(1, entries.count))")
    print("snapshot_bytes_per_record=\(snapshotBytes / max(1, entries.count))")
}
