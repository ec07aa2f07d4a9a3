import Foundation
import Testing
import BerthKit

/// LXC's cgroup placement keys on real containers: where the payload, the monitor and the
/// processes land in every hierarchy, that the other commands find them there, and that a stop
/// leaves nothing but what LXC leaves too (the monitor's pivot).
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct CgroupPlacementTests {
    let layout = CgroupLayout.current()

    /// The directory of `path` (below the root of each hierarchy) in every hierarchy.
    func everywhere(_ path: String) -> [String] {
        PayloadCgroup(path: path, inner: nil, layout: layout, baseCgroups: "").directories
    }

    /// Init's cgroup in the hierarchy of `directory`, as the host sees it.
    func cgroupOf(_ pid: String, in directory: String) -> String? {
        let lines = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?.split(separator: "\n") ?? []
        let hierarchy = layout.v1.first { directory.hasPrefix($0.mountPoint + "/") }
        let key = hierarchy.map { $0.controllers.joined(separator: ",") } ?? ""
        return lines.first { $0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).dropFirst().first.map(String.init) == key }
            .map { String($0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)[2]) }
    }

    /// Removes the test's cgroups, deepest first. A stopped container's monitor may still be in
    /// its pivot cgroup for a moment after the stop returned (it exits after answering), so the
    /// removal is tried again until every directory is gone (a pivot was left behind once).
    func removeAll(_ paths: [String]) {
        _ = eventually {
            for path in paths.sorted(by: { $0.count > $1.count }) { rmdir(path) }
            return paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) }
        }
    }

    /// Without placement keys the monitors share berth.monitors: two at once both in it in every
    /// hierarchy (its v1 cpuset filled), one stop leaves it to the other, and a start after it
    /// was removed while empty makes it again.
    @Test func monitorsShareOneCgroupThatStays() throws {
        let box = try Sandbox.withBusybox("ms1")
        try box.ok("create", ["-n", "ms2", "-t", "busybox"])
        let shared = everywhere(CgroupPlacement.sharedMonitor)
        let started = [try box.start("start", ["-n", "ms1", "-d"]), try box.start("start", ["-n", "ms2", "-d"])]
        for process in started { #expect(try box.finish(process).status == 0) }
        // A monitor moves into its v1 cgroups once berth-start has returned.
        func inShared(_ name: String) -> Bool {
            guard let pid = box.monitorPID(name) else { return false }
            return shared.allSatisfy { cgroupOf(String(pid), in: $0) == "/" + CgroupPlacement.sharedMonitor }
        }
        #expect(eventually { inShared("ms1") && inShared("ms2") }, "\(shared.map { "\($0): \(box.text($0 + "/cgroup.procs") ?? "-")" })")
        // Its v1 cpuset has cpus (a task cannot join one without).
        let cpusetShared = layout.v1.first(where: { $0.controllers.contains("cpuset") }).map { $0.mountPoint + "/" + CgroupPlacement.sharedMonitor }
        func cpus() -> String { cpusetShared.flatMap { box.text($0 + "/cpuset.cpus") }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        if cpusetShared != nil { #expect(!cpus().isEmpty, "cpuset.cpus of berth.monitors: '\(cpus())'") }
        try box.ok("stop", ["-n", "ms1", "-k"])
        box.expectClean("ms1")
        #expect(shared.allSatisfy { FileManager.default.fileExists(atPath: $0) } && inShared("ms2"))
        try box.ok("stop", ["-n", "ms2", "-k"])
        box.expectClean("ms2")
        #expect(shared.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "the shared cgroup stays")
        // Removed while no monitor is in it (other tests' monitors may keep it), then a start.
        // In v1 cpuset it is made again with no cpus, as another start's mkdir leaves it for a
        // moment (where the root's clone_children is off): the monitor's join is refused there,
        // and the start fills it and joins.
        for directory in shared { rmdir(directory) }
        if let cpusetShared, mkdir(cpusetShared, 0o755) == 0 {
            try "\n".write(toFile: cpusetShared + "/cpuset.cpus", atomically: false, encoding: .utf8)
            #expect(cpus().isEmpty)
        }
        try box.ok("start", ["-n", "ms1", "-d"])
        #expect(eventually { inShared("ms1") })
        if cpusetShared != nil { #expect(!cpus().isEmpty, "cpuset.cpus of berth.monitors: '\(cpus())'") }
        try box.ok("stop", ["-n", "ms1", "-k"])
        box.expectClean("ms1")
        // lxc.cgroup.dir.monitor.pivot alone still acts: a monitor in the shared cgroup moves
        // to the pivot as it ends, making it where missing (and leaving it, as LXC's).
        let pivot = everywhere("berth-test-\(getpid())-pivot")
        defer { removeAll(pivot) }
        try box.ok("start", ["-n", "ms1", "-d", "-s", "lxc.cgroup.dir.monitor.pivot=berth-test-\(getpid())-pivot"])
        #expect(eventually { inShared("ms1") })
        try box.ok("stop", ["-n", "ms1", "-k"])
        box.expectClean("ms1")
        #expect(pivot.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(pivot.filter { !FileManager.default.fileExists(atPath: $0) })")
    }

    @Test func cgroupDirPutsBothCgroupsBelowIt() throws {
        let box = try Sandbox.withBusybox("cp1")
        let group = "berth-test-\(getpid())/web"
        let top = everywhere("berth-test-\(getpid())")
        defer { removeAll(everywhere(group) + top) }
        try box.ok("start", ["-n", "cp1", "-s", "lxc.cgroup.dir=\(group)", "-s", "lxc.cgroup.memory.limit_in_bytes=64M"])
        let pid = try box.ok("info", ["-n", "cp1", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let leaf = PayloadCgroup(name: "cp1", lxcpath: box.lxcpath).directories.first.map(Path.base) ?? ""
        let payload = everywhere(group + "/" + leaf)
        #expect(!payload.isEmpty && payload.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(payload)")
        for directory in payload {
            #expect(cgroupOf(pid, in: directory)?.hasPrefix("/\(group)/\(leaf)") == true, "\(directory): \(cgroupOf(pid, in: directory) ?? "-")")
        }
        // The monitor beside it, and nothing at Berth's own place.
        let monitor = everywhere(group + "/" + leaf.replacingOccurrences(of: "berth.payload.", with: "berth.monitor."))
        #expect(monitor.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(monitor)")
        #expect(box.payloadCgroups("cp1").isEmpty, "\(box.payloadCgroups("cp1"))")
        // The other commands find it: the limit read back, the statistics, attach joining it.
        #expect(try box.ok("cgroup", ["-n", "cp1", "memory.limit_in_bytes"]).stdout == "67108864\n")
        #expect(try box.ok("info", ["-n", "cp1", "-S", "-H"]).stdout.contains("Memory use:"))
        let attached = try box.ok("attach", ["-n", "cp1", "--", "/bin/sh", "-c", "cat /proc/self/cgroup"]).stdout
        #expect(!attached.isEmpty && attached.split(separator: "\n").allSatisfy { $0.hasSuffix(":/") }, "attach is in the container's cgroup: \(attached)")
        #expect(try box.ok("ls", ["-f", "-F", "NAME,RAM"]).stdout.contains("MB"))
        try box.ok("freeze", ["-n", "cp1"])
        #expect(try box.ok("info", ["-n", "cp1", "-sH"]).stdout == "FROZEN\n")
        try box.ok("unfreeze", ["-n", "cp1"])
        try box.ok("stop", ["-n", "cp1", "-k"])
        box.expectClean("cp1")
        // The cgroups Berth made above its own go with them.
        #expect((payload + monitor + everywhere(group) + top).allSatisfy { !FileManager.default.fileExists(atPath: $0) },
                "\((everywhere(group) + top).filter { FileManager.default.fileExists(atPath: $0) })")
    }

    @Test func explicitDirectoriesInnerCgroupAndPivot() throws {
        let box = try Sandbox.withBusybox("cp2")
        let base = "berth-test-\(getpid())"
        let made = everywhere(base) + everywhere(base + "/c") + everywhere(base + "/c/in") + everywhere(base + "/m") + everywhere(base + "/p")
        defer { removeAll(made) }
        try box.ok("start", ["-n", "cp2", "-s", "lxc.cgroup.dir.container=\(base)/c", "-s", "lxc.cgroup.dir.monitor=\(base)/m",
                             "-s", "lxc.cgroup.dir.container.inner=in", "-s", "lxc.cgroup.dir.monitor.pivot=\(base)/p",
                             "-s", "lxc.cgroup.pids.max=40"])
        let pid = try box.ok("info", ["-n", "cp2", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for directory in everywhere(base + "/c") {
            #expect(cgroupOf(pid, in: directory) == "/\(base)/c/in", "\(directory): \(cgroupOf(pid, in: directory) ?? "-")")
        }
        // The limit is on the cgroup above the container's root, where it cannot write.
        if let pids = layout.v1.first(where: { $0.controllers.contains("pids") }) {
            #expect((try? String(contentsOfFile: "\(pids.mountPoint)/\(base)/c/pids.max", encoding: .utf8)) == "40\n")
            #expect((try? String(contentsOfFile: "\(pids.mountPoint)/\(base)/c/in/pids.max", encoding: .utf8)) == "max\n")
            let inside = try box.ok("attach", ["-n", "cp2", "--", "/bin/sh", "-c", "cat /sys/fs/cgroup/pids/pids.max; grep pids /proc/1/cgroup"]).stdout
            #expect(inside.hasPrefix("max\n") && inside.contains(":pids:/\n"), "the container sees its inner cgroup as its root: \(inside)")
        }
        #expect(try box.ok("cgroup", ["-n", "cp2", "pids.max"]).stdout == "40\n")
        let monitorPID = try #require(box.monitorPID("cp2"))
        for directory in everywhere(base + "/m") {
            #expect(cgroupOf("\(monitorPID)", in: directory) == "/\(base)/m")
        }
        try box.ok("stop", ["-n", "cp2", "-k"])
        box.expectClean("cp2")
        #expect((everywhere(base + "/c") + everywhere(base + "/m")).allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        // The pivot stays, as LXC's lxc.pivot does.
        #expect(everywhere(base + "/p").allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func relativePlacesBelowTheStartingProcess() throws {
        let box = try Sandbox.withBusybox("cp3")
        let memory = try #require(layout.v1.first { $0.controllers.contains("memory") }, "a v1 memory hierarchy (this host's)")
        let own = "\(memory.mountPoint)/berth-test-\(getpid())-caller"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: false)
        // The start's processes begin in this cgroup, and the container's monitor may still be
        // exiting when the stop returns (one CI run left the cgroup behind): removed as the
        // other tests' cgroups are, tried again until it is gone.
        defer { removeAll([own]) }
        // The start runs from a shell that moved itself into a cgroup of its own first.
        let tool = binDirectory + "/berth-start"
        let started = try box.run(executable: "/bin/sh", ["-c", "echo $$ > \(own)/cgroup.procs && exec \(tool) -P \(box.lxcpath) -n cp3 -s lxc.cgroup.relative=1"])
        try #require(started.status == 0, "\(started.stderr)")
        let pid = try box.ok("info", ["-n", "cp3", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let leaf = PayloadCgroup(name: "cp3", lxcpath: box.lxcpath).directories.first.map(Path.base) ?? ""
        #expect(cgroupOf(pid, in: own + "/x") == "/berth-test-\(getpid())-caller/\(leaf)")
        #expect(try box.ok("info", ["-n", "cp3", "-S", "-H"]).stdout.contains("Memory use:"))
        try box.ok("stop", ["-n", "cp3", "-k"])
        box.expectClean("cp3")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: own)) ?? []).filter { $0.hasPrefix("berth.") }.isEmpty)
    }

    @Test func badPlacementsAreRefusedNamingTheKey() throws {
        let box = try Sandbox.withBusybox("cp4")
        for (settings, key) in [
            (["lxc.cgroup.dir=/abs"], "lxc.cgroup.dir"),
            (["lxc.cgroup.dir=a/../b"], "lxc.cgroup.dir"),
            (["lxc.cgroup.dir.container=a"], "lxc.cgroup.dir.container"),
            (["lxc.cgroup.dir.monitor=a"], "lxc.cgroup.dir.monitor"),
            (["lxc.cgroup.dir=a", "lxc.cgroup.dir.container=b", "lxc.cgroup.dir.monitor=c"], "lxc.cgroup.dir"),
            (["lxc.cgroup.dir.container=a", "lxc.cgroup.dir.monitor=a/b"], "lxc.cgroup.dir.container"),
            (["lxc.cgroup.dir.container.inner=x:y"], "lxc.cgroup.dir.container.inner"),
        ] {
            let result = try box.run("start", ["-n", "cp4"] + settings.flatMap { ["-s", $0] })
            #expect(result.status != 0 && result.stderr.contains(key), "\(settings): \(result.stderr)")
            box.expectClean("cp4")
        }
    }
}
