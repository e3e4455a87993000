package import ApprovalBlockCache
package import ApprovalJSON
package import ArgumentParser

/// `--cache-dir`, `--no-cache`, `--verify-cache` (`dry-run`, `replay`): where the parsed form of
/// the snapshots a run reads is kept, so that the next run over the same snapshots does not parse
/// them again (``SnapshotBlockPack``).
package struct BlockCacheOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where to keep parsed snapshots between runs (default: $XDG_CACHE_HOME/approvalctl, else ~/.cache/approvalctl).",
            valueName: "folder"))
    package var cacheDir: String?

    @Flag(help: "Parse every snapshot; neither read nor fill the cache.")
    package var noCache = false

    @Flag(
        help:
            "Parse every snapshot again to check what the cache holds for it; use and keep the new form where they differ, and report."
    )
    package var verifyCache = false

    /// The defaults (ArgumentParser fills the values in).
    package init() {}

    /// Refuses `--no-cache` with the options it contradicts.
    package func validate() throws {
        if noCache && (cacheDir != nil || verifyCache) {
            throw ValidationError("--no-cache cannot be combined with --cache-dir or --verify-cache.")
        }
    }

    /// The block pack of `source` (a folder, file, NDJSON stream or ledger) for `projection`,
    /// unless told not to cache or there is no folder to keep it in: an unusable `--cache-dir` is a
    /// warning, an unusable default is silent.
    package func pack(source: String, projection: JSONProjection) -> SnapshotBlockPack? {
        guard !noCache else { return nil }
        let directory =
            cacheDir ?? Console.environment("XDG_CACHE_HOME").flatMap { $0.hasPrefix("/") ? $0 + "/approvalctl" : nil }
            ?? Console.environment("HOME").flatMap { $0.isEmpty ? nil : $0 + "/.cache/approvalctl" }
        guard let directory else { return nil }
        do {
            return try SnapshotBlockPack(
                directory: directory, source: source, projection: projection, verify: verifyCache,
                logger: Console.logger(verbose: false))
        } catch {
            if cacheDir != nil || verifyCache { Console.err("approvalctl: warning: not caching: \(error)\n") }
            return nil
        }
    }

    /// Ends the run on `pack` (``SnapshotBlockPack/finish()``); with `--verify-cache`, says on
    /// stderr what it found.
    package func finish(_ pack: SnapshotBlockPack?) {
        guard let statistics = pack?.finish(), verifyCache else { return }
        Console.err(
            "approvalctl: cache: \(statistics.found) snapshot(s) read from the cache and checked, "
                + "\(statistics.stale) stale (parsed again), \(statistics.kept) parsed and cached\n")
    }
}
