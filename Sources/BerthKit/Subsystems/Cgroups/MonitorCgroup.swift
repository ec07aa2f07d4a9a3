/// The monitor's cgroup, so that what the monitor uses is accounted apart from both the
/// container and the caller (whose session or unit it outlives), in every hierarchy.
///
/// By default that is `berth.monitors` beside the containers' payload cgroups, one cgroup all
/// monitors share: made when missing, joined at start, and left in place (as LXC leaves its
/// lxc.pivot). With lxc.cgroup.dir.monitor the monitor has a cgroup of its own, as LXC's: it
/// enters it at start and, before it gives up the container's command socket, returns to where
/// it came from (or to lxc.cgroup.dir.monitor.pivot) and removes it; a monitor killed with
/// SIGKILL leaves it empty, and the next start removes it.
public struct MonitorCgroup {
    public let cgroup: PayloadCgroup
    /// The cgroup all monitors share (CgroupPlacement.monitorShared): never swept or removed.
    public let isShared: Bool
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
        isShared = placement.monitorShared
        pivot = placement.monitorPivot.map { PayloadCgroup(path: $0, inner: nil, layout: layout, baseCgroups: baseCgroups) }
    }

    /// Creates the cgroup (sweeping an empty leftover; the shared one only when it is missing)
    /// and moves this process into it; in the v1 hierarchies only when it was born in the v2
    /// directory (`birthplace`).
    public mutating func enter() throws(BerthError) {
        if origin == nil {
            let own = (try? FileSystem.readText("/proc/self/cgroup")) ?? ""
            origin = PayloadCgroup(path: "", inner: nil, layout: cgroup.layout, baseCgroups: own)
        }
        guard isShared else {
            madeParents = try cgroup.create(skippingV2: bornInV2)
            try cgroup.joinSelf(skippingV2: bornInV2)
            return
        }
        // Joined first and made only when that fails (missing, or a cpuset another start made
        // a moment ago and has not filled yet): it is there at every start but the first, and a
        // mkdir that finds it still takes the lock of the hierarchy's root directory, which the
        // payload cgroups' mkdirs of other starts hold. The cgroups above it (lxc.cgroup.dir)
        // stay with it. Should it be removed between the mkdir and the move (an
        // administrator's cleanup of an empty cgroup), it is made once more.
        var makes = 0
        while true {
            do throws(BerthError) {
                try cgroup.joinSelf(skippingV2: bornInV2)
                return
            } catch {
                makes += 1
                guard makes <= 2 else { throw error }
                try cgroup.create(shared: true, skippingV2: bornInV2)
            }
        }
    }

    /// berth-start, before it forks the monitor: makes the v2 directory for the monitor to be
    /// born in (see ProcessControl.fork(intoCgroup:)), and notes the caller's cgroups as those
    /// `leave` returns to (the monitor's own /proc/self/cgroup will name this one). nil, and
    /// nothing made, where there is no v2 hierarchy or the directory is not made fresh (a
    /// leftover, or parents that lxc.cgroup.dir names and that do not exist yet): `enter` then
    /// does it all. The shared cgroup need not be fresh: the one there is the one to be born in.
    public mutating func birthplace() -> String? {
        guard let directory = cgroup.processV2Directory, let own = try? FileSystem.readText("/proc/self/cgroup") else { return nil }
        // The shared one is looked for first: a mkdir that finds it still locks the root
        // directory of the hierarchy that other starts make their cgroups in.
        if !(isShared && CgroupMountsDirectory.isDirectory(directory)) {
            let made = CgroupMountsDirectory.makeDirectory(directory) == nil
            guard made || (isShared && CgroupMountsDirectory.isDirectory(directory)) else { return nil }
        }
        origin = PayloadCgroup(path: "", inner: nil, layout: cgroup.layout, baseCgroups: own)
        return directory
    }

    /// Removes the birthplace after a start that failed before the monitor entered it: never
    /// the shared cgroup, which other monitors are in or about to be born in.
    public func removeBirthplace(_ directory: String) {
        guard !isShared else { return }
        _ = FileSystem.removeEmptyDirectory(directory)
    }

    /// Set once the monitor was born in `birthplace`.
    public var bornInV2 = false

    /// Moves this process back to where it was, or into the pivot cgroup (made if missing and
    /// left in place, as LXC leaves its pivot), and removes the cgroup. False when the cgroup
    /// could not be removed.
    @discardableResult
    public func leave() -> Bool {
        guard let origin else { return true }
        // The shared cgroup stays, and the monitor with it as it ends, unless a pivot is set.
        if isShared && pivot == nil { return true }
        if let pivot, (try? pivot.create(shared: true)) != nil {
            try? pivot.joinSelf()
        } else {
            try? origin.joinSelf(everywhere: true)
        }
        if isShared { return true }
        let removed = (try? cgroup.remove()) != nil
        PayloadCgroup.removeMadeParents(madeParents)
        return removed
    }
}
