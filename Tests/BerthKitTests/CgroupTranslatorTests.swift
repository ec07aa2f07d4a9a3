import Foundation
import Testing
@testable import BerthKit

/// Key translation between cgroup v1 and v2 names, against described (fake) host layouts.
@Suite struct CgroupTranslatorTests {
    static let hybrid = CgroupLayout.detect(mountinfo: """
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
        33 31 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
        34 31 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
        35 31 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
        36 31 0:33 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio
        37 31 0:34 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
        38 31 0:35 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
        41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
        """) { _ in "" }
    static let unified = CgroupLayout.detect(mountinfo: "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") { path in
        path == "/sys/fs/cgroup/cgroup.controllers" ? "cpuset cpu io memory hugetlb pids\n" : nil
    }
    static let legacyNoMemory = CgroupLayout.detect(mountinfo: "32 31 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n") { _ in nil }

    func writes(_ layout: CgroupLayout, _ settings: [(CgroupWrite.Version, String, String)]) throws -> [String] {
        try CgroupTranslator(layout: layout)
            .writes(for: settings.map { CgroupTranslator.Setting($0.0, $0.1, $0.2, origin: "config:\($0.1)") })
            .map(\.description)
    }

    func error(_ layout: CgroupLayout, _ settings: [(CgroupWrite.Version, String, String)]) -> String {
        do {
            _ = try writes(layout, settings)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func controllersAreFoundWhereTheyLive() {
        #expect(Self.hybrid.location(of: "memory") == .v1(CgroupLayout.Hierarchy(mountPoint: "/sys/fs/cgroup/memory", controllers: ["memory"])))
        #expect(Self.hybrid.location(of: "hugetlb") == nil)
        #expect(Self.unified.location(of: "memory") == .v2)
        #expect(Self.unified.location(of: "devices") == nil)
    }

    @Test func nativeKeysAreWrittenAsTheyAreWithSizes() throws {
        #expect(try writes(Self.hybrid, [(.v1, "memory.limit_in_bytes", "64M"), (.v1, "pids.max", "20")])
                == ["v1 memory.limit_in_bytes=67108864", "v1 pids.max=20"])
        #expect(try writes(Self.unified, [(.v2, "memory.max", "1G"), (.v2, "memory.high", "max"), (.v2, "io.weight", "default 200")])
                == ["v2 memory.max=1073741824", "v2 memory.high=max", "v2 io.weight=default 200"])
    }

    @Test func v1KeysTranslateOnV2() throws {
        #expect(try writes(Self.unified, [
            (.v1, "memory.memsw.limit_in_bytes", "96M"), (.v1, "memory.limit_in_bytes", "64M"),
            (.v1, "cpu.shares", "1024"), (.v1, "cpu.cfs_quota_us", "50000"), (.v1, "cpu.cfs_period_us", "200000"),
            (.v1, "cpuset.mems", "0"), (.v1, "cpuset.cpus", "0-1"), (.v1, "pids.max", "100"),
            (.v1, "blkio.weight", "500"), (.v1, "blkio.throttle.read_bps_device", "8:0 1048576"),
        ]) == [
            "v2 cpuset.cpus=0-1", "v2 cpuset.mems=0", "v2 memory.max=67108864", "v2 memory.swap.max=33554432",
            "v2 cpu.weight=39", "v2 cpu.max=50000 200000", "v2 pids.max=100", "v2 io.weight=4950", "v2 io.max=8:0 rbps=1048576",
        ])
        #expect(try writes(Self.unified, [(.v1, "cpu.cfs_quota_us", "-1")]) == ["v2 cpu.max=max 100000"])
    }

    @Test func v2KeysTranslateOnV1() throws {
        #expect(try writes(Self.hybrid, [
            (.v2, "memory.swap.max", "32M"), (.v2, "memory.max", "64M"), (.v2, "cpu.weight", "100"),
            (.v2, "cpu.max", "max 100000"), (.v2, "io.max", "8:0 wbps=4096 riops=10"),
        ]) == [
            "v1 memory.limit_in_bytes=67108864", "v1 memory.memsw.limit_in_bytes=100663296", "v1 cpu.cfs_period_us=100000",
            "v1 cpu.cfs_quota_us=-1", "v1 cpu.shares=2597",
            "v1 blkio.throttle.write_bps_device=8:0 4096", "v1 blkio.throttle.read_iops_device=8:0 10",
        ])
    }

    @Test func meaningsThatDifferAreErrorsNamingTheKey() throws {
        #expect(error(Self.hybrid, [(.v2, "memory.high", "10M")]).contains("config:memory.high: cgroup v1 has no memory.high"))
        #expect(error(Self.unified, [(.v1, "memory.soft_limit_in_bytes", "10M")]).contains("config:memory.soft_limit_in_bytes: cgroup v2 has no soft limit"))
        #expect(error(Self.unified, [(.v1, "memory.memsw.limit_in_bytes", "10M")]).contains("needs lxc.cgroup.memory.limit_in_bytes"))
        #expect(try writes(Self.unified, [(.v1, "devices.deny", "b 8:* rwm")]) == ["v2 devices.deny=b 8:* rwm"])
        #expect(error(Self.unified, [(.v1, "devices.deny", "x 8:* rwm")]).contains("is not a device rule"))
        #expect(error(Self.unified, [(.v1, "memory.memsw.limit_in_bytes", "10M"), (.v1, "memory.limit_in_bytes", "20M")]).contains("must be at least"))
    }

    @Test func missingControllersAndBadValuesAreErrors() {
        #expect(error(Self.legacyNoMemory, [(.v1, "memory.limit_in_bytes", "1G")]).contains("the memory controller is not available on this host"))
        #expect(error(Self.hybrid, [(.v1, "nosuch.file", "1")]).contains("the nosuch controller is not available"))
        #expect(error(Self.hybrid, [(.v1, "memory.limit_in_bytes", "12X")]).contains("'12X' is not a size"))
        #expect(error(Self.unified, [(.v1, "cpu.shares", "lots")]).contains("'lots' is not a number from 2 to 262144"))
        #expect(error(Self.hybrid, [(.v2, "cpu.max", "a b c")]).contains("expected 'QUOTA|max [PERIOD]'"))
    }

    @Test func configKeysBecomeSettings() throws {
        let entries = [
            ConfigEntry(key: "lxc.cgroup.memory.limit_in_bytes", value: "1G", file: "c", line: 1),
            ConfigEntry(key: "lxc.cgroup.dir", value: "x", file: "c", line: 2),
            ConfigEntry(key: "lxc.cgroup2.pids.max", value: "9", file: "c", line: 3),
            ConfigEntry(key: "lxc.cgroup.devices.allow", value: "c 1:3 rwm", file: "c", line: 4),
            ConfigEntry(key: "lxc.cgroup.devices.allow", value: "c 1:5 rwm", file: "c", line: 5),
        ]
        let settings = CgroupTranslator.settings(of: ContainerConfig(entries: entries)) { $0 }
        #expect(settings.map { "\($0.version == .v1 ? 1 : 2) \($0.file) \($0.value)" }
                == ["1 memory.limit_in_bytes 1G", "2 pids.max 9", "1 devices.allow c 1:3 rwm", "1 devices.allow c 1:5 rwm"])
    }
}

@Suite struct ContainerStatsTests {
    @Test func netDevSkipsLoopbackAndReadsBytes() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
              eth0:    5000      10    0    0    0     0          0         0     7000      12    0    0    0     0       0          0
            """
        #expect(ContainerStats.parseNetDev(text) == [ContainerStats.Interface(name: "eth0", receivedBytes: 5000, sentBytes: 7000)])
    }

    @Test func fieldsAreFoundByKey() {
        #expect(ContainerStats.field("usage_usec", in: "usage_usec 1234\nuser_usec 1000\n") == 1234)
        #expect(ContainerStats.field("Total", in: "8:0 Read 10\n8:0 Write 20\nTotal 30\n") == 30)
        #expect(ContainerStats.field("Total", in: nil) == nil)
    }

    @Test func topSortsNumbersBiggestFirst() {
        var big = ContainerStats()
        big.memoryBytes = 900
        var small = ContainerStats()
        small.memoryBytes = 100
        let rows = [ContainerTop.Row(name: "b", cpuPercent: 1, stats: small), ContainerTop.Row(name: "a", cpuPercent: 50, stats: big)]
        #expect(ContainerTop.sorted(rows, by: .memory, reverse: false).map(\.name) == ["a", "b"])
        #expect(ContainerTop.sorted(rows, by: .cpu, reverse: true).map(\.name) == ["b", "a"])
        #expect(ContainerTop.sorted(rows, by: .name, reverse: false).map(\.name) == ["a", "b"])
    }
}

/// Payload cgroup paths and writes against fake cgroup trees: directories in a temporary
/// directory stand in for the hierarchies, so the v1, v2 and hybrid logic is checked without
/// touching the host's cgroups.
@Suite struct PayloadCgroupFakeTreeTests {
    /// A fake tree: `hierarchies` (mount name → controllers) as v1, plus a cgroup2 mount with
    /// `v2Controllers` when given; returns the layout and the tree's root.
    func fakeTree(_ hierarchies: [(String, [String])], v2Controllers: [String]?) throws -> (CgroupLayout, String) {
        let root = "/tmp/berth-fake-cgroup-\(getpid())-\(hierarchies.count)-\(v2Controllers?.count ?? -1)"
        try? FileSystem.removeTree(root)
        var mountinfo = ""
        for (index, (name, controllers)) in hierarchies.enumerated() {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            mountinfo += "\(30 + index) 1 0:\(30 + index) / \(root)/\(name) rw - cgroup cgroup rw,\(controllers.joined(separator: ","))\n"
        }
        if let v2Controllers {
            try FileManager.default.createDirectory(atPath: root + "/unified", withIntermediateDirectories: true)
            try FileSystem.writeAtomically(root + "/unified/cgroup.controllers", text: v2Controllers.joined(separator: " ") + "\n", mode: 0o644)
            try FileSystem.writeAtomically(root + "/unified/cgroup.subtree_control", text: "\n", mode: 0o644)
            mountinfo += "60 1 0:60 / \(root)/unified rw - cgroup2 cgroup2 rw\n"
        }
        let layout = CgroupLayout.detect(mountinfo: mountinfo) { try? FileSystem.readText($0) }
        return (layout, root)
    }

    @Test func pathsFollowInitsCgroupInEachHierarchy() throws {
        let (layout, root) = try fakeTree([("cpu,cpuacct", ["cpu", "cpuacct"]), ("memory", ["memory"])], v2Controllers: [])
        defer { try? FileSystem.removeTree(root) }
        #expect(layout.kind == .hybrid)
        let cgroup = PayloadCgroup(name: "web", lxcpath: nil, layout: layout, initCgroups: "2:cpu,cpuacct:/system.slice\n1:memory:/\n0::/init.scope\n")
        #expect(cgroup.directories == ["\(root)/cpu,cpuacct/system.slice/berth.payload.web", "\(root)/memory/berth.payload.web", "\(root)/unified/berth.payload.web"])
        #expect(cgroup.directory(for: "cpuacct") == "\(root)/cpu,cpuacct/system.slice/berth.payload.web")
        #expect(cgroup.directory(for: "pids") == nil)
        let monitor = MonitorCgroup(name: "web", lxcpath: "/var/lib/berth", layout: layout)
        #expect(monitor.isShared && monitor.cgroup.directories == ["\(root)/cpu,cpuacct/berth.monitors", "\(root)/memory/berth.monitors", "\(root)/unified/berth.monitors"])
        #expect(PayloadCgroup.join("/sys/fs/cgroup/cpu", "/a//b/", "c") == "/sys/fs/cgroup/cpu/a/b/c")
        #expect(PayloadCgroup.join("/sys/fs/cgroup/", "/", "lxc/x") == "/sys/fs/cgroup/lxc/x")
        #expect(PayloadCgroup.parse("5:pids:/a/init.scope\n0::/\nbad line\n3:name=systemd:/s:x\n") == ["pids": "/a", "": "/", "name=systemd": "/s:x"])
    }

    @Test func leafNamesKeepLxcpathsApart() {
        #expect(PayloadCgroup.leaf(prefix: "berth.payload.", name: "web", lxcpath: "/var/lib/berth") == "berth.payload.web")
        #expect(PayloadCgroup.leaf(prefix: "berth.payload.", name: "web", lxcpath: "/var/lib/berth/") == "berth.payload.web")
        let other = PayloadCgroup.leaf(prefix: "berth.payload.", name: "web", lxcpath: "/srv/lxc")
        #expect(other.hasPrefix("berth.payload.web.") && other.count == "berth.payload.web.".count + 8)
        #expect(other != PayloadCgroup.leaf(prefix: "berth.payload.", name: "web", lxcpath: "/srv/lxc2"))
        #expect(PayloadCgroup.leaf(prefix: "berth.payload.", name: "web", lxcpath: nil) == "berth.payload.web")
    }

    @Test func writesLandInTheRightTreeAndV2ControllersAreEnabled() throws {
        // Pure v2: the controller must be enabled in the parent's cgroup.subtree_control.
        let (layout, root) = try fakeTree([], v2Controllers: ["memory", "pids"])
        defer { try? FileSystem.removeTree(root) }
        #expect(layout.kind == .v2)
        let cgroup = PayloadCgroup(name: "db", lxcpath: nil, layout: layout, initCgroups: "0::/\n")
        let directory = try #require(cgroup.directory(for: "memory"))
        try FileSystem.makeDirectory(directory)
        for file in ["memory.max", "pids.max"] { try FileSystem.writeAtomically(directory + "/" + file, text: "max\n", mode: 0o644) }
        let translator = CgroupTranslator(layout: layout)
        try cgroup.apply(try translator.writes(for: [CgroupTranslator.Setting(.v1, "memory.limit_in_bytes", "64M", origin: "t")]))
        #expect(try FileSystem.readText(directory + "/memory.max") == "67108864")
        #expect(try FileSystem.readText(root + "/unified/cgroup.subtree_control").hasPrefix("+memory"))
        try cgroup.apply(try translator.writes(for: [CgroupTranslator.Setting(.v2, "pids.max", "20", origin: "t")]))
        #expect(try FileSystem.readText(directory + "/pids.max") == "20")

        // A file the kernel would not have is an error naming the key and the file.
        let missing = CgroupWrite(.v2, "memory.high", "1", origin: "config line 7")
        #expect(throws: BerthError.self) { try cgroup.apply([missing]) }
    }
}
