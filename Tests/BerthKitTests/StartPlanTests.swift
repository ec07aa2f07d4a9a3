import Testing
@testable import BerthKit

/// A start plan made on a host described to it (StartInputs), not read from this machine: the
/// plan learns the rootfs, the fstab and the seccomp profile only through its inputs, so none
/// of the files below exists.
@Suite struct StartPlanTests {
    static func container() throws -> Container { Container(lxcpath: "/nowhere/lxc", name: try ContainerName("planned")) }

    /// A host where `directories` exist and `files` hold the given text; root starts.
    static func host(directories: Set<String>, files: [String: String]) -> StartInputs {
        StartInputs(
            callerVariable: { $0 == "HOME" ? "/root" : nil },
            cgroupLayout: CgroupLayout.detect(mountinfo: "30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") { _ in "cpu memory pids" },
            managedBridge: nil, asRoot: true, apparmor: false, selinux: false, lastCapability: { 40 },
            isDirectory: { directories.contains($0) },
            readFile: { (path) throws(BerthError) in
                guard let text = files[path] else { throw BerthError(.notFound, "\(path): no such file") }
                return text
            },
            exposingDirectory: { _ in nil }, closedAncestor: { _, _, _ in nil })
    }

    static func config(_ text: String) throws -> ContainerConfig {
        try ConfigLoader.load(text: text, file: "/nowhere/lxc/planned/config")
    }

    @Test func thePlanReadsTheHostOnlyThroughItsInputs() throws {
        let config = try Self.config("""
            lxc.rootfs.path = dir:/made/up/rootfs
            lxc.mount.fstab = /made/up/fstab
            lxc.seccomp.profile = /made/up/seccomp
            lxc.cap.keep = sys_admin
            lxc.net.0.type = none
            """)
        let inputs = Self.host(directories: ["/made/up/rootfs"], files: [
            "/made/up/fstab": "# comment\n/srv/data srv none bind,create=dir 0 0\n",
            "/made/up/seccomp": "2\ndenylist\nmknod errno 1\n",
        ])
        let plan = try StartPlan(container: try Self.container(), config: config, inputs: inputs)
        #expect(plan.rootfs == "/made/up/rootfs")
        #expect(plan.mounts.map(\.source) == ["/srv/data"])
        #expect(plan.seccompOrigin == "/made/up/seccomp")
        #expect(plan.seccomp == .parsed(SeccompPolicy(defaultAction: .allow, rules: [.init(syscall: "mknod", action: .errno(1), comparisons: [])])), "\(String(describing: plan.seccomp))")
        // lxc.cap.keep drops every capability the (made-up) kernel knows but the kept one.
        #expect(plan.dropCapabilities.count == 40)
        #expect(!plan.dropCapabilities.contains(21))  // CAP_SYS_ADMIN
    }

    @Test func aMissingFileOrDirectoryOfTheInputsNamesTheKey() throws {
        let config = try Self.config("lxc.rootfs.path = dir:/made/up/rootfs\nlxc.mount.fstab = /made/up/fstab\n")
        #expect(throws: BerthError.self) {
            _ = try StartPlan(container: try Self.container(), config: config, inputs: Self.host(directories: [], files: [:]))
        }
        do {
            _ = try StartPlan(container: try Self.container(), config: config, inputs: Self.host(directories: ["/made/up/rootfs"], files: [:]))
            Issue.record("a missing fstab was accepted")
        } catch let error as BerthError {
            #expect(error.message.contains("/nowhere/lxc/planned/config:2: lxc.mount.fstab: cannot read /made/up/fstab"))
        }
    }

    /// Init learns which interfaces Berth gives an IPv4 address (their names inside), so the
    /// busybox guest's rcS asks DHCP for the others only; with none, the variable is not set.
    @Test func initIsToldWhichInterfacesBerthAddresses() throws {
        let inputs = Self.host(directories: ["/made/up/rootfs"], files: [:])
        let config = try Self.config("""
            lxc.rootfs.path = dir:/made/up/rootfs
            lxc.net.0.type = veth
            lxc.net.0.link = br0
            lxc.net.0.ipv4.address = 10.1.2.3/24
            lxc.net.1.type = veth
            lxc.net.1.link = br0
            lxc.net.2.type = veth
            lxc.net.2.link = br0
            lxc.net.2.name = uplink
            lxc.net.2.ipv4.address = 10.9.0.2/16
            lxc.environment = KEPT=1
            lxc.environment = HOME
            lxc.environment = UNSET
            """)
        let plan = try StartPlan(container: try Self.container(), config: config, inputs: inputs)
        #expect(plan.environment.filter { $0.hasPrefix("container_ipv4_configured=") } == ["container_ipv4_configured=eth0 uplink"], "\(plan.environment)")
        #expect(plan.environment.contains("KEPT=1") && plan.environment.contains("container=lxc"))
        // A bare name passes the caller's value, and nothing when the caller has none.
        #expect(plan.environment.contains("HOME=/root") && !plan.environment.contains { $0.hasPrefix("UNSET") }, "\(plan.environment)")

        // No lxc.seccomp.profile: Berth's own policy, not parsed for the plan.
        #expect(plan.seccomp == .builtIn && plan.seccompOrigin == "Berth's default seccomp policy")

        let dhcpOnly = try Self.config("lxc.rootfs.path = dir:/made/up/rootfs\nlxc.net.0.type = veth\nlxc.net.0.link = br0\n")
        let unaddressed = try StartPlan(container: try Self.container(), config: dhcpOnly, inputs: inputs)
        #expect(!unaddressed.environment.contains { $0.hasPrefix("container_ipv4_configured") }, "\(unaddressed.environment)")
    }

    @Test func mountEntriesSplitFlagsFromTheFilesystemsOwnOptions() throws {
        let entry = try MountEntry(parsing: "tmpfs /tmp tmpfs rw,nosuid,size=10m,create=dir,mode=1777 0 0", where: "c:1")
        #expect(entry.target == "tmp" && entry.fstype == "tmpfs" && entry.create == .dir)
        #expect(entry.data == "size=10m,mode=1777", "\(entry.data)")
        #expect(entry.flags & UInt(MS_NOSUID) != 0 && entry.flags & UInt(MS_RDONLY) == 0)
        #expect(try MountEntry(parsing: "/src dst none bind,ro", where: "c:2").data.isEmpty)
    }
}
