import Synchronization
import SystemPackage

/// A host directory held open for the rest of a process, so that paths below it are walked from
/// it instead of from `/` (CgroupMountsDirectory says why for the cgroup hierarchies' one).
///
/// The descriptor is opened on first use and kept (close-on-exec). FileDescriptor.closeAll
/// forgets every held directory before it closes every descriptor, so that a number reused for
/// something else (a container's root) is never taken for one; the next use opens it again.
final class HeldDirectory: Sendable {
    /// Where the host mounts its cgroup hierarchies.
    static let cgroupMounts = HeldDirectory("/sys/fs/cgroup")
    /// Every held directory, for closeAll.
    static let all = [cgroupMounts]

    let path: String
    /// The open descriptor, -1 when none is (not yet, or forgotten).
    private let descriptor = Atomic<Int32>(-1)

    private init(_ path: String) { self.path = path }

    /// The descriptor to reach `full` from and the rest of `full`, or nil for a path that is not
    /// below the directory (a test's fake tree, say) or when the directory cannot be opened.
    func split(_ full: String) -> (directory: FileDescriptor, rest: String)? {
        let prefix = path.utf8.count
        guard full.utf8.count > prefix + 1, full.hasPrefix(path), full.utf8.dropFirst(prefix).first == UInt8(ascii: "/") else {
            return nil
        }
        let rest = String(Substring(full.utf8.dropFirst(prefix + 1)))
        guard let fd = descriptorNumber() else { return nil }
        return (FileDescriptor(rawValue: fd), rest)
    }

    /// open(2) of `full` from the directory when it is below it, else by its path (close-on-exec).
    func open(_ full: String, _ flags: Int32) throws(BerthError) -> FileDescriptor {
        guard let (directory, rest) = split(full) else { return try FileSystem.open(full, flags) }
        return try FileSystem.open(rest, in: directory, flags, display: full)
    }

    /// Forgets the descriptor without closing it: for a caller about to close every descriptor.
    func forget() { descriptor.store(-1, ordering: .sequentiallyConsistent) }

    private func descriptorNumber() -> Int32? {
        let held = descriptor.load(ordering: .sequentiallyConsistent)
        if held >= 0 { return held }
        // O_PATH: the descriptor only names the directory, for the *at calls.
        let fd = Glibc.open(path, FileSystem.pathOnly | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        // Another thread may have opened it meanwhile: keep one, close the other.
        let (exchanged, original) = descriptor.compareExchange(expected: -1, desired: fd, ordering: .sequentiallyConsistent)
        if exchanged { return fd }
        _ = Glibc.close(fd)
        return original
    }
}
