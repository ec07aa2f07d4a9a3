import CSeccomp

/// What `berth-checkconfig` reports: each kernel feature Berth uses, with a verdict.
public struct HostCheck: Sendable {
    public enum Verdict: String, Sendable {
        case enabled, builtIn = "built in", module = "module", missing, notEnabled = "not enabled"
    }

    public struct Item: Sendable {
        public let name: String
        public let verdict: Verdict
        /// Whether Berth cannot work without it.
        public let required: Bool
        public let detail: String?
        public var isProblem: Bool { required && (verdict == .missing || verdict == .notEnabled) }
    }

    public struct Section: Sendable {
        public let title: String
        public let items: [Item]
        /// Free lines (cgroup mount points).
        public let notes: [String]
    }

    public let kernelRelease: String
    public let kernelConfigSource: String?
    public let cgroupLayout: CgroupLayout
    public let sections: [Section]

    public var problems: [Item] { sections.flatMap(\.items).filter(\.isProblem) }

    public static func run() -> HostCheck {
        let release = CurrentProcess.kernelRelease
        let kconfig = KernelConfig.current(release: release)
        let layout = CgroupLayout.current()

        func kernelOption(_ name: String, _ option: String, required: Bool, probe: Bool? = nil) -> Item {
            // A live probe beats the build config: a feature can be built but switched off.
            if let probe, !probe { return Item(name: name, verdict: .notEnabled, required: required, detail: nil) }
            guard let kconfig else {
                return Item(name: name, verdict: probe == true ? .enabled : .missing, required: required, detail: probe == nil ? "kernel config not published" : nil)
            }
            switch kconfig.setting(option) {
            case .builtIn: return Item(name: name, verdict: probe == true ? .enabled : .builtIn, required: required, detail: nil)
            case .module: return Item(name: name, verdict: .module, required: required, detail: FileSystem.exists("/sys/module/\(moduleName(option))") ? "loaded" : "not loaded")
            case .missing: return Item(name: name, verdict: probe == true ? .enabled : .missing, required: required, detail: nil)
            }
        }
        func namespace(_ title: String, _ file: String, _ option: String, required: Bool) -> Item {
            kernelOption(title, option, required: required, probe: FileSystem.exists("/proc/self/ns/\(file)"))
        }
        let maxUserNS = (try? FileSystem.readText("/proc/sys/user/max_user_namespaces")).flatMap { Int($0.split(separator: "\n").first ?? "") }

        let namespaces = Section(title: "Namespaces", items: [
            namespace("Mount namespace", "mnt", "CONFIG_NAMESPACES", required: true),
            namespace("Utsname namespace", "uts", "CONFIG_UTS_NS", required: true),
            namespace("Ipc namespace", "ipc", "CONFIG_IPC_NS", required: true),
            namespace("Pid namespace", "pid", "CONFIG_PID_NS", required: true),
            namespace("Network namespace", "net", "CONFIG_NET_NS", required: true),
            namespace("Cgroup namespace", "cgroup", "CONFIG_CGROUPS", required: false),
            namespace("Time namespace", "time", "CONFIG_TIME_NS", required: false),
            Item(name: "User namespace", verdict: FileSystem.exists("/proc/self/ns/user") && (maxUserNS ?? 1) > 0 ? .enabled : .missing,
                 required: false, detail: maxUserNS.map { "max_user_namespaces=\($0)" }),
            Item(name: "Idmapped mounts", verdict: kernelAtLeast(release, 5, 12) ? .enabled : .missing, required: false,
                 detail: "unprivileged containers see a root-owned rootfs as their own where its filesystem supports them (ext4, btrfs, xfs, tmpfs...); else berth-create --shift-ids"),
            Item(name: "Subordinate ids for root", verdict: .enabled, required: false,
                 detail: { let r = SubordinateIDs.rootRange(file: "/etc/subuid", avoiding: ["/etc/subgid"]); return "new containers map 0-65535 to \(r.start)-\(r.start + r.count - 1)" }()),
        ], notes: [])

        var cgroupNotes = ["Cgroup layout: \(layout.kind.rawValue)"]
        for h in layout.v1 { cgroupNotes.append("Cgroup v1 mount point: \(h.mountPoint) (\(h.controllers.joined(separator: ",")))") }
        if let v2 = layout.v2MountPoint {
            cgroupNotes.append("Cgroup v2 mount point: \(v2) (controllers: \(layout.v2Controllers.isEmpty ? "none" : layout.v2Controllers.joined(separator: " ")))")
        }
        let controllers = Set(layout.v1.flatMap(\.controllers) + layout.v2Controllers)
        func controller(_ title: String, _ names: [String], _ option: String) -> Item {
            let present = names.contains { controllers.contains($0) }
            let place = layout.v1.contains { h in names.contains { h.controllers.contains($0) } } ? "v1" : (present ? "v2" : nil)
            return Item(name: title, verdict: present ? .enabled : (kconfig?.setting(option) == .builtIn ? .notEnabled : .missing), required: false, detail: place.map { "on \($0)" })
        }
        let cgroups = Section(title: "Control groups", items: [
            Item(name: "Cgroups", verdict: layout.kind == .none ? .missing : .enabled, required: true, detail: layout.kind.rawValue),
            controller("Cgroup memory controller", ["memory"], "CONFIG_MEMCG"),
            controller("Cgroup cpu controller", ["cpu"], "CONFIG_CGROUP_SCHED"),
            controller("Cgroup cpuset", ["cpuset"], "CONFIG_CPUSETS"),
            controller("Cgroup pids controller", ["pids"], "CONFIG_CGROUP_PIDS"),
            controller("Cgroup io/blkio controller", ["io", "blkio"], "CONFIG_BLK_CGROUP"),
            layout.kind == .v2 ? kernelOption("Cgroup device (eBPF)", "CONFIG_CGROUP_BPF", required: false)
                               : controller("Cgroup device", ["devices"], "CONFIG_CGROUP_DEVICE"),
            layout.kind == .v2 ? Item(name: "Cgroup freezer", verdict: .enabled, required: false, detail: "cgroup.freeze")
                               : controller("Cgroup freezer", ["freezer"], "CONFIG_CGROUP_FREEZER"),
        ], notes: cgroupNotes)

        let filesystems = (try? FileSystem.readText("/proc/filesystems")) ?? ""
        func filesystem(_ title: String, _ fs: String, _ option: String, required: Bool) -> Item {
            let live = filesystems.split(separator: "\n").contains { $0.split(separator: "\t").last.map(String.init) == fs }
            return kernelOption(title, option, required: required, probe: live ? true : nil)
        }
        let seccompAPI = seccomp_api_get()
        let apparmor = LSMSupport.apparmorEnabled
        let selinux = LSMSupport.selinuxEnabled
        let misc = Section(title: "Misc", items: [
            kernelOption("Veth pair device", "CONFIG_VETH", required: false),
            kernelOption("Bridge", "CONFIG_BRIDGE", required: false),
            kernelOption("Macvlan", "CONFIG_MACVLAN", required: false),
            kernelOption("Vlan", "CONFIG_VLAN_8021Q", required: false),
            filesystem("Overlay filesystem", "overlay", "CONFIG_OVERLAY_FS", required: false),
            filesystem("Btrfs filesystem", "btrfs", "CONFIG_BTRFS_FS", required: false),
            kernelOption("POSIX message queues", "CONFIG_POSIX_MQUEUE", required: false),
            kernelOption("Multiple /dev/pts instances", "CONFIG_UNIX98_PTYS", required: true, probe: FileSystem.exists("/dev/pts/ptmx")),
            kernelOption("Seccomp filter", "CONFIG_SECCOMP_FILTER", required: false, probe: seccompAPI > 0 ? true : nil),
            Item(name: "libseccomp API level", verdict: seccompAPI > 0 ? .enabled : .missing, required: false, detail: "\(seccompAPI)"),
            HostCheck.defaultSeccompItem(),
            Item(name: "Default capability drops", verdict: .enabled, required: false,
                 detail: StartPlan.defaultCapabilityDrops + "; a config with lxc.cap.drop or lxc.cap.keep decides itself"),
            Item(name: "AppArmor", verdict: apparmor ? .enabled : .notEnabled, required: false,
                 detail: apparmor ? "Berth does not apply AppArmor profiles yet" : "the kernel has no AppArmor; containers start unconfined, a demanded profile fails the start"),
            Item(name: "SELinux", verdict: selinux ? .enabled : .notEnabled, required: false,
                 detail: selinux ? "Berth does not apply SELinux contexts yet" : "the kernel has no SELinux; a demanded lxc.selinux.context fails the start"),
        ], notes: [])

        let tools = Section(title: "Host tools", items: [
            tool("busybox (busybox template)", ["/usr/local/bin/busybox", "/usr/bin/busybox", "/bin/busybox", "/usr/sbin/busybox"]),
            tool("debootstrap (debian template)", ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"]),
            tool("tar (local template)", ["/usr/bin/tar", "/bin/tar"]),
            tool("newuidmap (containers of users other than root)", ["/usr/bin/newuidmap", "/bin/newuidmap"]),
            tool("newgidmap (containers of users other than root)", ["/usr/bin/newgidmap", "/bin/newgidmap"]),
        ], notes: [])

        return HostCheck(kernelRelease: release, kernelConfigSource: kconfig?.source, cgroupLayout: layout,
                         sections: [namespaces, cgroups, misc, tools])
    }

    /// True when the release `6.18.0-x` is at least `major.minor`.
    static func kernelAtLeast(_ release: String, _ major: Int, _ minor: Int) -> Bool {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return false }
        return parts[0] > major || (parts[0] == major && parts[1] >= minor)
    }

    static func tool(_ title: String, _ candidates: [String]) -> Item {
        let found = candidates.first(where: FileSystem.isExecutable)
        return Item(name: title, verdict: found == nil ? .missing : .enabled, required: false, detail: found)
    }

    static func moduleName(_ option: String) -> String {
        let map = ["CONFIG_VETH": "veth", "CONFIG_BRIDGE": "bridge", "CONFIG_MACVLAN": "macvlan", "CONFIG_VLAN_8021Q": "8021q",
                   "CONFIG_OVERLAY_FS": "overlay", "CONFIG_BTRFS_FS": "btrfs"]
        return map[option] ?? option.dropFirst("CONFIG_".count).lowercased()
    }

    /// Whether Berth's default seccomp policy compiles here, and how big it is.
    static func defaultSeccompItem() -> Item {
        do throws(BerthError) {
            let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default policy")
            _ = try SeccompFilter(policy: policy, origin: "default policy")
            return Item(name: "Default seccomp policy", verdict: .enabled, required: false,
                        detail: "\(policy.rules.count) rules, applied unless lxc.seccomp.profile names another; none turns it off")
        } catch {
            return Item(name: "Default seccomp policy", verdict: .missing, required: false, detail: error.message)
        }
    }
}
