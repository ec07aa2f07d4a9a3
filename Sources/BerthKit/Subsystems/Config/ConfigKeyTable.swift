/// Every `lxc.*` key Berth knows. Keys for features that later parts of Berth implement are
/// accepted and validated now, so that an LXC config loads unchanged.
public enum ConfigKeyTable {
    /// Appended group by group into one array: `+` between them made an intermediate array at
    /// each step, copying and then releasing every key before it (most of the cost of the first
    /// lookup in every process that reads a config).
    public static let all: [ConfigKey] = {
        let groups = [identity, rootfs, initKeys, mounts, devices, console, security, cgroups, namespaces, kernel, hooks, autostart, logging, network]
        var keys: [ConfigKey] = []
        keys.reserveCapacity(groups.reduce(0) { $0 + $1.count })
        for group in groups { keys.append(contentsOf: group) }
        return keys
    }()

    static let identity: [ConfigKey] = [
        ConfigKey("lxc.include", .path, "Includes", "Reads another config file here; a directory includes every *.conf file in it, in name order. Relative paths are relative to the including file.", list: true),
        ConfigKey("lxc.uts.name", .hostname, "Identity", "The container's hostname. Defaults to the container name."),
        ConfigKey("lxc.arch", .architecture, "Identity", "The architecture the container sees (personality), e.g. x86 for a 32-bit guest on a 64-bit host."),
        ConfigKey("lxc.ephemeral", .boolean, "Identity", "1 destroys the container when it stops.", default: "0"),
    ]

    static let rootfs: [ConfigKey] = [
        ConfigKey("lxc.rootfs.path", .path, "Root filesystem", "The root filesystem: a directory (dir:PATH or PATH), overlay:LOWER:UPPER, or btrfs:PATH."),
        ConfigKey("lxc.rootfs.mount", .path, "Root filesystem", "A host directory (absolute, existing) the rootfs is mounted on in the container's mount namespace before pivot_root, as LXC's staging mount point; the mount hooks see it as LXC_ROOTFS_MOUNT. Unset: the rootfs is mounted on its own directory. The host's directory itself stays untouched."),
        ConfigKey("lxc.rootfs.options", .text, "Root filesystem", "Mount options for the root filesystem, e.g. ro."),
        ConfigKey("lxc.rootfs.managed", .boolean, "Root filesystem", "0 when the root filesystem is not Berth's to destroy.", default: "1"),
    ]

    static let initKeys: [ConfigKey] = [
        ConfigKey("lxc.init.cmd", .command, "Init", "The program run as PID 1, with its arguments (split at spaces; quotes group a word, as in LXC).", default: "/sbin/init"),
        ConfigKey("lxc.init.uid", .unsigned, "Init", "User id init runs as.", default: "0"),
        ConfigKey("lxc.init.gid", .unsigned, "Init", "Group id init runs as.", default: "0"),
        ConfigKey("lxc.init.groups", .text, "Init", "Supplementary group ids of init, comma-separated.", list: true),
        ConfigKey("lxc.init.cwd", .path, "Init", "Working directory of init.", default: "/"),
        ConfigKey("lxc.execute.cmd", .command, "Init", "The command berth-execute runs when none is given (split as lxc.init.cmd)."),
        ConfigKey("lxc.environment", .text, "Init", "VAR=value set in init's environment, or VAR to pass the caller's value. Berth adds container=lxc, container_ttys (the ttys) and container_ipv4_configured (the interfaces it gives an IPv4 address).", list: true),
        ConfigKey("lxc.environment.runtime", .text, "Init", "Like lxc.environment, for init only (not hooks).", list: true),
        ConfigKey("lxc.environment.hooks", .text, "Init", "Like lxc.environment, for hooks only.", list: true),
        ConfigKey("lxc.signal.halt", .signal, "Init", "Signal that asks init to halt (berth-stop). Unset: SIGRTMIN+3 for an init that blocks it (systemd), else SIGPWR."),
        ConfigKey("lxc.signal.reboot", .signal, "Init", "Signal that asks init to reboot (berth-stop -r).", default: "SIGINT"),
        ConfigKey("lxc.signal.stop", .signal, "Init", "Signal that kills init (berth-stop -k).", default: "SIGKILL"),
        ConfigKey("lxc.monitor.unshare", .boolean, "Init", "1 gives the monitor a mount namespace of its own before the pre-start hooks, so what they mount stays off the host.", default: "0"),
        ConfigKey("lxc.monitor.signal.pdeath", .signal, "Init", "Signal init receives when its monitor dies.", default: "SIGKILL"),
        ConfigKey("lxc.sched.core", .boolean, "Init", "1 puts the container in a core-scheduling domain of its own (its tasks never share a core with others'); refused where the kernel has no core scheduling.", default: "0"),
        ConfigKey("lxc.keyring.session", .boolean, "Init", "1 gives init a new session keyring.", default: "1"),
    ]

    static let mounts: [ConfigKey] = [
        ConfigKey("lxc.mount.auto", .mountAuto, "Mounts", "Standard filesystems: proc[:mixed|:rw], sys[:ro|:mixed|:rw], cgroup[:mixed|:ro|:rw][:force], cgroup-full[…] (the same as cgroup: under the container's cgroup namespace the full tree is its own subtree, as with LXC), cgroup2[:ro][:force]. shmounts:HOST[:CONTAINER] (LXD's): a shared tmpfs at HOST on the host (made unless something is mounted there; left after the stop, as LXC leaves it), bound into the container at CONTAINER (default /dev/.lxc-mounts) as a slave: what the host mounts below HOST later appears inside, nothing mounted inside comes out.", list: true),
        ConfigKey("lxc.mount.entry", .mountEntry, "Mounts", "An fstab line; the target is relative to the root filesystem. Options create=dir, create=file and optional are understood.", list: true),
        ConfigKey("lxc.mount.fstab", .path, "Mounts", "An fstab file of such lines."),
    ]

    static let devices: [ConfigKey] = [
        ConfigKey("lxc.autodev", .boolean, "Devices", "1 mounts a tmpfs on /dev with the minimal device nodes.", default: "1"),
        ConfigKey("lxc.autodev.tmpfs.size", .size, "Devices", "Size of that tmpfs in bytes.", default: "500000"),
        ConfigKey("lxc.pty.max", .unsigned, "Devices", "Size of the container's devpts instance.", default: "1024"),
        ConfigKey("lxc.tty.max", .unsigned, "Devices", "Number of /dev/ttyN consoles.", default: "0"),
        ConfigKey("lxc.tty.dir", .text, "Devices", "Directory under /dev for the console and the ttys (/dev/DIR/ttyN, /dev/DIR/console), with /dev/ttyN symlinks to them and the console also on /dev/console, as LXC lays them out."),
    ]

    static let console: [ConfigKey] = [
        ConfigKey("lxc.console.path", .path, "Console", "Host device the console is connected to, or none."),
        ConfigKey("lxc.console.logfile", .path, "Console", "File the console output is written to."),
        ConfigKey("lxc.console.size", .size, "Console", "Maximum size of the console log; when the next output would pass it the log starts over. 1 MiB unless set (auto: the same), so a container cannot fill the host's disk through its console; 0: no limit.", default: "1M"),
        ConfigKey("lxc.console.rotate", .boolean, "Console", "1 keeps the full console log as FILE.1 when it starts over.", default: "0"),
        ConfigKey("lxc.console.buffer.size", .size, "Console", "Size of the in-memory console ring buffer berth-console replays first; 0 turns it off.", default: "128K"),
    ]

    static let security: [ConfigKey] = [
        ConfigKey("lxc.cap.drop", .capabilities, "Security", "Capabilities removed from the bounding set (space-separated names). When neither this nor lxc.cap.keep appears, sys_module sys_time sys_rawio mac_admin mac_override are dropped; an empty lxc.cap.drop = keeps everything.", list: true),
        ConfigKey("lxc.cap.keep", .capabilities, "Security", "Capabilities kept; every other one is dropped. none keeps none.", list: true),
        ConfigKey("lxc.no_new_privs", .boolean, "Security", "1 sets no_new_privs on init: setuid programs cannot gain privileges.", default: "0"),
        ConfigKey("lxc.seccomp.profile", .path, "Security", "Seccomp policy file in LXC's format (version 1 or 2); none turns filtering off; unset gives Berth's default policy (LXC's common.seccomp plus keyrings, bpf, userfaultfd, perf and other escapes). Root's starts keep the generated program in /run/berth/seccomp and read it back on later starts."),
        ConfigKey("lxc.seccomp.allow_nesting", .boolean, "Security", "When the start already runs under a seccomp filter (Berth inside a container): 1 stacks the container's policy on it, 0 (LXC's default) loads none and says so (the inherited filter still binds the container).", default: "0"),
        ConfigKey("lxc.seccomp.notify.proxy", .text, "Security", "Seccomp notification proxy address.", refused: "seccomp notification needs a notify proxy, which Berth does not have yet"),
        ConfigKey("lxc.seccomp.notify.cookie", .text, "Security", "Cookie sent to the notification proxy.", refused: "seccomp notification needs a notify proxy, which Berth does not have yet"),
        ConfigKey("lxc.apparmor.profile", .text, "Security", "AppArmor profile of init (generated, unconfined or a name)."),
        ConfigKey("lxc.apparmor.allow_incomplete", .boolean, "Security", "1 starts even when the kernel's AppArmor lacks mount mediation.", default: "0", refused: "Berth does not apply AppArmor profiles (and this kind of host has no AppArmor)"),
        ConfigKey("lxc.apparmor.allow_nesting", .boolean, "Security", "1 allows nested containers under the generated profile.", default: "0", refused: "Berth does not apply AppArmor profiles (and this kind of host has no AppArmor)"),
        ConfigKey("lxc.apparmor.raw", .text, "Security", "Lines appended to the generated AppArmor profile.", list: true, refused: "Berth does not apply AppArmor profiles (and this kind of host has no AppArmor)"),
        ConfigKey("lxc.selinux.context", .text, "Security", "SELinux context of init."),
        ConfigKey("lxc.selinux.context.keyring", .text, "Security", "SELinux context of the session keyring.", refused: "Berth does not apply SELinux contexts"),
        ConfigKey("lxc.idmap", .idmap, "Security", "A user namespace mapping: u|g|b NSID HOSTID RANGE. Any idmap makes the container unprivileged.", list: true),
    ]

    static let cgroups: [ConfigKey] = [
        ConfigKey("lxc.cgroup.dir", .path, "Cgroups", "A cgroup path, relative to where Berth places containers (the host init's cgroup, or the caller's with lxc.cgroup.relative): the container's cgroup becomes DIR/berth.payload.NAME and its monitor's DIR/berth.monitor.NAME in every hierarchy. Cgroups above them that Berth made are removed at stop when empty. Not with lxc.cgroup.dir.container/monitor. A path is refused when absolute or with '..', a space or ':'."),
        ConfigKey("lxc.cgroup.dir.container", .path, "Cgroups", "The container's cgroup path exactly (relative, as lxc.cgroup.dir); needs lxc.cgroup.dir.monitor, apart from it."),
        ConfigKey("lxc.cgroup.dir.container.inner", .path, "Cgroups", "A child of the container's cgroup that holds its processes and is the root of its cgroup namespace: the limits stay on the cgroup above, out of the container's reach (for an unprivileged container only the inner cgroup is delegated). LXC honours it only with lxc.cgroup.dir.container; Berth with any placement."),
        ConfigKey("lxc.cgroup.dir.monitor", .path, "Cgroups", "The monitor's own cgroup path exactly (relative), made at start and removed at stop, as LXC's; needs lxc.cgroup.dir.container. Without any placement key the monitor joins berth.monitors, one cgroup all monitors share, made when missing and left in place."),
        ConfigKey("lxc.cgroup.dir.monitor.pivot", .path, "Cgroups", "A cgroup (relative) the monitor moves to as it ends (before it removes its own cgroup, when it has one), made when missing and left in place, as LXC's lxc.pivot. Unset: a monitor with a cgroup of its own goes back to the cgroups it was started in; one in berth.monitors stays there."),
        ConfigKey("lxc.cgroup.relative", .boolean, "Cgroups", "1 places the cgroups below the cgroups of the process that starts the container (berth-start run in a systemd unit: below the unit) instead of below the host init's.", default: "0"),
        ConfigKey("lxc.cgroup.CONTROLLER.FILE", .text, "Cgroups", "A cgroup v1 controller file written before init runs, e.g. lxc.cgroup.memory.limit_in_bytes = 256M (a privileged container without any devices.allow/deny line gets LXC's device list: all denied but making nodes, null, zero, full, random, urandom, tty, console, ptmx, pts, fuse, net/tun); on a host where the controller runs on v2 it is translated when the meaning is the same (memory limit, cpu shares and quota, cpuset, pids, blkio weight and throttles), else the start fails naming the key.", list: true, prefix: "lxc.cgroup."),
        ConfigKey("lxc.cgroup2.CONTROLLER.FILE", .text, "Cgroups", "A cgroup v2 file written before init runs, e.g. lxc.cgroup2.memory.max = 256M; on a host where the controller runs on v1 it is translated when the meaning is the same, else the start fails naming the key.", list: true, prefix: "lxc.cgroup2."),
    ]

    static let namespaces: [ConfigKey] = [
        ConfigKey("lxc.namespace.clone", .namespaces, "Namespaces", "Namespaces to create (the default is every one the kernel has)."),
        ConfigKey("lxc.namespace.keep", .namespaces, "Namespaces", "Namespaces to keep from the host."),
        ConfigKey("lxc.namespace.share.NAMESPACE", .text, "Namespaces", "Join the NAMESPACE (net, ipc, uts, pid, user, mnt, cgroup, time) of another container (name) or process (pid).", prefix: "lxc.namespace.share."),
        ConfigKey("lxc.time.offset.boot", .text, "Namespaces", "CLOCK_BOOTTIME offset in a time namespace of the container's own: an integer with h, m, s, ms, us or ns (10s, -5m); /proc/uptime shows it."),
        ConfigKey("lxc.time.offset.monotonic", .text, "Namespaces", "CLOCK_MONOTONIC offset in the container's time namespace (units as lxc.time.offset.boot)."),
    ]

    static let kernel: [ConfigKey] = [
        ConfigKey("lxc.prlimit.RESOURCE", .prlimit, "Kernel", "Resource limit of init, e.g. lxc.prlimit.nofile = 1024:4096.", prefix: "lxc.prlimit."),
        ConfigKey("lxc.sysctl.KEY", .text, "Kernel", "Written to /proc/sys in the container, e.g. lxc.sysctl.net.ipv4.ip_forward = 1.", prefix: "lxc.sysctl."),
        ConfigKey("lxc.proc.FILE", .text, "Kernel", "Written to /proc/PID/FILE of init, e.g. lxc.proc.oom_score_adj = 10.", prefix: "lxc.proc."),
    ]

    static let hooks: [ConfigKey] = ["pre-start", "pre-mount", "mount", "autodev", "start", "stop", "post-stop", "start-host"].map { hook in
        ConfigKey("lxc.hook.\(hook)", .command, "Hooks", "Program run at the \(hook) stage, with LXC's hook arguments and environment.", list: true)
    } + [
        ConfigKey("lxc.hook.destroy", .command, "Hooks", "Program run by berth-destroy (and an ephemeral container's end) before anything is removed; its failure keeps the container.", list: true),
        ConfigKey("lxc.hook.clone", .command, "Hooks", "Program run on a new copy of the container (berth-copy, berth-clone) before it appears, as NAME lxc clone with LXC_SRC_NAME the original; a failing one leaves no copy.", list: true),
    ] + [
        ConfigKey("lxc.hook.version", .choice(["0", "1"]), "Hooks", "0 passes hook information as arguments, 1 as environment variables.", default: "0"),
    ]

    static let autostart: [ConfigKey] = [
        ConfigKey("lxc.start.auto", .boolean, "Autostart", "1 starts the container with berth-autostart.", default: "0"),
        ConfigKey("lxc.start.delay", .unsigned, "Autostart", "Seconds berth-autostart waits after starting it.", default: "0"),
        ConfigKey("lxc.start.order", .integer, "Autostart", "Autostart order: higher starts first, and stops last.", default: "0"),
        ConfigKey("lxc.group", .text, "Autostart", "Groups the container belongs to (berth-ls -g, berth-autostart -g).", list: true),
    ]

    static let logging: [ConfigKey] = [
        ConfigKey("lxc.log.file", .path, "Logging", "The container's log: its monitor's lines (the start, init's pid, state changes, how init ended, every later problem), appended; berth-start -o overrides it."),
        ConfigKey("lxc.log.level", .logLevel, "Logging", "The least level lxc.log.file records (trace ... fatal, or 0-8); berth-start -l overrides it.", default: "error"),
        ConfigKey("lxc.log.syslog", .text, "Logging", "Also send the container's log (the lines of lxc.log.file, at lxc.log.level) to syslog (/dev/log) with this facility: daemon or local0 ... local7, as LXC. Each line is 'berth[MONITOR PID]: NAME LEVEL message' at the matching severity. A start warns when nothing listens on /dev/log; a line the daemon cannot take is dropped, never waited for."),
    ]

    static let network: [ConfigKey] = [
        ConfigKey("lxc.net", .text, "Network", "An empty value removes every network defined so far."),
        ConfigKey("lxc.net.N.type", .choice(["veth", "macvlan", "ipvlan", "vlan", "phys", "empty", "none"]), "Network", "Kind of interface N: veth, macvlan, ipvlan, vlan, phys, empty (loopback only) or none (the host's network)."),
        ConfigKey("lxc.net.N.link", .interfaceName, "Network", "Host interface: the bridge of a veth, the parent of a macvlan/vlan, the device of phys."),
        ConfigKey("lxc.net.N.name", .interfaceName, "Network", "Interface name inside the container.", default: "eth0, eth1, …"),
        ConfigKey("lxc.net.N.flags", .choice(["up", ""]), "Network", "up brings the interface up."),
        ConfigKey("lxc.net.N.hwaddr", .hwaddr, "Network", "MAC address; x digits are filled in randomly when the container is created. A start refuses an address that another running container has (of any lxcpath of the same user: a running container holds each of its fixed addresses in /run/berth/macs), or that is already on the segment the interface joins: the bridge's own, one of its ports' or one its forwarding database holds as static for a veth on a Linux bridge (not one it has only learned from traffic, which may be the container's own from its last boot), any host interface's for the other types."),
        ConfigKey("lxc.net.N.mtu", .unsigned, "Network", "MTU."),
        ConfigKey("lxc.net.N.ipv4.address", .ipv4Address, "Network", "IPv4 address with prefix (and optional broadcast).", list: true),
        ConfigKey("lxc.net.N.ipv4.gateway", .ipv4Gateway, "Network", "IPv4 default gateway, auto (the bridge's address) or dev."),
        ConfigKey("lxc.net.N.ipv6.address", .ipv6Address, "Network", "IPv6 address with prefix.", list: true),
        ConfigKey("lxc.net.N.ipv6.gateway", .ipv6Gateway, "Network", "IPv6 default gateway, auto or dev."),
        ConfigKey("lxc.net.N.veth.pair", .interfaceName, "Network", "Name of the host end of a veth."),
        ConfigKey("lxc.net.N.veth.mode", .choice(["bridge", "router"]), "Network", "bridge attaches the host end to link (as a bridge port it makes no IPv6 address of its own, addrgenmode none: the bridge holds the host's addresses); router leaves it on no bridge, keeping its IPv6 link-local address, routes each of the container's addresses to it (/32, /128) and answers ARP/NDP there for its gateways.", default: "bridge"),
        ConfigKey("lxc.net.N.veth.ipv4.route", .text, "Network", "Route to the container added on the host end.", list: true),
        ConfigKey("lxc.net.N.veth.ipv6.route", .text, "Network", "IPv6 route to the container added on the host end.", list: true),
        ConfigKey("lxc.net.N.veth.vlan.id", .text, "Network", "The host end's untagged VLAN (PVID, 1-4094) on its bridge, replacing the default VLAN 1; none removes VLAN 1 only. As LXC: the link must be a Linux bridge with vlan_filtering on (the start fails naming the bridge otherwise, and on a kernel without bridge VLAN filtering)."),
        ConfigKey("lxc.net.N.veth.vlan.tagged.id", .unsigned, "Network", "A VLAN (1-4094) the host end carries tagged on its VLAN-filtering bridge; one per line, several allowed.", list: true),
        ConfigKey("lxc.net.N.veth.n_rxqueues", .unsigned, "Network", "Receive queues of both ends of the veth (1-4096), fixed when it is made; one when unset (the kernel's own default, one per possible CPU with one in use, costs the start two RCU grace periods)."),
        ConfigKey("lxc.net.N.veth.n_txqueues", .unsigned, "Network", "Transmit queues of both ends of the veth (1-4096), fixed when it is made; one when unset (the kernel's own default, one per possible CPU with one in use, costs the start two RCU grace periods)."),
        ConfigKey("lxc.net.N.macvlan.mode", .choice(["private", "vepa", "bridge", "passthru"]), "Network", "macvlan mode.", default: "private"),
        ConfigKey("lxc.net.N.ipvlan.mode", .choice(["l2", "l3", "l3s"]), "Network", "ipvlan mode: l2, l3 or l3s.", default: "l3"),
        ConfigKey("lxc.net.N.ipvlan.isolation", .choice(["bridge", "private", "vepa"]), "Network", "ipvlan isolation: bridge, private or vepa.", default: "bridge"),
        ConfigKey("lxc.net.N.vlan.id", .unsigned, "Network", "VLAN id (0-4094) of a vlan interface, made on link with this id; required for type vlan."),
        ConfigKey("lxc.net.N.l2proxy", .boolean, "Network", "1 adds proxy ARP/NDP entries for the container's addresses on link (removed at stop); forwarding (and proxy_ndp for IPv6) on link are the admin's, as in LXC.", default: "0"),
        ConfigKey("lxc.net.N.script.up", .command, "Network", "Program run on the host when the interface is set up.", list: true),
        ConfigKey("lxc.net.N.script.down", .command, "Network", "Program run on the host when the interface is torn down.", list: true),
    ]

    /// The description of `key`, or nil when Berth does not know it. `lxc.net.3.link` is
    /// described by `lxc.net.N.link`; `lxc.cgroup2.memory.max` by the `lxc.cgroup2.` family.
    public static func lookup(_ key: String) -> ConfigKey? {
        if let found = exactPlace(key) { return all[found] }
        if let (_, suffix) = networkIndex(key) { return exactPlace("lxc.net.N.\(suffix)").map { all[$0] } }
        // Longest prefix first: lxc.cgroup2. must win over lxc.cgroup.
        var best: ConfigKey?
        for candidate in all {
            guard let prefix = candidate.prefix, key.hasPrefix(prefix), key.count > prefix.count else { continue }
            if (best?.prefix?.count ?? 0) < prefix.count { best = candidate }
        }
        return best
    }

    /// For `lxc.net.<N>.<suffix>`: the index and the suffix. Read on the key's UTF-8 view
    /// (a config load asks this of every key twice, and walking Characters cost it about
    /// 2,600 instructions a key); the number is read by `Int` as before.
    public static func networkIndex(_ key: String) -> (Int, String)? {
        guard key.startsWithBytes("lxc.net.") else { return nil }
        let utf8 = key.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: 8)
        guard let dot = utf8[start...].firstIndex(of: UInt8(ascii: ".")),
              let index = Int(Substring(utf8[start..<dot])), index >= 0, index < 10_000 else { return nil }
        let suffix = utf8[utf8.index(after: dot)...]
        return suffix.isEmpty ? nil : (index, String(Substring(suffix)))
    }
}
