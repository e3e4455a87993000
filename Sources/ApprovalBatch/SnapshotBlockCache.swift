public import ApprovalJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Where a batch keeps the blocks (``JSONBlock``) of the snapshot files it parsed, so that a later
/// batch over the same, unchanged files reads each block instead of parsing the file again: a rule
/// author's second dry run of a year of snapshots. `ApprovalBlockCache`'s `SnapshotBlockPack` is
/// the implementation; a ``BatchEvaluator`` given one calls it from its worker threads.
///
/// A cache is derived data: whatever it answers, the batch decides what parsing the file would
/// decide (a block that does not read is parsed again), so a cache may lose or refuse entries at
/// will.
///
/// ```swift
/// let evaluator = BatchEvaluator(rules: rules, options: options, workers: 2, cache: pack)
/// ```
public protocol SnapshotBlockCache: Sendable {
    /// What the cache holds for the file at `path` (as a ``FileSnapshotSource`` names it) as the
    /// file is now: `identity` when the source saw it (``BatchItem/identity``), else as the cache
    /// finds it.
    func lookup(_ path: String, identity: FileIdentity?) -> SnapshotBlockLookup
    /// What the cache holds for a snapshot the batch holds as bytes (a line of an NDJSON stream, a
    /// ledger's stored snapshot), found by its contents: the same bytes, wherever they come from,
    /// have the same block.
    func lookup(contents bytes: [UInt8]) -> SnapshotBlockLookup
    /// Keeps `block` for the file or contents a lookup missed (or could not use), as it was looked
    /// up.
    func store(_ block: JSONBlock, for ticket: SnapshotBlockTicket)
}

/// A cache's answer for one file: its block when it has one for the file as it is now, and a
/// ticket to keep one when it would take it.
public struct SnapshotBlockLookup: Sendable {
    /// The file's block, when the cache has one for the file as it is now.
    public var block: JSONBlock?
    /// What to keep a new block under; `nil` when the cache would not keep one (the file changed
    /// too recently to tell a later change from this one, or the cache is not writable).
    public var ticket: SnapshotBlockTicket?

    /// An answer.
    public init(block: JSONBlock?, ticket: SnapshotBlockTicket?) {
        self.block = block
        self.ticket = ticket
    }
}

/// The file a block is kept for, as it was when it was looked up (before it was read): a block
/// kept under it is found again only while the file keeps that identity. For contents
/// (``SnapshotBlockCache/lookup(contents:)``), the cache's key for them and their size.
public struct SnapshotBlockTicket: Sendable {
    /// The file's path, as looked up (for contents, the cache's key for them).
    public let path: String
    /// The file, as it was when it was looked up (for contents, only their size).
    public let identity: FileIdentity

    /// A ticket.
    public init(path: String, identity: FileIdentity) {
        self.path = path
        self.identity = identity
    }
}

/// What tells one state of a file from another without reading it, as a build tool's index does:
/// device and inode, size, and the modification and status-change times in nanoseconds (any
/// write changes the status-change time, which no user can set back).
///
/// ```swift
/// let identity = FileIdentity(path: "archive/2025/task-48219.json")
/// ```
public struct FileIdentity: Sendable, Hashable {
    /// The device the file is on (`st_dev`).
    public var device: UInt64
    /// The file's inode number (`st_ino`).
    public var inode: UInt64
    /// The size in bytes.
    public var size: Int64
    /// The last modification, in nanoseconds since 1970 (`st_mtim`).
    public var modified: Int64
    /// The last status change, in nanoseconds since 1970 (`st_ctim`): any write or `utimes` moves it.
    public var changed: Int64

    /// An identity from its parts.
    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    /// The identity of the regular file at `path` now; `nil` when there is none.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }

    /// The identity `status` describes, when it is a regular file's.
    init?(_ status: stat) {
        guard (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        self.init(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modified: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            changed: Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec))
    }
}
