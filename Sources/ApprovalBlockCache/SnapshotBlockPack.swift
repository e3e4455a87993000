public import ApprovalBatch
public import ApprovalJSON
public import ApprovalRules
import Crypto
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A ``SnapshotBlockCache`` in one append-only file per snapshot folder and projection: the blocks
/// of what a dry run's projection copied of each file it parsed, found again by path and
/// ``FileIdentity`` (device, inode, size, modification and status-change times) the way a build
/// tool's index finds unchanged sources; snapshots a source holds as bytes (an NDJSON stream's
/// lines, a decision ledger's records) are found by the SHA-256 of their contents instead
/// (``lookup(contents:)``). Rules that read the same facts share a pack (a rule author changing
/// thresholds and conditions); rules that read other facts get a pack of their own, filled by their
/// first run.
///
/// What makes it safe to keep, share and lose:
/// - **Derived data.** A block is used only while the file keeps the identity it had when it was
///   read, and only when its record's checksum holds; anything else is parsed again. Deleting the
///   cache folder costs one cold run.
/// - **Recent files are not cached.** A file modified less than a second before the run started
///   is parsed and not kept: on a filesystem with coarse timestamps a second change within the same
///   tick would otherwise keep the identity of the first.
/// - **Concurrent runs.** Records are appended in batches, each with one `write(2)` on a
///   descriptor opened with `O_APPEND`, so records of runs sharing a pack never interleave; each
///   run sees the records that were complete when it opened the pack.
/// - **Partial writes.** A record cut short (a run killed mid-write, a full disk) fails its length
///   or checksum; the pack is read up to it, and the next run alone on the pack cuts it off.
/// - **Private.** A folder or pack owned by another user, or writable by others, is refused: a
///   decision is made from what a pack holds.
/// - **Verification.** With `verify`, every file whose block is found is parsed again and its
///   block compared with the one kept: a block that differs is counted as stale, and the new one
///   is used and kept. (Parsing again checks more than hashing the contents would, and costs the
///   runs that fill the pack nothing.)
///
/// Why a file of its own rather than SQLite (which the ledger uses): measured on this project's
/// 2-core machine, inserting a row of a few KB costs about 15 µs on the one writing thread, which
/// would make a dry run filling the cache 10–20 % slower than one without it; here records are
/// appended 64 KB at a time, and a lookup is a dictionary hit and one `pread`.
///
/// ```swift
/// let pack = try SnapshotBlockPack(
///     directory: cacheFolder, source: "archive/2025", projection: rules.projection, logger: logger)
/// let evaluator = BatchEvaluator(rules: rules, options: options, workers: 2, cache: pack)
/// // ... run the batch ...
/// let statistics = pack.finish()  // Statistics(found: 20000, kept: 0, ...) on a second run
/// ```
public final class SnapshotBlockPack: SnapshotBlockCache, Sendable {
    /// What a run did with the cache.
    public struct Statistics: Sendable, Equatable {
        /// Files whose block was found and used.
        public var found = 0
        /// Files parsed whose block was kept.
        public var kept = 0
        /// Files parsed whose block could not be kept (the pack was not writable). Files changed
        /// less than a second before the run are parsed without asking to keep theirs.
        public var notKept = 0
        /// Blocks found that differ from what parsing their file gives now (`verify` only).
        public var stale = 0
        /// Records found damaged (a checksum that does not hold).
        public var damaged = 0

        /// Figures (all zero by default).
        public init(found: Int = 0, kept: Int = 0, notKept: Int = 0, stale: Int = 0, damaged: Int = 0) {
            self.found = found
            self.kept = kept
            self.notKept = notKept
            self.stale = stale
            self.damaged = damaged
        }
    }

    /// Why a pack could not be opened.
    public struct OpenError: Error, Sendable, CustomStringConvertible {
        /// What went wrong, naming the path.
        public let description: String
    }

    /// The pack's path.
    public let path: String
    /// Whether blocks found are checked against their file's contents.
    public let verify: Bool
    /// What the blocks are of, and how files are parsed (to check them, with ``verify``).
    private let projection: JSONProjection
    private let options: JSONParser.Options
    private let descriptor: Int32
    /// Where each path's newest record is in the pack (read whole and checked when looked up).
    private let index: [String: Place]
    /// Where the records this run found when it opened the pack end.
    private let scannedSize: Int
    /// The source folder as given, which every looked-up path starts with (removed for the key).
    private let sourcePrefix: String
    /// Records are kept only for files last changed before this (the run's start less a second).
    private let keepBefore: Int64
    private let logger: Logger
    private let state: Mutex<State>
    /// Packs no larger than this are never compacted (1 MB).
    private let compactionFloor: Int

    private struct State {
        var statistics = Statistics()
        /// The records of ``index`` used by this run (kept when the pack is compacted).
        var used: [Place] = []
        var writable: Bool
        /// Records not written yet, appended with one `write(2)` once there are
        /// ``SnapshotBlockPack/batchSize`` bytes of them (or when the run finishes).
        var pending: [UInt8] = []
        var pendingRecords = 0

        /// Takes the pending records to write.
        mutating func takePending() -> (bytes: [UInt8], records: Int) {
            defer {
                pending = []
                pendingRecords = 0
            }
            return (pending, pendingRecords)
        }
    }

    /// How many bytes of records are written at once.
    static let batchSize = 64 << 10

    /// Opens (or creates) the pack for the snapshots under `source` in `directory`.
    ///
    /// - Parameters:
    ///   - directory: the cache folder (created, with its parents, when missing).
    ///   - source: the folder (or file) of snapshots, as the batch's ``FileSnapshotSource`` was
    ///     given it: the pack is named after its absolute path, and keeps paths relative to it.
    ///   - projection: what the batch parses of each snapshot
    ///     (``BatchEvaluator/projection(rules:comparedWith:)``): the blocks are of that.
    ///   - options: the parser's options; a pack written under other options is not used.
    ///   - verify: check every block found against its file, parsed again (``Statistics/stale``).
    ///   - logger: where the pack says what it found and did (debug), and what it could not do.
    /// - Throws: ``OpenError`` when the folder or the pack cannot be created or read.
    public convenience init(
        directory: String, source: String, projection: JSONProjection,
        options: JSONParser.Options = ApprovalSnapshot.parserOptions,
        verify: Bool = false, logger: Logger
    ) throws(OpenError) {
        try self.init(
            directory: directory, source: source, projection: projection, options: options, verify: verify,
            logger: logger, compactionFloor: 1 << 20)
    }

    /// ``init(directory:source:projection:options:verify:logger:)``, compacting packs larger than
    /// `compactionFloor` bytes (tests compact small ones).
    package init(
        directory: String, source: String, projection: JSONProjection, options: JSONParser.Options, verify: Bool,
        logger: Logger, compactionFloor: Int
    ) throws(OpenError) {
        self.compactionFloor = compactionFloor
        try Self.makeDirectory(directory)
        let absolute = source.hasPrefix("/") ? source : Self.currentDirectory() + "/" + source
        let fingerprint = Array(projection.fingerprint.utf8)
        let name = Self.sha256Hex(Array(absolute.utf8) + [0] + fingerprint).prefix(24)
        self.path = (directory.hasSuffix("/") ? directory : directory + "/") + name + ".pack"
        self.verify = verify
        self.logger = logger
        self.sourcePrefix = source
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.keepBefore = (Int64(now.tv_sec) - 1) * 1_000_000_000 + Int64(now.tv_nsec)

        try Self.checkPrivate(directory)
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw OpenError(description: "\(path): \(FileBytes.describe(errno))") }
        do throws(OpenError) {
            try Self.checkPrivate(path, descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        // Shared while the run lasts; cutting a damaged tail or compacting takes it alone.
        _ = flock(descriptor, LOCK_SH)
        self.projection = projection
        self.options = options
        let header = Self.header(options, projection: Array(Self.sha256Hex(fingerprint).utf8))
        var status = stat()
        fstat(descriptor, &status)
        var writable = true
        if status.st_size == 0 {
            writable = Self.writeAll(descriptor, header)
            fstat(descriptor, &status)
        }
        var (index, validEnd) = Self.scan(descriptor, size: Int(status.st_size), header: header)
        if validEnd < Int(status.st_size) {
            // A pack written under other options, or a damaged tail: start afresh or cut the tail,
            // when no other run is using the pack (appending after garbage would be lost).
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                let fresh = validEnd == 0
                writable = ftruncate(descriptor, off_t(validEnd)) == 0 && (!fresh || Self.writeAll(descriptor, header))
                if fresh { index = [:] }
                _ = flock(descriptor, LOCK_SH)
                logger.debug(
                    "block pack: \(fresh ? "started afresh" : "cut a damaged tail")",
                    metadata: ["pack": "\(path)", "at": "\(validEnd)"])
            } else {
                writable = false
            }
        }
        self.index = index
        self.scannedSize = validEnd
        self.state = Mutex(State(writable: writable))
        logger.debug("block pack opened", metadata: ["pack": "\(path)", "records": "\(index.count)"])
    }

    deinit {
        close(descriptor)
    }

    /// Where a record is.
    struct Place: Hashable {
        let offset: Int
        let size: Int
    }

    // MARK: - SnapshotBlockCache

    /// The block of the file at `path`, when the pack has one for the file as it is now.
    public func lookup(_ path: String, identity: FileIdentity?) -> SnapshotBlockLookup {
        guard let identity = identity ?? FileIdentity(path: path) else {
            return SnapshotBlockLookup(block: nil, ticket: nil)
        }
        let ticket = identity.modified < keepBefore ? SnapshotBlockTicket(path: path, identity: identity) : nil
        return lookup(key: key(path), identity: identity, ticket: ticket, named: path) {
            try? FileBytes.read(path, limit: options.maxBytes)
        }
    }

    /// The block of a snapshot held as `bytes`, found by their SHA-256: the same contents, from
    /// any line or record, share a record. Contents do not change, so they are kept whenever
    /// they are parsed (no recency rule), and a record whose contents' digest matches is current
    /// by construction (`verify` still parses them again and compares, as for files).
    ///
    /// The digest is a cryptographic one because the key is all that ties a block to contents
    /// that come from outside (a snapshot an attacker could shape): a block found for other
    /// contents would decide them silently. SHA-256 of a 6 KB snapshot costs a few microseconds,
    /// against the tens a parse costs.
    public func lookup(contents bytes: [UInt8]) -> SnapshotBlockLookup {
        // No path holds U+0000, so no file's key is ever one of these.
        let key = "\u{0}sha256:" + Self.sha256Hex(bytes)
        let identity = FileIdentity(device: 0, inode: 0, size: Int64(bytes.count), modified: 0, changed: 0)
        return lookup(
            key: key, identity: identity, ticket: SnapshotBlockTicket(path: key, identity: identity),
            named: "(contents)"
        ) { bytes }
    }

    /// The SHA-256 of `bytes` in lowercase hex (swift-crypto's, in hardware where the CPU has
    /// it): pack names, the projection in the header, and contents' keys.
    private static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The record under `key` when it holds a block of `identity` (with ``verify``, also what
    /// parsing `contents` gives now), counting what was found; `ticket` goes with the answer.
    private func lookup(
        key: String, identity: FileIdentity, ticket: SnapshotBlockTicket?, named name: String,
        contents: () -> [UInt8]?
    ) -> SnapshotBlockLookup {
        guard let place = index[key] else { return SnapshotBlockLookup(block: nil, ticket: ticket) }
        guard let record = Self.read(descriptor, place).flatMap(Record.init), let block = JSONBlock(bytes: record.block)
        else {
            state.withLock { $0.statistics.damaged += 1 }
            logger.debug("block pack: damaged record", metadata: ["file": "\(name)"])
            return SnapshotBlockLookup(block: nil, ticket: ticket)
        }
        guard record.identity == identity else { return SnapshotBlockLookup(block: nil, ticket: ticket) }
        if verify {
            guard let bytes = contents(), isCurrent(block, bytes: bytes, file: name) else {
                state.withLock { $0.statistics.stale += 1 }
                logger.debug("block pack: stale record", metadata: ["file": "\(name)"])
                return SnapshotBlockLookup(block: nil, ticket: ticket)
            }
        }
        state.withLock {
            $0.statistics.found += 1
            $0.used.append(place)
        }
        return SnapshotBlockLookup(block: block, ticket: ticket)
    }

    /// Adds a record of `block` for the file of `ticket`, appended to the pack with the next
    /// batch of records.
    public func store(_ block: JSONBlock, for ticket: SnapshotBlockTicket) {
        // Made (and checksummed) outside the lock the workers share; only the copy is inside.
        var record: [UInt8] = []
        Record.append(key: key(ticket.path), identity: ticket.identity, block: block.bytes, to: &record)
        let batch: (bytes: [UInt8], records: Int)? = state.withLock { state in
            guard state.writable else {
                state.statistics.notKept += 1
                return nil
            }
            state.pending.append(contentsOf: record)
            state.pendingRecords += 1
            return state.pending.count >= Self.batchSize ? state.takePending() : nil
        }
        if let batch { append(batch) }
    }

    /// Appends a batch of records with one `write(2)` (so that other runs' records never come
    /// between its bytes); after a failure, the pack takes no more.
    private func append(_ batch: (bytes: [UInt8], records: Int)) {
        let written = Self.writeAll(descriptor, batch.bytes)
        let problem = errno
        state.withLock {
            if written {
                $0.statistics.kept += batch.records
            } else {
                $0.statistics.notKept += batch.records
                $0.writable = false
            }
        }
        if !written {
            logger.warning(
                "block pack: cannot append", metadata: ["pack": "\(path)", "error": "\(FileBytes.describe(problem))"])
        }
    }

    // MARK: - End of a run

    /// Ends the run: writes the records not written yet, compacts the pack when most of it is
    /// records this run did not use (files changed or gone since) and no other run is using it,
    /// lets other runs have the pack alone, and says what the run did. The pack is not used after.
    @discardableResult
    public func finish() -> Statistics {
        let batch = state.withLock { $0.takePending() }
        if batch.records > 0 { append(batch) }
        let (statistics, used) = state.withLock { ($0.statistics, $0.used) }
        var status = stat()
        fstat(descriptor, &status)
        let size = Int(status.st_size)
        if size > compactionFloor {
            // Live: the records this run used, and those appended since it opened the pack.
            let live = used.reduce(size - scannedSize) { $0 + $1.size }
            if live < size / 2 { compact(keeping: used) }
        }
        _ = flock(descriptor, LOCK_UN)
        logger.debug(
            "block pack: run finished",
            metadata: [
                "pack": "\(path)", "found": "\(statistics.found)", "kept": "\(statistics.kept)",
                "not_kept": "\(statistics.notKept)", "stale": "\(statistics.stale)", "damaged": "\(statistics.damaged)",
            ])
        return statistics
    }

    /// Rewrites the pack with the records `used` and everything appended since it was opened,
    /// to a new file renamed over it, when no other run holds it.
    private func compact(keeping used: [Place]) {
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return }
        defer { _ = flock(descriptor, LOCK_SH) }
        let temporary = path + ".\(getpid()).tmp"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { return }
        var ok = true
        let header = Self.read(descriptor, Place(offset: 0, size: Self.headerSize)) ?? []
        ok = ok && Self.writeAll(output, header)
        for place in used.sorted(by: { $0.offset < $1.offset }) {
            guard let bytes = Self.read(descriptor, place) else { continue }
            ok = ok && Self.writeAll(output, bytes)
        }
        // Records appended since this run opened the pack (its own and any other run's).
        var status = stat()
        fstat(descriptor, &status)
        if Int(status.st_size) > scannedSize {
            let tail = Self.read(descriptor, Place(offset: scannedSize, size: Int(status.st_size) - scannedSize)) ?? []
            ok = ok && !tail.isEmpty && Self.writeAll(output, tail)
        }
        close(output)
        if ok && rename(temporary, path) == 0 {
            logger.debug("block pack compacted", metadata: ["pack": "\(path)", "kept_records": "\(used.count)"])
        } else {
            unlink(temporary)
        }
    }

    // MARK: - Layout

    /// `APPROVAL-BLOCK-PACK\n`, then u32 pack version, u32 block version, u32 depth limit,
    /// u32 size limit, u32 flags (NUL accepted, repeated keys refused), and the SHA-256 of the
    /// projection's ``ApprovalJSON/JSONProjection/fingerprint`` in hex: a pack written under other
    /// options, versions or projection is started afresh.
    static let headerSize = 104
    static let packVersion: UInt32 = 1

    static func header(_ options: JSONParser.Options, projection: [UInt8]) -> [UInt8] {
        var header = Array("APPROVAL-BLOCK-PACK\n".utf8)
        let numbers: [UInt32] = [
            packVersion, JSONBlock.version, UInt32(clamping: options.maxDepth), UInt32(clamping: options.maxBytes),
            (options.allowNUL ? 1 : 0) | (options.rejectDuplicateKeys ? 2 : 0),
        ]
        for number in numbers {
            withUnsafeBytes(of: number.littleEndian) { header.append(contentsOf: $0) }
        }
        return header + projection
    }

    /// The newest record of each path, and where the readable part of the pack ends (0 when its
    /// header is not `header`): the fixed part and key of each record, read one after the other.
    private static func scan(_ descriptor: Int32, size: Int, header: [UInt8]) -> (index: [String: Place], end: Int) {
        guard read(descriptor, Place(offset: 0, size: headerSize)) == header else { return ([:], 0) }
        var index: [String: Place] = [:]
        var offset = headerSize
        var head = [UInt8](repeating: 0, count: 512)
        while size - offset >= Record.fixedSize {
            let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            guard count >= Record.fixedSize else { break }
            let measured = head.withUnsafeBytes {
                Record.measure(UnsafeRawBufferPointer(rebasing: $0[..<count]), available: size - offset)
            }
            guard let (recordSize, keyLength) = measured else { break }
            let key: String
            if Record.fixedSize + keyLength <= count {
                key = String(decoding: head[Record.fixedSize..<Record.fixedSize + keyLength], as: UTF8.self)
            } else {
                guard let long = read(descriptor, Place(offset: offset + Record.fixedSize, size: keyLength)) else {
                    break
                }
                key = String(decoding: long, as: UTF8.self)
            }
            index[key] = Place(offset: offset, size: recordSize)
            offset += recordSize
        }
        return (index, offset)
    }

    /// The bytes at `place`, or `nil` when they cannot all be read.
    private static func read(_ descriptor: Int32, _ place: Place) -> [UInt8]? {
        guard place.size > 0 else { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: place.size) { buffer, count in
            count = 0
            while count < place.size {
                let read = pread(
                    descriptor, buffer.baseAddress! + count, place.size - count, off_t(place.offset + count))
                if read < 0 && errno == EINTR { continue }
                if read <= 0 { break }
                count += read
            }
        }
        return bytes.count == place.size ? bytes : nil
    }

    /// The key of a looked-up path: relative to the source folder.
    private func key(_ path: String) -> String {
        var path = path
        var prefix = sourcePrefix
        return path.withUTF8 { bytes in
            prefix.withUTF8 { prefix in
                guard bytes.count >= prefix.count, bytes.prefix(prefix.count).elementsEqual(prefix) else {
                    return String(decoding: bytes, as: UTF8.self)
                }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[prefix.count...]), as: UTF8.self)
            }
        }
    }

    /// Whether `block` is what parsing `bytes` (the file's contents now) gives.
    private func isCurrent(_ block: JSONBlock, bytes: [UInt8], file: String) -> Bool {
        guard
            let (_, parsed) = try? ApprovalSnapshot.parsingKeepingBlock(
                bytes, file: file, projection: projection, options: options)
        else { return false }
        return parsed == block
    }

    // MARK: - Files

    private static func makeDirectory(_ directory: String) throws(OpenError) {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw OpenError(description: "\(prefix): \(FileBytes.describe(errno))")
            }
            prefix += "/"
        }
    }

    /// Refuses a folder or pack that another user owns or may write: decisions are made from
    /// what a pack holds, so someone who could write one could change them.
    private static func checkPrivate(_ path: String, descriptor: Int32? = nil) throws(OpenError) {
        var status = stat()
        let found = descriptor.map { fstat($0, &status) } ?? stat(path, &status)
        guard found == 0 else { throw OpenError(description: "\(path): \(FileBytes.describe(errno))") }
        guard status.st_uid == geteuid(), status.st_mode & 0o022 == 0 else {
            throw OpenError(
                description: "\(path): owned by another user or writable by others; not used as a cache")
        }
        if descriptor != nil, (status.st_mode & S_IFMT) != S_IFREG {
            throw OpenError(description: "\(path): not a regular file")
        }
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `bytes` with one `write(2)` (retried on `EINTR`); `false` unless all of it was.
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        while true {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            return written == bytes.count
        }
    }
}
