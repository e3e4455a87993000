import Foundation
import Testing

/// `approvalctl dry-run`'s cache of parsed snapshot files, through the built binary: a second run
/// prints byte for byte what a run without the cache prints; `--verify-cache` says what it
/// checked; the default folder follows `XDG_CACHE_HOME`; a folder that cannot be used is a warning,
/// never a wrong or missing decision.
@Suite("approvalctl dry-run --cache-dir")
struct DryRunCacheTests {
    static func dryRun(_ extra: [String]) -> [String] {
        DryRunTests.dryRun(format: "json", ["--jobs", "2"]) + extra
    }

    @Test("a cold and a warm run print what a run without the cache prints")
    func coldAndWarmRunsPrintTheSame() async throws {
        let cache = try TemporaryDirectory()
        defer { cache.remove() }
        let plain = try await ApprovalCtl.run(Self.dryRun(["--no-cache"]))
        #expect(plain.status == 0)
        for run in ["cold", "warm"] {
            let cached = try await ApprovalCtl.run(Self.dryRun(["--cache-dir", cache.path]))
            #expect(cached.status == 0, "\(run) run")
            #expect(cached.stdout == plain.stdout, "\(run) run")
            #expect(cached.stderr.isEmpty, "\(run) run: \(cached.stderrText)")
        }
        let packs = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(packs.count == 1 && packs[0].hasSuffix(".pack"), "\(packs)")
    }

    @Test("--verify-cache reads, checks and counts every cached snapshot, on stderr")
    func verifyReports() async throws {
        let cache = try TemporaryDirectory()
        defer { cache.remove() }
        let cold = try await ApprovalCtl.run(Self.dryRun(["--cache-dir", cache.path, "--verify-cache"]))
        let count = Fixtures.snapshotPaths.count
        #expect(cold.status == 0)
        #expect(
            cold.stderrText
                == "approvalctl: cache: 0 snapshot(s) read from the cache and checked, 0 stale (parsed again), "
                + "\(count) parsed and cached\n")
        let warm = try await ApprovalCtl.run(Self.dryRun(["--cache-dir", cache.path, "--verify-cache"]))
        #expect(warm.stdout == cold.stdout)
        #expect(
            warm.stderrText
                == "approvalctl: cache: \(count) snapshot(s) read from the cache and checked, 0 stale (parsed again), "
                + "0 parsed and cached\n")
    }

    @Test(
        "NDJSON lines are found again by their contents, from a file or standard input",
        arguments: ["streams/decisions.ndjson", "streams/broken.ndjson"])
    func ndjsonLinesAreFoundByContents(_ stream: String) async throws {
        let cache = try TemporaryDirectory()
        defer { cache.remove() }
        let run = DryRunTests.dryRun(stream, format: "ndjson")
        let plain = try await ApprovalCtl.run(run + ["--no-cache"])
        let lines = try Fixtures.bytes(stream).split(separator: 0x0A).count
        let readable = stream.hasSuffix("broken.ndjson") ? lines - 1 : lines
        let verify = ["--cache-dir", cache.path, "--verify-cache"]
        let cold = try await ApprovalCtl.run(run + verify)
        #expect(cold.stdout == plain.stdout)
        #expect(cold.status == plain.status)
        #expect(
            cold.stderrText
                == plain.stderrText
                + "approvalctl: cache: 0 snapshot(s) read from the cache and checked, 0 stale (parsed again), "
                + "\(readable) parsed and cached\n")
        let warm = try await ApprovalCtl.run(run + verify)
        #expect(warm.stdout == plain.stdout)
        #expect(warm.status == plain.status)
        #expect(
            warm.stderrText
                == plain.stderrText
                + "approvalctl: cache: \(readable) snapshot(s) read from the cache and checked, 0 stale (parsed again), "
                + "0 parsed and cached\n")
        // The same lines on standard input use a pack of their own, and decide the same.
        let piped = try await ApprovalCtl.run(
            DryRunTests.dryRun("-", format: "ndjson", ["--cache-dir", cache.path]), stdin: try Fixtures.bytes(stream))
        #expect(piped.status == plain.status)
        #expect(piped.stdoutText.replacingOccurrences(of: "<stdin>", with: stream) == plain.stdoutText)
    }

    @Test("without --cache-dir the cache is in $XDG_CACHE_HOME/approvalctl")
    func defaultFolderFollowsXDG() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let result = try await ApprovalCtl.run(Self.dryRun([]), environment: ["XDG_CACHE_HOME": home.path])
        #expect(result.status == 0)
        let packs = try FileManager.default.contentsOfDirectory(atPath: home.path + "/approvalctl")
        #expect(packs.count == 1, "\(packs)")
    }

    @Test("a folder that cannot be made is a warning; the decisions are the same")
    func unusableFolderWarns() async throws {
        let plain = try await ApprovalCtl.run(Self.dryRun(["--no-cache"]))
        let result = try await ApprovalCtl.run(Self.dryRun(["--cache-dir", "/proc/approvalctl-cache"]))
        #expect(result.status == 0)
        #expect(result.stdout == plain.stdout)
        #expect(result.stderrText.hasPrefix("approvalctl: warning: not caching: /proc/approvalctl-cache"))
    }

    @Test(
        "--no-cache with --cache-dir or --verify-cache is a usage error",
        arguments: [
            ["--no-cache", "--cache-dir", "/tmp/x"], ["--no-cache", "--verify-cache"],
        ])
    func noCacheConflicts(_ flags: [String]) async throws {
        let result = try await ApprovalCtl.run(Self.dryRun(flags))
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("--no-cache cannot be combined with --cache-dir or --verify-cache"))
    }
}
