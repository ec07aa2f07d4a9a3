/// The monitor's own cgroup, `berth.monitor.<name>` beside the container's payload cgroup in
/// every hierarchy (or where lxc.cgroup.dir / lxc.cgroup.dir.monitor put it), so that what the
/// monitor uses is accounted apart from both the container and the caller. The monitor enters
/// it at start and, before it gives up the container's command socket, returns to where it came
/// from (or to lxc.cgroup.dir.monitor.pivot) and removes it; a monitor killed with SIGKILL
/// leaves it empty, and the next start removes it.
public struct MonitorCgroup {
    public let cgroup: PayloadCgroup
    /// lxc.cgroup.dir.monitor.pivot's cgroup, when set.
    let pivot: PayloadCgroup?
    /// The `cgroup.procs` files of the cgroups the process was in before `enter`.
    private var origins: [String] = []
    /// The cgroups `enter` made above its own (lxc.cgroup.dir), removed again by `leave`.
    private var madeParents: [String] = []

    public init(name: String, lxcpath: String, layout: CgroupLayout = .current()) {
        self.init(placement: .standard(name: name, lxcpath: lxcpath), layout: layout, baseCgroups: nil)
    }

    /// The monitor cgroup of `placement`, below `baseCgroups` (`/proc/PID/cgroup` text; the
    /// host init's when nil).
    public init(placement: CgroupPlacement, layout: CgroupLayout, baseCgroups: String?) {
        cgroup = PayloadCgroup(path: placement.monitor, inner: nil, layout: layout, baseCgroups: baseCgroups)
        pivot = placement.monitorPivot.map { PayloadCgroup(path: $0, inner: nil, layout: layout, baseCgroups: baseCgroups) }
    }

    /// Creates the cgroup (sweeping an empty leftover) and moves this process into it.
    public mutating func enter() throws(BerthError) {
        let own = (try? FileSystem.readText("/proc/self/cgroup")) ?? ""
        let here = PayloadCgroup(path: "", inner: nil, layout: cgroup.layout, baseCgroups: own)
        origins = here.directories.map { Path.join($0, "cgroup.procs") }
        madeParents = try cgroup.create()
        try cgroup.joinSelf()
    }

    /// Moves this process back to where it was, or into the pivot cgroup (made if missing and
    /// left in place, as LXC leaves its pivot), and removes the cgroup. False when the cgroup
    /// could not be removed.
    @discardableResult
    public func leave() -> Bool {
        guard !origins.isEmpty else { return true }
        if let pivot, (try? pivot.create(shared: true)) != nil {
            try? pivot.joinSelf()
        } else {
            for procs in origins { try? PayloadCgroup.write(procs, "0") }
        }
        let removed = (try? cgroup.remove()) != nil
        PayloadCgroup.removeMadeParents(madeParents)
        return removed
    }
}
