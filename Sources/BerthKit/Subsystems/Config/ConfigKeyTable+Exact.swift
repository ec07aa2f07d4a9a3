import Glibc

/// The place in `ConfigKeyTable.all` of every key matched exactly, by name, written out rather
/// than built: a dictionary of them, made in every process that reads a config, cost about as
/// much as reading the config itself (its hashing, and the first use of its generic type).
/// `exactNames` is in byte order (binary search); `exactPlaces[i]` is where `exactNames[i]` is in
/// `all`. KeyTableCoverageTests keeps both equal to `all` and prints them anew when a key is
/// added.
extension ConfigKeyTable {
    static let exactNames: [String] = [
        "lxc.apparmor.allow_incomplete",
        "lxc.apparmor.allow_nesting",
        "lxc.apparmor.profile",
        "lxc.apparmor.raw",
        "lxc.arch",
        "lxc.autodev",
        "lxc.autodev.tmpfs.size",
        "lxc.cap.drop",
        "lxc.cap.keep",
        "lxc.cgroup.dir",
        "lxc.cgroup.dir.container",
        "lxc.cgroup.dir.container.inner",
        "lxc.cgroup.dir.monitor",
        "lxc.cgroup.dir.monitor.pivot",
        "lxc.cgroup.relative",
        "lxc.console.buffer.size",
        "lxc.console.logfile",
        "lxc.console.path",
        "lxc.console.rotate",
        "lxc.console.size",
        "lxc.environment",
        "lxc.environment.hooks",
        "lxc.environment.runtime",
        "lxc.ephemeral",
        "lxc.execute.cmd",
        "lxc.group",
        "lxc.hook.autodev",
        "lxc.hook.clone",
        "lxc.hook.destroy",
        "lxc.hook.mount",
        "lxc.hook.post-stop",
        "lxc.hook.pre-mount",
        "lxc.hook.pre-start",
        "lxc.hook.start",
        "lxc.hook.start-host",
        "lxc.hook.stop",
        "lxc.hook.version",
        "lxc.idmap",
        "lxc.include",
        "lxc.init.cmd",
        "lxc.init.cwd",
        "lxc.init.gid",
        "lxc.init.groups",
        "lxc.init.uid",
        "lxc.keyring.session",
        "lxc.log.file",
        "lxc.log.level",
        "lxc.log.syslog",
        "lxc.monitor.signal.pdeath",
        "lxc.monitor.unshare",
        "lxc.mount.auto",
        "lxc.mount.entry",
        "lxc.mount.fstab",
        "lxc.namespace.clone",
        "lxc.namespace.keep",
        "lxc.net",
        "lxc.net.N.flags",
        "lxc.net.N.hwaddr",
        "lxc.net.N.ipv4.address",
        "lxc.net.N.ipv4.gateway",
        "lxc.net.N.ipv6.address",
        "lxc.net.N.ipv6.gateway",
        "lxc.net.N.ipvlan.isolation",
        "lxc.net.N.ipvlan.mode",
        "lxc.net.N.l2proxy",
        "lxc.net.N.link",
        "lxc.net.N.macvlan.mode",
        "lxc.net.N.mtu",
        "lxc.net.N.name",
        "lxc.net.N.script.down",
        "lxc.net.N.script.up",
        "lxc.net.N.type",
        "lxc.net.N.veth.ipv4.route",
        "lxc.net.N.veth.ipv6.route",
        "lxc.net.N.veth.mode",
        "lxc.net.N.veth.n_rxqueues",
        "lxc.net.N.veth.n_txqueues",
        "lxc.net.N.veth.pair",
        "lxc.net.N.veth.vlan.id",
        "lxc.net.N.veth.vlan.tagged.id",
        "lxc.net.N.vlan.id",
        "lxc.no_new_privs",
        "lxc.pty.max",
        "lxc.rootfs.managed",
        "lxc.rootfs.mount",
        "lxc.rootfs.options",
        "lxc.rootfs.path",
        "lxc.sched.core",
        "lxc.seccomp.allow_nesting",
        "lxc.seccomp.notify.cookie",
        "lxc.seccomp.notify.proxy",
        "lxc.seccomp.profile",
        "lxc.selinux.context",
        "lxc.selinux.context.keyring",
        "lxc.signal.halt",
        "lxc.signal.reboot",
        "lxc.signal.stop",
        "lxc.start.auto",
        "lxc.start.delay",
        "lxc.start.order",
        "lxc.time.offset.boot",
        "lxc.time.offset.monotonic",
        "lxc.tty.dir",
        "lxc.tty.max",
        "lxc.uts.name",
    ]

    static let exactPlaces: [Int] = [
        45, 46, 44, 47, 2, 27, 28, 37, 38, 51, 52, 53,
        54, 55, 56, 36, 33, 32, 35, 34, 14, 16, 15, 3,
        13, 81, 70, 76, 75, 69, 73, 68, 67, 71, 74, 72,
        77, 50, 0, 8, 12, 10, 11, 9, 23, 82, 83, 84,
        21, 20, 24, 25, 26, 59, 60, 85, 89, 90, 92, 93,
        94, 95, 106, 105, 108, 87, 104, 91, 88, 110, 109, 86,
        98, 99, 97, 102, 103, 96, 100, 101, 107, 39, 29, 7,
        5, 6, 4, 22, 41, 43, 42, 40, 48, 49, 17, 18,
        19, 78, 79, 80, 62, 63, 31, 30, 1,
    ]

    /// The place in `all` of the key named exactly `name`, by binary search over `exactNames`.
    static func exactPlace(_ name: String) -> Int? {
        var low = 0
        var high = exactNames.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = exactNames[middle]
            let order = byteOrder(candidate, name)
            if order == 0 { return exactPlaces[middle] }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`, byte for byte: one
    /// memcmp over both strings' storage where they have it (the generic comparison of two UTF-8
    /// views costs about twenty instructions a byte, and a config looks up every key it has).
    static func byteOrder(_ a: String, _ b: String) -> Int {
        let order = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Int in
                let common = min(x.count, y.count)
                if common > 0, let left = x.baseAddress, let right = y.baseAddress {
                    let compared = memcmp(left, right, common)
                    if compared != 0 { return Int(compared) }
                }
                return x.count - y.count
            }
        }
        if let order = order ?? nil { return order }
        if a == b { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}
