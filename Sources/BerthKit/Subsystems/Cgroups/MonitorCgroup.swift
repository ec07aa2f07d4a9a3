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
    /// The cgroups the process was in before `enter`.
    private var origin: PayloadCgroup?
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

    /// Creates the cgroup (sweeping an empty leftover) and moves this process into it; in the
    /// v1 hierarchies only when it was born in the v2 directory (`birthplace`).
    public mutating func enter() throws(BerthError) {
        if origin == nil {
            let own = (try? FileSystem.readText("/proc/self/cgroup")) ?? ""
            origin = PayloadCgroup(path: "", inner: nil, layout: cgroup.layout, baseCgroups: own)
        }
        madeParents = try cgroup.create(skippingV2: bornInV2)
        try cgroup.joinSelf(skippingV2: bornInV2)
    }

    /// berth-start, before it forks the monitor: makes the v2 directory for the monitor to be
    /// born in (see ProcessControl.fork(intoCgroup:)), and notes the caller's cgroups as those
    /// `leave` returns to (the monitor's own /proc/self/cgroup will name this one). nil, and
    /// nothing made, where there is no v2 hierarchy or the directory is not made fresh (a
    /// leftover, or parents that lxc.cgroup.dir names and that do not exist yet): `enter` then
    /// does it all.
    public mutating func birthplace() -> String? {
        guard let directory = cgroup.processV2Directory, let own = try? FileSystem.readText("/proc/self/cgroup"),
              (try? FileSystem.makeDirectory(directory)) != nil else { return nil }
        origin = PayloadCgroup(path: "", inner: nil, layout: cgroup.layout, baseCgroups: own)
        return directory
    }

    /// Set once the monitor was born in `birthplace`.
    public var bornInV2 = false

    /// Moves this process back to where it was, or into the pivot cgroup (made if missing and
    /// left in place, as LXC leaves its pivot), and removes the cgroup. False when the cgroup
    /// could not be removed.
    @discardableResult
    public func leave() -> Bool {
        guard let origin else { return true }
        if let pivot, (try? pivot.create(shared: true)) != nil {
            try? pivot.joinSelf()
        } else {
            try? origin.joinSelf(everywhere: true)
        }
        let removed = (try? cgroup.remove()) != nil
        PayloadCgroup.removeMadeParents(madeParents)
        return removed
    }
}
