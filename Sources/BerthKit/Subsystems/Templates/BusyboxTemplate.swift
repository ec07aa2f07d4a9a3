import SystemPackage

/// Builds a bootable busybox system in-process: a copy of the host's busybox, one hard link per
/// applet at the path busybox itself reports (`--list-full`), an inittab and rcS, and the
/// config lines such a guest needs.
///
/// LXC's shell template forks `ln` once per applet (about 270 forks, 85% of its create time);
/// here the whole tree is a few hundred system calls and one fork to ask busybox for its list.
public struct BusyboxTemplate {
    /// Template arguments (after `--`): `--busybox-path PATH`.
    public struct Options: Equatable {
        public var busyboxPath: String?

        public init(arguments: [String]) throws(BerthError) {
            var iterator = arguments.makeIterator()
            while let argument = iterator.next() {
                if argument == "--busybox-path" {
                    guard let value = iterator.next() else { throw BerthError(.invalidArgument, "busybox template: --busybox-path needs a value") }
                    busyboxPath = value
                } else if argument.hasPrefix("--busybox-path=") {
                    busyboxPath = String(argument.dropFirst("--busybox-path=".count))
                } else {
                    throw BerthError(.invalidArgument, "busybox template: unknown argument '\(argument)' (it takes --busybox-path PATH)")
                }
            }
        }
    }

    public let options: Options

    public init(arguments: [String]) throws(BerthError) {
        options = try Options(arguments: arguments)
    }

    /// The busybox binary to copy: `--busybox-path`, else the first `busybox` on a standard PATH.
    public func locateBusybox() throws(BerthError) -> String {
        if let path = options.busyboxPath {
            guard FileSystem.isExecutable(path) else { throw BerthError(.notFound, "busybox template: \(path) is not an executable file") }
            return path
        }
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
            let candidate = Path.join(dir, "busybox")
            if FileSystem.isExecutable(candidate) { return candidate }
        }
        throw BerthError(.notFound, "busybox template: no busybox binary found on the host; install busybox-static (apt-get install busybox-static) or pass -- --busybox-path PATH")
    }

    /// Fills `rootfs` and returns the config lines to append.
    public func build(rootfs: String, name: ContainerName) throws(BerthError) -> [(String, String)] {
        let busybox = try locateBusybox()
        let applets = try appletPaths(busybox)
        guard applets.contains("sbin/init") || applets.contains("bin/init") else {
            throw BerthError(.templateFailed, "busybox template: \(busybox) has no init applet, so the container could not boot")
        }
        for dir in ["bin", "sbin", "usr/bin", "usr/sbin", "dev", "dev/pts", "etc", "etc/init.d", "home", "root",
                    "proc", "sys", "mnt", "tmp", "var", "var/log", "var/tmp", "run", "lib", "usr/share/udhcpc"] {
            try FileSystem.makeDirectories(Path.join(rootfs, dir))
        }
        // /var/run is /run, as on any current distribution: the tmpfs mounted there at each
        // start (below) holds init's utmp and the pid files, so they start empty at every boot.
        try FileSystem.symlink("/run", at: Path.join(rootfs, "var/run"))
        // Both temporary directories are everyone's, sticky, as on any distribution (programs
        // such as Ansible put files for other users in /var/tmp).
        try FileSystem.setMode(Path.join(rootfs, "tmp"), 0o1777)
        try FileSystem.setMode(Path.join(rootfs, "var/tmp"), 0o1777)
        try FileSystem.setMode(Path.join(rootfs, "root"), 0o700)
        let rootfsBusybox = Path.join(rootfs, "bin/busybox")
        try FileSystem.copyFile(busybox, to: rootfsBusybox)
        var directories: Set<String> = ["bin", "sbin", "usr/bin", "usr/sbin"]
        for applet in applets where applet != "bin/busybox" {
            let parent = Path.parent(applet)
            if directories.insert(parent).inserted {
                try FileSystem.makeDirectories(Path.join(rootfs, parent))
            }
            // Hard links to the rootfs's own copy, as `busybox --install` makes them: a link is
            // one directory entry, where a symlink allocates an inode (a dozen times slower on
            // ext4, most of the create time), and init starts with no link to resolve. A path
            // busybox lists twice is already there.
            do {
                try FileSystem.hardLink(rootfsBusybox, at: Path.join(rootfs, applet))
            } catch where error.errno == .fileExists {
                continue
            }
        }
        try writeFiles(rootfs: rootfs, name: name)
        // passwd must be setuid for a user to change a password, and it is a link to busybox,
        // so busybox is (as LXC's template makes it with chmod +s): busybox drops the ids again
        // for every applet but the few that need them (its FEATURE_SUID).
        try FileSystem.setMode(rootfsBusybox, 0o6755)
        var config: [(String, String)] = [
            // busybox init halts on SIGUSR1 and reboots on SIGTERM.
            ("lxc.signal.halt", "SIGUSR1"),
            ("lxc.signal.reboot", "SIGTERM"),
            ("lxc.autodev", "1"),
            ("lxc.tty.max", "1"),
            ("lxc.pty.max", "1024"),
            ("lxc.mount.auto", "cgroup:mixed proc:mixed sys:mixed"),
            ("lxc.mount.entry", "shm dev/shm tmpfs defaults,create=dir 0 0"),
            ("lxc.mount.entry", "mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0"),
            // A volatile /run (and /var/run, a link to it): runtime state such as init's utmp
            // never outlives a boot, is never written into the rootfs (in an overlay clone a
            // utmp on disk is copied up with its two directories at every first boot), and
            // init makes its utmp in memory, not as an inode on the rootfs's filesystem.
            // Options as Debian mounts its own /run. About 10 kB of kernel memory a container.
            ("lxc.mount.entry", "tmpfs run tmpfs rw,nosuid,nodev,noexec,mode=0755,size=10% 0 0"),
        ]
        if try BusyboxTemplate.isDynamicallyLinked(busybox) {
            // A dynamic busybox needs the host's libraries; bind them read-only as LXC does.
            for lib in ["lib", "usr/lib", "lib64", "usr/lib64"] where FileSystem.isDirectory("/" + lib) {
                config.append(("lxc.mount.entry", "/\(lib) \(lib) none ro,bind,optional,create=dir 0 0"))
            }
        }
        return config
    }

    /// The applets' paths relative to the root (`bin/ls`, `usr/bin/awk`), from `busybox --list-full`.
    func appletPaths(_ busybox: String) throws(BerthError) -> [String] {
        let (termination, output) = try ChildProcess.output(busybox, arguments: ["--list-full"])
        guard termination == .exited(0) else {
            throw BerthError(.templateFailed, "busybox template: '\(busybox) --list-full' failed (status \(termination.shellStatus))")
        }
        let paths = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.hasPrefix("/") && !$0.contains("..") }
        guard !paths.isEmpty else { throw BerthError(.templateFailed, "busybox template: \(busybox) lists no applets") }
        return paths
    }

    /// True when the ELF file has a PT_INTERP program header (needs a dynamic loader).
    static func isDynamicallyLinked(_ path: String) throws(BerthError) -> Bool {
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { fd.closeQuietly() }
        let header = FileData.read(fd, count: 64, at: 0)
        guard header.count == 64, header[0...3] == [0x7f, 0x45, 0x4c, 0x46], header[4] == 2 else {
            return false  // not a 64-bit ELF: assume static, the copy will tell
        }
        func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u64(_ b: [UInt8], _ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } }
        let phoff = u64(header, 0x20), phentsize = u16(header, 0x36), phnum = u16(header, 0x38)
        guard phentsize >= 4, phnum < 256 else { return false }
        for i in 0..<phnum {
            let entry = FileData.read(fd, count: phentsize, at: off_t(phoff + i * phentsize))
            guard entry.count == phentsize else { return false }
            if entry[0] == 3 && entry[1] == 0 && entry[2] == 0 && entry[3] == 0 { return true }  // PT_INTERP
        }
        return false
    }

    private func writeFiles(rootfs: String, name: ContainerName) throws(BerthError) {
        let files: [(String, String, mode_t)] = [
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644),
            ("etc/group", "root:x:0:root\n", 0o644),
            // The root password is locked: the console gives a shell without login, and a
            // container reachable on a network must not accept an empty password.
            ("etc/shadow", "root:!:0:0:99999:7:::\n", 0o600),
            ("etc/hostname", "\(name.value)\n", 0o644),
            ("etc/hosts", "127.0.0.1 localhost\n127.0.1.1 \(name.value)\n::1 localhost ip6-localhost ip6-loopback\n", 0o644),
            ("etc/fstab", "", 0o644),
            // Applets are named, not given by path: busybox puts getty, ip and reboot in /sbin,
            // and init and the shell find them on PATH wherever this busybox installed them.
            ("etc/inittab", """
                ::sysinit:/etc/init.d/rcS
                tty1::respawn:getty -L tty1 115200 vt100
                console::askfirst:/bin/sh
                ::ctrlaltdel:reboot
                ::shutdown:/bin/umount -a -r

                """, 0o644),
            // Addresses from lxc.net.N.ipv4.address are set by Berth at start; an interface
            // left without one asks DHCP (the managed bridge's server), from a client in the
            // background: boot never waits for a server that may not be there.
            // What Berth has done already (the hostname, loopback up) is looked at with the
            // shell's own `read` and done again only when it is not so: every command run here
            // is a fork and an exec of busybox, and a host starting many containers at once
            // runs all their boot scripts at once. The interfaces Berth addressed come in
            // `container_ipv4_configured`, so the usual boot reads no route table either
            // (busybox's `read` takes a byte and a poll per call: about 500 system calls).
            ("etc/init.d/rcS", """
                #!/bin/sh
                # Boot script of a Berth busybox container.
                # The name in /etc/hostname (Berth has set the container's; an edited file wins).
                read -r name 2>/dev/null < /etc/hostname
                read -r current 2>/dev/null < /proc/sys/kernel/hostname
                [ -n "$name" ] && [ "$name" != "$current" ] && hostname "$name"
                # Loopback up (Berth brings it up when it makes the network).
                read -r flags 2>/dev/null < /sys/class/net/lo/flags
                [ $((${flags:-0} & 1)) = 1 ] || ip link set lo up 2>/dev/null
                for path in /sys/class/net/*; do
                    interface=${path##*/}
                    [ "$interface" = lo ] && continue
                    # Berth names the interfaces it gave an IPv4 address in init's environment.
                    case " $container_ipv4_configured " in *" $interface "*) continue ;; esac
                    # An IPv4 route through it: given an address some other way (no fork to find out).
                    routed=
                    while read -r device rest; do
                        [ "$device" = "$interface" ] && routed=1 && break
                    done 2>/dev/null < /proc/net/route
                    [ -n "$routed" ] && continue
                    case "$(ip -4 addr show dev "$interface" 2>/dev/null)" in *inet*) continue ;; esac
                    udhcpc -f -T 1 -t 5 -A 3 -i "$interface" -x hostname:"$(hostname)" -s /usr/share/udhcpc/default.script >/dev/null 2>&1 &
                done
                [ -x /etc/init.d/rc.local ] && /etc/init.d/rc.local
                exit 0

                """, 0o755),
            // udhcpc's hook: puts the lease on the interface (busybox passes the address, the
            // prefix length as $mask, the routers, DNS servers and domain in the environment).
            ("usr/share/udhcpc/default.script", """
                #!/bin/sh
                case "$1" in
                deconfig)
                    ip -4 addr flush dev "$interface"
                    ip link set "$interface" up
                    ;;
                bound|renew)
                    [ "$1" = bound ] && ip -4 addr flush dev "$interface"
                    ip addr replace "$ip/${mask:-24}" dev "$interface"
                    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
                    if [ -n "$dns" ]; then
                        {
                            [ -n "$domain" ] && echo "search $domain"
                            for server in $dns; do echo "nameserver $server"; done
                        } > /etc/resolv.conf
                    fi
                    ;;
                esac
                exit 0

                """, 0o755),
        ]
        for (path, text, mode) in files {
            let full = Path.join(rootfs, path)
            try FileSystem.removeFile(full)
            try FileSystem.createFile(full, bytes: Array(text.utf8), mode: mode)
        }
    }
}
