/// Freezes and thaws a container's cgroup: the v1 freezer (`freezer.state`) where the host has
/// it, else cgroup v2's `cgroup.freeze`. Both are asynchronous in the kernel; the wait polls the
/// state every 200 µs at first and backs off to 10 ms, never sleeping in whole seconds (LXC
/// polls once a second, so many of its freezes take a second).
public struct CgroupFreezer: Sendable {
    public let cgroup: PayloadCgroup

    public init(cgroup: PayloadCgroup) { self.cgroup = cgroup }

    enum Mechanism { case v1(String), v2(String) }

    var mechanism: Mechanism? {
        if case .v1? = cgroup.layout.location(of: "freezer"), let directory = cgroup.directory(for: "freezer") {
            return .v1(directory)
        }
        if let directory = cgroup.v2Directory, FileSystem.exists(Path.join(directory, "cgroup.freeze")) {
            return .v2(directory)
        }
        return nil
    }

    /// Whether the cgroup is frozen now (a freeze still in progress counts as not frozen).
    public var isFrozen: Bool {
        switch mechanism {
        case .v1(let directory)?:
            return (try? FileSystem.readText(Path.join(directory, "freezer.state")))?.hasPrefix("FROZEN") ?? false
        case .v2(let directory)?:
            return CgroupFreezer.v2Frozen(directory)
        case nil:
            return false
        }
    }

    /// Freezes (or thaws) every process of the container and returns once the kernel reports
    /// it done, or throws after `timeout` seconds (the cgroup is then thawed again, so a failed
    /// freeze never leaves the container half-frozen).
    public func set(frozen: Bool, timeout: Double = 10) throws(BerthError) {
        guard let mechanism else {
            throw BerthError(.unsupported, "this host has neither the v1 freezer controller nor cgroup v2's cgroup.freeze")
        }
        let deadline = monotonicSeconds() + timeout
        var pause: useconds_t = 200
        switch mechanism {
        case .v1(let directory):
            let state = Path.join(directory, "freezer.state")
            let wanted = frozen ? "FROZEN" : "THAWED"
            // Writing FROZEN again while FREEZING retries the tasks that were not frozen yet.
            while true {
                try PayloadCgroup.write(state, wanted)
                if (try? FileSystem.readText(state))?.hasPrefix(wanted) ?? false { return }
                if monotonicSeconds() > deadline { break }
                CurrentProcess.pause(microseconds: pause)
                pause = min(pause * 2, 10_000)
            }
            if frozen { try? PayloadCgroup.write(state, "THAWED") }
        case .v2(let directory):
            try PayloadCgroup.write(Path.join(directory, "cgroup.freeze"), frozen ? "1" : "0")
            while CgroupFreezer.v2Frozen(directory) != frozen {
                if monotonicSeconds() > deadline {
                    if frozen { try? PayloadCgroup.write(Path.join(directory, "cgroup.freeze"), "0") }
                    throw BerthError(.timedOut, "the container did not \(frozen ? "freeze" : "thaw") within \(Int(timeout)) s")
                }
                CurrentProcess.pause(microseconds: pause)
                pause = min(pause * 2, 10_000)
            }
            return
        }
        throw BerthError(.timedOut, "the container did not \(frozen ? "freeze" : "thaw") within \(Int(timeout)) s")
    }

    /// `frozen 1` in cgroup.events.
    static func v2Frozen(_ directory: String) -> Bool {
        let events = (try? FileSystem.readText(Path.join(directory, "cgroup.events"))) ?? ""
        return events.split(separator: "\n").contains("frozen 1")
    }
}
