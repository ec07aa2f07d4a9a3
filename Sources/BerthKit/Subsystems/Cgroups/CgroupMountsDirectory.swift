import SystemPackage

/// Cgroup files reached from the directory the host mounts its hierarchies in (`/sys/fs/cgroup`,
/// held open: HeldDirectory.cgroupMounts) instead of from `/`.
///
/// Why: `/sys/fs/cgroup/...` walks `fs` and `cgroup` in sysfs, and each of those steps takes
/// sysfs's tree lock for reading. Every network device the kernel registers adds dozens of sysfs
/// files under that lock's write side, so while other containers start (each one a network
/// namespace with its loopback and a veth pair), a cgroup write queued behind those writers: of
/// the time twenty starts at once spent asleep, the largest part not spent waiting for another
/// process was there. From the open directory only the cgroup's own tree is walked. A path
/// that is not below it (a test's fake tree) is used as it is.
enum CgroupMountsDirectory {
    /// open(2) of a cgroup file or directory (close-on-exec).
    static func open(_ full: String, _ flags: Int32) throws(BerthError) -> FileDescriptor {
        try HeldDirectory.cgroupMounts.open(full, flags)
    }

    /// mkdir(2) of a cgroup: nil, or why it failed.
    static func makeDirectory(_ full: String, mode: mode_t = 0o755) -> Errno? {
        guard let (directory, rest) = HeldDirectory.cgroupMounts.split(full) else {
            do throws(BerthError) { try FileSystem.makeDirectory(full, mode: mode) } catch { return error.errno ?? .ioError }
            return nil
        }
        return FileSystem.makeDirectory(rest, in: directory, mode: mode)
    }

    /// Whether a cgroup directory is there (cgroupfs has no symlinks to follow).
    static func isDirectory(_ full: String) -> Bool {
        guard let (directory, rest) = HeldDirectory.cgroupMounts.split(full) else { return FileSystem.isDirectory(full) }
        guard let st = try? FileSystem.linkStatus(rest, in: directory, display: full) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A whole cgroup file as text.
    static func readText(_ full: String) throws(BerthError) -> String {
        let fd = try open(full, O_RDONLY)
        defer { fd.closeQuietly() }
        return String(decoding: try FileSystem.readAll(fd, full), as: UTF8.self)
    }
}
