import SystemPackage

/// The child's mounts inside the rootfs: /dev (tmpfs, nodes, terminals), /proc and /sys, and
/// the cgroup filesystems, every target resolved inside the rootfs (RootfsMounter).
extension ContainerSetup {
    // MARK: /dev

    func mountDev(_ root: RootfsMounter) throws(BerthError) {
        try step("mounting /dev") { () throws(BerthError) in
            try root.mount("none", on: "dev", type: "tmpfs", flags: UInt(MS_NOSUID | MS_NOEXEC),
                           data: "size=\(plan.autodevSize),mode=755", create: .dir)
            try root.create("dev/pts")
        }
    }

    func populateDev(_ root: RootfsMounter) throws(BerthError) {
        try step("populating /dev") { () throws(BerthError) in
            // /dev opened once for all its entries (see RootfsMounter.mount(_:onNew:)).
            let dev = try requireOpen(root, "dev", directory: true)
            defer { dev.closeQuietly() }
            for (name, major, minor) in [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)] as [(String, UInt32, UInt32)] {
                if plan.idmap.isEmpty {
                    try root.makeDevice("dev/" + name, major: major, minor: minor)
                } else {
                    // A user namespace may not make device nodes: the host's are bound instead.
                    try root.mount("/dev/" + name, onNew: name, in: dev, at: "dev", file: true, type: nil, flags: UInt(MS_BIND), data: nil)
                }
            }
            for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
                try root.symlink(target, named: name, in: dev, at: "dev")
            }
        }
    }

    /// A new devpts instance, /dev/ptmx from it, and the host ptys the monitor holds bound onto
    /// /dev/console and /dev/ttyN.
    func bindTerminals(_ root: RootfsMounter) throws(BerthError) {
        // The tmpfs on /dev, opened once for ptmx and the terminals (see
        // RootfsMounter.mount(_:onNew:)).
        var dev: FileDescriptor?
        defer { dev?.closeQuietly() }
        if plan.autodev {
            try root.mount("devpts", on: "dev/pts", type: "devpts", flags: UInt(MS_NOSUID | MS_NOEXEC),
                           data: "newinstance,ptmxmode=0666,mode=0620,gid=5,max=\(max(plan.ptyMax, 1) + plan.ttyCount)", create: .dir)
            let opened = try requireOpen(root, "dev", directory: true)
            dev = opened
            let ptmx = try ptmxSource(root)
            defer { ptmx.closeQuietly() }
            try root.mount(ptmx.procPath, onNew: "ptmx", in: opened, at: "dev", file: true, type: nil, flags: UInt(MS_BIND), data: nil)
        }
        if !plan.idmap.isEmpty {
            try allocateTerminals(root, dev: dev)
            try linkTerminalDirectory(root)
            return
        }
        if let consolePty {
            try root.mount(consolePty, on: terminalPath("console"), type: nil, flags: UInt(MS_BIND), data: nil, create: .file)
        }
        for (index, pty) in ttyPtys.enumerated() {
            try root.mount(pty, on: terminalPath("tty\(index + 1)"), type: nil, flags: UInt(MS_BIND), data: nil, create: .file)
        }
        try linkTerminalDirectory(root)
    }

    /// Where the console or a tty is bound: /dev/NAME, or /dev/DIR/NAME with lxc.tty.dir.
    func terminalPath(_ name: String) -> String {
        plan.ttyDirectory.map { "dev/\($0)/\(name)" } ?? "dev/\(name)"
    }

    /// With lxc.tty.dir, as LXC lays it out: /dev/ttyN symlinks to DIR/ttyN, and the console
    /// also bound on /dev/console (programs open that path, not a link to it).
    func linkTerminalDirectory(_ root: RootfsMounter) throws(BerthError) {
        guard let dir = plan.ttyDirectory else { return }
        for index in stride(from: 1, through: plan.ttyCount, by: 1) {
            try root.symlink("\(dir)/tty\(index)", at: "dev/tty\(index)")
        }
        if plan.hasConsole && !inheritStdio, let console = try root.open("dev/\(dir)/console", flags: FileSystem.pathOnly) {
            defer { console.closeQuietly() }
            try root.mount(console.procPath, on: "dev/console", type: nil, flags: UInt(MS_BIND), data: nil, create: .file)
        }
    }

    /// In a user namespace the host's ptys are not the container root's to open (and on some
    /// hosts cannot even be given to it): the console and the ttys come from the container's
    /// own devpts instead. Each pty is bound onto /dev/console or /dev/ttyN, and both its sides
    /// go to the monitor (`pty`, then `hold`, each with its descriptor), which relays them.
    /// `dev` is /dev opened (with lxc.autodev).
    func allocateTerminals(_ root: RootfsMounter, dev: FileDescriptor?) throws(BerthError) {
        guard plan.autodev else {
            throw BerthError(.unsupported, "a container with lxc.idmap needs lxc.autodev = 1 (its terminals come from its own devpts)")
        }
        let names = (plan.hasConsole && !inheritStdio ? ["console"] : []) + (0..<plan.ttyCount).map { "tty\($0 + 1)" }
        // Straight in /dev (no lxc.tty.dir): made from its descriptor.
        let straight = plan.ttyDirectory == nil ? dev : nil
        for name in names {
            // Both sides from descriptors: the ptmx opened inside the rootfs, the other side
            // straight from it, so no path of the container's is walked from the host side.
            // Non-blocking from the open on: the monitor relays it in its event loop, and the
            // flag belongs to this open file, which only this process and the monitor hold.
            guard let ptx = try root.open("dev/pts/ptmx", flags: O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK) else {
                throw BerthError(.notFound, "\(root.display("dev/pts/ptmx")) is missing")
            }
            let pty = try Terminal.openPeer(of: ptx, display: root.display("dev/pts/ptmx"))
            if let straight {
                try root.mount(pty.procPath, onNew: name, in: straight, at: "dev", file: true, type: nil, flags: UInt(MS_BIND), data: nil)
            } else {
                try root.mount(pty.procPath, on: terminalPath(name), type: nil, flags: UInt(MS_BIND), data: nil, create: .file)
            }
            // Sent, then closed here: the monitor holds its own copies.
            defer { ptx.closeQuietly(); pty.closeQuietly() }
            try channel.send(.terminal(ptx))
            try channel.send(.terminalHold(pty))
        }
    }

    func ptmxSource(_ root: RootfsMounter) throws(BerthError) -> FileDescriptor {
        guard let fd = try root.open("dev/pts/ptmx") else { throw BerthError(.notFound, "dev/pts/ptmx is missing") }
        return fd
    }

    // MARK: /proc, /sys, cgroups

    func mountProcAndSys(_ root: RootfsMounter) throws(BerthError) {
        if let proc = plan.autoMounts.proc {
            try step("mounting /proc") { () throws(BerthError) in
                try root.mount("proc", on: "proc", type: "proc", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: nil, create: .dir)
                if proc == .mixed {
                    // The kernel's knobs read-only, and no sysrq from inside.
                    try root.mount(try requireOpen(root, "proc/sys").procPath, on: "proc/sys", type: nil, flags: UInt(MS_BIND | MS_REC), data: nil)
                    try root.remount("proc/sys", flags: UInt(MS_RDONLY))
                    // Kernels without CONFIG_MAGIC_SYSRQ have no sysrq-trigger to protect.
                    if let sysrq = try root.open("proc/sysrq-trigger") {
                        try root.mount(sysrq.procPath, on: "proc/sysrq-trigger", type: nil, flags: UInt(MS_BIND), data: nil)
                        try root.remount("proc/sysrq-trigger", flags: UInt(MS_RDONLY))
                    }
                }
            }
        }
        if let sys = plan.autoMounts.sys {
            try step("mounting /sys") { () throws(BerthError) in
                let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC) | (sys == .rw ? 0 : UInt(MS_RDONLY))
                try root.mount("sysfs", on: "sys", type: "sysfs", flags: flags, data: nil, create: .dir)
            }
        }
    }

    func requireOpen(_ root: RootfsMounter, _ relative: String, directory: Bool = false) throws(BerthError) -> FileDescriptor {
        guard let fd = try root.open(relative, flags: FileSystem.pathOnly | (directory ? O_DIRECTORY : 0)) else {
            throw BerthError(.notFound, "\(root.display(relative)) is missing")
        }
        return fd
    }

    /// cgroup filesystems under /sys/fs/cgroup, seen through the container's cgroup namespace
    /// (so its own cgroup is the root it sees).
    func mountCgroups(_ root: RootfsMounter) throws(BerthError) {
        // The layout the plan read (the host's; this namespace is a copy of its mounts).
        let layout = plan.cgroupLayout
        let readOnly: UInt = plan.autoMounts.cgroup == .ro ? UInt(MS_RDONLY) : 0
        let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC) | readOnly
        if layout.kind == .v2, let unified = layout.v2MountPoint, unified == "/sys/fs/cgroup" {
            try root.mount("cgroup2", on: "sys/fs/cgroup", type: "cgroup2", flags: flags, data: nil, create: .dir)
            return
        }
        try root.mount("cgroup", on: "sys/fs/cgroup", type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: "mode=755,size=64k", create: .dir)
        // The tmpfs just mounted, opened once for its mount points (see RootfsMounter.mount(_:onNew:)).
        let top = try requireOpen(root, "sys/fs/cgroup", directory: true)
        defer { top.closeQuietly() }
        for hierarchy in layout.v1 {
            let options = hierarchy.controllers.map { $0.hasPrefix("name=") ? "none,\($0)" : $0 }.joined(separator: ",")
            try root.mount("cgroup", onNew: Path.base(hierarchy.mountPoint), in: top, at: "sys/fs/cgroup", type: "cgroup", flags: flags, data: options)
        }
        if layout.v2MountPoint != nil {
            try root.mount("cgroup2", onNew: "unified", in: top, at: "sys/fs/cgroup", type: "cgroup2", flags: flags, data: nil)
        }
        if readOnly == 0 { return }
        try root.remount("sys/fs/cgroup", flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
    }
}
