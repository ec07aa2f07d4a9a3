/// The monitor's own cgroup, `berth.monitor.<name>` beside the container's payload cgroup in
/// every hierarchy, so that what the monitor uses is accounted apart from both the container
/// and the caller. The monitor enters it at start and, before it gives up the container's
/// command socket, returns to where it came from and removes it; a monitor killed with SIGKILL
/// leaves it empty, and the next start removes it.
public struct MonitorCgroup {
    public let cgroup: PayloadCgroup
    /// The `cgroup.procs` files of the cgroups the process was in before `enter`.
    private var origins: [String] = []

    public init(name: String, lxcpath: String, layout: CgroupLayout = .current()) {
        cgroup = PayloadCgroup(name: name, lxcpath: lxcpath, layout: layout, prefix: "berth.monitor.")
    }

    /// Creates the cgroup (sweeping an empty leftover) and moves this process into it.
    public mutating func enter() throws(BerthError) {
        let own = (try? FileSystem.readText("/proc/self/cgroup")) ?? ""
        let here = PayloadCgroup(name: "", lxcpath: nil, layout: cgroup.layout, initCgroups: own, prefix: "")
        origins = here.directories.map { Path.join($0, "cgroup.procs") }
        cgroup.sweep()
        try cgroup.create()
        try cgroup.joinSelf()
    }

    /// Moves this process back to where it was and removes the cgroup.
    public func leave() {
        guard !origins.isEmpty else { return }
        for procs in origins { try? PayloadCgroup.write(procs, "0") }
        try? cgroup.remove()
    }
}
