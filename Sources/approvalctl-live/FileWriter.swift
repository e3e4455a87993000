import ApprovalCLI

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a file atomically enough for a CLI: to a temporary name, then renamed into place.
enum FileWriter {
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        let ok = Console.writeAll(descriptor, bytes)
        close(descriptor)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
