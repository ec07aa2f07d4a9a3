import SystemPackage

/// Keeps the host's berth binary out of reach of a container it enters (the CVE-2019-5736
/// class: a process in the container opens `/proc/PID/exe` of a host process that runs inside
/// it, or makes it exec `#!/proc/self/exe`, and writes the host binary once it is free).
///
/// The kernel refuses to open an executable for writing while any process runs it (ETXTBSY),
/// and a container's monitor runs the berth binary for as long as any process of the container
/// lives: the monitor is the parent of init and ends only after the whole pid namespace is gone.
/// So an attach that runs the very file the monitor runs cannot be written from inside. When the
/// files differ (berth was reinstalled since the container started, or a separate per-tool build
/// is in use), attach first re-executes itself from a sealed in-memory copy, which nobody can
/// write at all.
public enum ExecutableGuard {
    /// Returns when this process's image is safe to take into the container of `monitor`;
    /// otherwise re-executes this process from a sealed copy (and does not return).
    public static func protect(sharingImageWith monitor: pid_t) throws(BerthError) {
        if runsSealedCopy() { return }
        if let ours = identity("/proc/self/exe"), let theirs = identity("/proc/\(monitor)/exe"), ours == theirs { return }
        let copy = try FileData.sealedCopy(of: "/proc/self/exe")
        let environment = ProcessEnvironment.current.map { "\($0.key)=\($0.value)" }
        let err = FileData.execute(copy, arguments: CommandLine.arguments, environment: environment)
        copy.closeQuietly()
        throw BerthError.system("re-executing from a sealed copy", CommandLine.arguments.first ?? "berth", err)
    }

    /// Whether this process already runs from a sealed memfd (the kernel names its file
    /// `/memfd:<name> (deleted)`), so the re-execution happens at most once.
    static func runsSealedCopy() -> Bool {
        guard let target = try? FileSystem.readLink("/proc/self/exe"), target.hasPrefix("/memfd:berth") else { return false }
        guard let fd = try? FileSystem.open("/proc/self/exe", O_RDONLY) else { return false }
        defer { fd.closeQuietly() }
        return FileData.isWriteSealed(fd)
    }

    /// The device and inode of the file at `path` (following the /proc magic link).
    static func identity(_ path: String) -> [UInt64]? {
        guard let info = FileSystem.status(path) else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// The parent of `pid` (field 4 of /proc/PID/stat): for a container's init, its monitor.
    public static func parent(of pid: pid_t) -> pid_t? {
        guard let text = try? FileSystem.readText("/proc/\(pid)/stat"), let close = text.utf8.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = text[text.utf8.index(after: close)...].splitBytes(UInt8(ascii: " "))
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}
