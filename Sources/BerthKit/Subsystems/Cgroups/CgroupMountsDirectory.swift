import Synchronization
import SystemPackage

/// The directory the host mounts its cgroup hierarchies in (`/sys/fs/cgroup`), held open so that
/// a cgroup file is reached from it instead of from `/`.
///
/// Why: `/sys/fs/cgroup/...` walks `fs` and `cgroup` in sysfs, and each of those steps takes
/// sysfs's tree lock for reading. Every network device the kernel registers adds dozens of sysfs
/// files under that lock's write side, so while other containers start (each one a network
/// namespace with its loopback and a veth pair), a cgroup write queued behind those writers: of
/// the time twenty starts at once spent asleep, the largest part not spent waiting for another
/// process was there. From the open directory only the cgroup's own tree is walked.
///
/// The descriptor is opened on first use and kept for the process (close-on-exec). Code that
/// closes every descriptor (FileDescriptor.closeAll) forgets it first, so that a number reused
/// for another directory (a container's root) is never taken for it; the next use opens it
/// again.
enum CgroupMountsDirectory {
    static let path = "/sys/fs/cgroup"

    /// The open descriptor, -1 when none is (not yet, or forgotten).
    private static let descriptor = Atomic<Int32>(-1)

    /// The descriptor to reach `path` from and the rest of `path`, or nil for a path that is not
    /// below the directory (a test's fake tree) or when the directory cannot be opened.
    static func split(_ full: String) -> (directory: FileDescriptor, rest: String)? {
        guard full.utf8.count > path.utf8.count + 1, full.hasPrefix(path), full.utf8.dropFirst(path.utf8.count).first == UInt8(ascii: "/") else {
            return nil
        }
        let rest = String(Substring(full.utf8.dropFirst(path.utf8.count + 1)))
        guard !rest.isEmpty, let fd = open() else { return nil }
        return (FileDescriptor(rawValue: fd), rest)
    }

    /// open(2) of a cgroup file or directory (close-on-exec).
    static func open(_ full: String, _ flags: Int32) throws(BerthError) -> FileDescriptor {
        guard let (directory, rest) = split(full) else { return try FileSystem.open(full, flags) }
        return try FileSystem.open(rest, in: directory, flags, display: full)
    }

    /// mkdir(2) of a cgroup: nil, or why it failed.
    static func makeDirectory(_ full: String, mode: mode_t = 0o755) -> Errno? {
        guard let (directory, rest) = split(full) else {
            do throws(BerthError) { try FileSystem.makeDirectory(full, mode: mode) } catch { return error.errno ?? .ioError }
            return nil
        }
        return FileSystem.makeDirectory(rest, in: directory, mode: mode)
    }

    /// Whether a cgroup directory is there (cgroupfs has no symlinks to follow).
    static func isDirectory(_ full: String) -> Bool {
        guard let (directory, rest) = split(full) else { return FileSystem.isDirectory(full) }
        guard let st = try? FileSystem.linkStatus(rest, in: directory, display: full) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A whole cgroup file as text.
    static func readText(_ full: String) throws(BerthError) -> String {
        let fd = try open(full, O_RDONLY)
        defer { fd.closeQuietly() }
        var text: [UInt8] = []
        while true {
            let chunk = try fd.readChunk(upTo: 4096, full)
            if chunk.isEmpty { break }
            text += chunk
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Forgets the descriptor without closing it: for a caller about to close every descriptor.
    static func forget() { descriptor.store(-1, ordering: .sequentiallyConsistent) }

    private static func open() -> Int32? {
        let held = descriptor.load(ordering: .sequentiallyConsistent)
        if held >= 0 { return held }
        let fd = Glibc.open(path, FileSystem.pathOnly | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        // Another thread may have opened it meanwhile: keep one, close the other.
        let (exchanged, original) = descriptor.compareExchange(expected: -1, desired: fd, ordering: .sequentiallyConsistent)
        if exchanged { return fd }
        _ = Glibc.close(fd)
        return original
    }
}
