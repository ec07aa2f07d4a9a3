#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A running container's own cgroup, `berth.payload.<name>`, in every hierarchy the host has:
/// each v1 hierarchy and the cgroup2 mount (hybrid hosts have both). It sits below the cgroup
/// of the host's init in each hierarchy, as LXC's `lxc.payload.<name>` does; Berth's name
/// differs so that Berth and LXC can run containers of the same name side by side.
///
/// The monitor creates it before init exists, the child joins it before it unshares its cgroup
/// namespace (so that the container sees its own cgroup as `/`), and the monitor removes it when
/// the container has stopped. A directory left by a monitor that was killed is removed by the
/// next start (`sweep`).
public struct PayloadCgroup: Sendable {
    /// The cgroup's directories, one per hierarchy.
    public let directories: [String]

    /// The directories for `name` on this host (nothing is created).
    public init(name: String, layout: CgroupLayout = .current(), initCgroups: String? = nil) {
        let memberships = PayloadCgroup.parse(initCgroups ?? ((try? FileSystem.readText("/proc/1/cgroup")) ?? ""))
        var directories: [String] = []
        for hierarchy in layout.v1 {
            // /proc/1/cgroup names a v1 hierarchy by its controllers, comma-joined as mounted.
            let key = hierarchy.controllers.joined(separator: ",")
            let base = memberships[key] ?? "/"
            directories.append(Path.join(Path.join(hierarchy.mountPoint, base), "berth.payload.\(name)"))
        }
        if let unified = layout.v2MountPoint {
            let base = memberships[""] ?? "/"
            directories.append(Path.join(Path.join(unified, base), "berth.payload.\(name)"))
        }
        self.directories = directories
    }

    /// `/proc/PID/cgroup` lines `N:controllers:/path` as controllers → path ("" for cgroup2).
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            var path = String(fields[2])
            // The host init's own leaf (systemd's init.scope) is not where containers belong.
            if path.hasSuffix("/init.scope") { path = String(path.dropLast("/init.scope".count)) }
            result[String(fields[1])] = path.isEmpty ? "/" : path
        }
        return result
    }

    /// Makes the directories. A leftover of a crashed monitor (no processes in it) is reused;
    /// one with processes means the container still runs somewhere, which is an error.
    public func create() throws(BerthError) {
        for directory in directories {
            if FileSystem.isDirectory(directory) {
                if !PayloadCgroup.processes(in: directory).isEmpty {
                    throw BerthError(.busy, "cgroup \(directory) still has processes: a previous run of the container was not cleaned up")
                }
                continue
            }
            try FileSystem.makeDirectory(directory)
            // v1 cpuset starts with no cpus and no memory nodes, and a task cannot join such a
            // cgroup; copy the parent's, as clone_children would.
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let own = Path.join(directory, file)
                guard FileSystem.exists(own), let parent = try? FileSystem.readText(Path.join(Path.parent(directory), file)) else { continue }
                try PayloadCgroup.write(own, parent)
            }
        }
    }

    /// Moves the calling process into every directory ("0" names the writer).
    /// Runs in the container's first process, before it unshares its cgroup namespace.
    public func joinSelf() throws(BerthError) {
        for directory in directories { try PayloadCgroup.write(Path.join(directory, "cgroup.procs"), "0") }
    }

    /// Moves `pid` into every directory (berth-attach).
    public func join(pid: pid_t) throws(BerthError) {
        for directory in directories { try PayloadCgroup.write(Path.join(directory, "cgroup.procs"), "\(pid)") }
    }

    /// Removes the directories. The kernel refuses (EBUSY) while exiting tasks are still being
    /// released, so each removal is retried for up to a second.
    public func remove() throws(BerthError) {
        var failures: [String] = []
        for directory in directories where FileSystem.isDirectory(directory) {
            var attempt = 0
            while rmdir(directory) != 0 {
                let err = currentErrno
                if err == .noSuchFileOrDirectory { break }
                attempt += 1
                guard err == .resourceBusy, attempt < 200 else {
                    failures.append("\(directory): \(err.berthDescription)")
                    break
                }
                usleep(5_000)
            }
        }
        if !failures.isEmpty {
            throw BerthError(.system, "cannot remove cgroup \(failures.joined(separator: ", "))")
        }
    }

    /// Removes directories a killed monitor left, when they hold no processes.
    public func sweep() {
        guard directories.contains(where: FileSystem.isDirectory) else { return }
        if directories.allSatisfy({ PayloadCgroup.processes(in: $0).isEmpty }) { try? remove() }
    }

    static func processes(in directory: String) -> [String] {
        ((try? FileSystem.readText(Path.join(directory, "cgroup.procs"))) ?? "").split(separator: "\n").map(String.init)
    }

    static func write(_ path: String, _ text: String) throws(BerthError) {
        let fd = try syscall("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BerthError.system("write", path, currentErrno) }
    }
}
