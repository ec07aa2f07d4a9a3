import SystemPackage

/// The monitor's side of a boot: the container's first process cloned into its namespaces and
/// cgroup, its user namespace mapped and its idmapped trees made, its network attached and its
/// terminals adopted, the handshake (SetupChannel) to `go`, and the wait until init has settled.
extension Monitor {
    func spawn(_ hooks: HookRunner) throws(BerthError) {
        // In a user namespace the container makes its terminals itself (see ContainerSetup).
        let ownTerminals = !plan.idmap.isEmpty
        if plan.hasConsole && !options.inheritStdio && !ownTerminals {
            let port = try ConsolePort()
            if options.foregroundConsole, let size = Terminal.size(of: .standardInput) { port.resize(rows: Int(size.rows), cols: Int(size.cols)) }
            console = port
        }
        if !ownTerminals { for _ in 0..<plan.ttyCount { ttys.append(try ConsolePort()) } }
        if !plan.idmap.isEmpty {
            // The container's root must get through the container's directory (0770) to its
            // rootfs: the directory's group becomes the container root's group, as LXC does.
            // (A user's own container directory is made 0771 by berth-create instead.)
            if CurrentProcess.isRoot { try? FileSystem.setOwner(paths.directory, uid: uid_t.max, gid: plan.rootGID) }
        }

        let (monitorEnd, childEnd) = try UnixSocket.pair(display: "the set-up channel")
        let monitorPID = CurrentProcess.id
        // The cgroup namespace is made by the child after it joined its cgroup (see
        // ContainerSetup); every other namespace is made by clone itself.
        let flags = plan.namespaces.subtracting(.cgroup).rawValue
        // Shared namespaces are opened here, before clone, so a target that is not running fails
        // the start before anything exists; the child joins all but pid (see below).
        var shared: [(fd: FileDescriptor, share: NamespaceShare)] = []
        defer { for entry in shared { entry.fd.closeQuietly() } }
        for share in plan.shares { shared.append((try share.open(lxcpath: plan.lxcpath), share)) }
        // A pid namespace can only be given to children: the monitor sets it for the clone and
        // returns to its own (its active namespace, which setns always allows) right after.
        var ownPidNamespace: FileDescriptor?
        if let pidShare = shared.first(where: { $0.share.set == .pid }) {
            ownPidNamespace = try FileSystem.open("/proc/self/ns/pid", O_RDONLY)
            try NamespaceShare.join(pidShare.fd, pidShare.share)
        }
        // lxc.time.offset.*: a time namespace with the offsets, made by the monitor for its
        // children (unshare of CLONE_NEWTIME moves only the children to come), its offsets
        // written before any process is in it, and the monitor's own given back to its later
        // children (hooks) right after the clone.
        var ownTimeNamespace: FileDescriptor?
        if let offsets = plan.timeOffsets {
            ownTimeNamespace = try FileSystem.open("/proc/self/ns/time_for_children", O_RDONLY)
            try Namespaces.unshare(.time)
            let file = try FileSystem.open("/proc/self/timens_offsets", O_WRONLY)
            defer { file.closeQuietly() }
            try FileSystem.writeOnce(file, Array(offsets.procText.utf8), "/proc/self/timens_offsets")
        }
        // Born in its v2 cgroup where the kernel allows it (CLONE_INTO_CGROUP); the v1
        // hierarchies, and v2 where that fails, are joined by the child itself.
        let directory = cgroup.processV2Directory.flatMap { try? CgroupMountsDirectory.open($0, O_RDONLY | O_DIRECTORY) }
        // Which program cache the child reads is decided here, as the monitor's user: a child
        // in a new user namespace has no uid there until the maps are written (geteuid says
        // 65534), so asked after the clone it would find no cache and generate the program
        // with libseccomp at every start of an unprivileged container.
        let seccompCache = SeccompProgramCache.callerDirectory
        let (pid, pidfd, bornInV2) = ProcessControl.clone(flags, intoCgroup: directory)
        directory?.closeQuietly()
        if pid == 0 {
            monitorEnd.closeQuietly()
            ContainerSetup(plan: plan, channel: SetupChannel(fd: childEnd), monitorPID: monitorPID, cgroup: cgroup,
                           consolePty: console?.ptyPath, ttyPtys: ttys.map(\.ptyPath),
                           inheritStdio: options.inheritStdio,
                           shared: shared.filter { $0.share.set != .pid }, bornInV2: bornInV2,
                           seccompCache: seccompCache).run()
        }
        if let ownPidNamespace {
            try? Namespaces.join(ownPidNamespace, .pid, what: "the monitor's own pid namespace")
            ownPidNamespace.closeQuietly()
        }
        if let ownTimeNamespace {
            try? Namespaces.join(ownTimeNamespace, .time, what: "the monitor's own time namespace")
            ownTimeNamespace.closeQuietly()
        }
        childEnd.closeQuietly()
        defer { monitorEnd.closeQuietly() }
        let channel = SetupChannel(fd: monitorEnd)
        guard pid > 0 else { throw BerthError.system("clone", "the container's first process", currentErrno) }
        initPID = pid
        initPidfd = pidfd
        // The network's host side is looked at (namespaces and sockets opened, fixed MACs
        // checked) before the maps are written: the child spends that time generating its
        // seccomp program (when it has one), so it hardly waits for them, and the interfaces
        // come sooner.
        var attachment: NetworkAttachment?
        if !plan.interfaces.isEmpty {
            let made = NetworkAttachment(interfaces: plan.interfaces, containerName: plan.name, bridge: plan.managedBridge) { interface, direction, hostName throws(BerthError) in
                try hooks.runNetworkScript(interface, direction: direction, hostInterface: hostName)
            }
            network = made
            attachment = made
            do throws(BerthError) { try made.prepare(pid: pid) } catch {
                throw childFailure(channel) ?? BerthError(error.code, "setting up the network: \(error.message)", errno: error.errno)
            }
        }
        // The child waits for its user namespace's maps before it does anything in it. Once it
        // is its namespace's root it joins its delegated v1 cgroups itself, while this process
        // makes its network (it owns their files then, and v1 lets a process move itself). A
        // v2 cgroup it was not born into is joined for it here: cgroup2 would refuse the
        // container's root (it may not write the cgroup.procs of the common ancestor).
        if !plan.idmap.isEmpty {
            do throws(BerthError) {
                if !bornInV2 { try cgroup.joinV2(pid: pid) }
                try mapUsers(pid, channel)
            } catch {
                throw childFailure(channel) ?? error
            }
        }
        // Interfaces are made while the child builds its root filesystem: both only need the
        // namespaces clone made, and neither waits for the other.
        if let attachment {
            do throws(BerthError) { try attachment.attach() } catch {
                throw childFailure(channel) ?? BerthError(error.code, "setting up the network: \(error.message)", errno: error.errno)
            }
        }

        // Between `ready` and `go` the device rules go on (unless an inner cgroup took them
        // before the clone) and the start-host hooks run. When there is neither, `go` is sent
        // now, before `ready` is read: the child finds it waiting and execs init as soon as it
        // is ready, without waiting for this process to wake up and answer.
        let deviceRules = cgroup.inner == nil ? plan.cgroupWrites.filter { $0.controller == "devices" } : []
        let goAtOnce = deviceRules.isEmpty && plan.hooks[.startHost] == nil
        if goAtOnce { try channel.send(.go) }
        if ownTerminals { try receiveTerminals(channel) }
        _ = try channel.receive("ready", ended: "the container's first process died while it was being set up")
        if !goAtOnce {
            try cgroup.apply(deviceRules)
            try hooks.run(.startHost, extra: ["LXC_PID=\(pid)"])
            try channel.send(.go)
        }
        // The socket is close-on-exec: end of file means init was exec'd.
        if case .failed(let why)? = try channel.receive() { throw BerthError(.system, why) }
        // Under berth-execute's tiny init a command that is done at once (`/bin/true`) is a
        // success, and the tiny init never fails to settle: nothing to wait for.
        if !plan.tinyInit { try waitUntilSettled() }
    }

    /// The console and ttys the container made in its own devpts: a `pty` and a `hold` message
    /// with their descriptors for each, console first. Exactly as many as the plan has are
    /// read, so the child's `ready` stays for the caller.
    func receiveTerminals(_ channel: SetupChannel) throws(BerthError) {
        let count = (plan.hasConsole && !options.inheritStdio ? 1 : 0) + plan.ttyCount
        let died = "the container's first process died while it was being set up"
        for index in 0..<count {
            guard case .terminal(let ptx) = try channel.receive("pty", ended: died) else { continue }
            guard case .terminalHold(let hold) = try channel.receive("hold", ended: died) else { continue }
            let port = ConsolePort(adopting: ptx, hold: hold)
            if index == 0 && plan.hasConsole && !options.inheritStdio {
                if options.foregroundConsole, let size = Terminal.size(of: .standardInput) { port.resize(rows: Int(size.rows), cols: Int(size.cols)) }
                console = port
            } else {
                ttys.append(port)
            }
        }
    }

    /// What the child said when it failed on its own (and so took its namespaces with it): the
    /// error to report rather than the monitor's own failure that followed from it.
    func childFailure(_ channel: SetupChannel) -> BerthError? {
        guard channel.hasMessage(), case .failed(let why)? = try? channel.receive() else { return nil }
        return BerthError(.system, why)
    }

    /// Writes the container's uid and gid maps, and, when the rootfs on disk belongs to the
    /// host's root rather than to the container's (not shifted), makes an idmapped copy of its
    /// mount for the child to use as its root; then tells the child (`mapped`, with that mount's
    /// descriptor attached).
    func mapUsers(_ pid: pid_t, _ channel: SetupChannel) throws(BerthError) {
        try IDMapWriter.write(pid: pid, plan.idmap)
        // The trees to idmap: the rootfs, or an overlay's lower layer and the directory holding
        // its upper and work directories (overlayfs takes idmapped layers).
        let trees = plan.overlay.map { [$0.lower, Path.parent($0.upper)] } ?? [plan.rootfs]
        var idmapped: [FileDescriptor] = []
        defer { for fd in idmapped { fd.closeQuietly() } }
        guard let st = FileSystem.status(trees[0]) else { throw BerthError.system("stat", trees[0], currentErrno) }
        if st.st_uid != plan.rootUID {
            let userns = try FileSystem.open("/proc/\(pid)/ns/user", O_RDONLY)
            defer { userns.closeQuietly() }
            for tree in trees {
                guard let fd = MountCalls.idmappedTree(tree, userNamespace: userns) else {
                    throw BerthError(.unsupported, "\(tree) belongs to host uid \(st.st_uid), not to the container's root (host uid \(plan.rootUID)), and its filesystem cannot be idmapped (\(currentErrno.berthDescription)); shift its ownership with berth-create's --shift-ids, or use a filesystem with idmapped mounts")
                }
                idmapped.append(fd)
            }
        }
        // `mapped` carries the first idmapped tree; an overlay's second follows as its upper layer.
        try channel.send(.mapped(tree: idmapped.first))
        if idmapped.count > 1 { try channel.send(.upperLayer(idmapped[1])) }
    }

    /// An init that exits at once (a wrong lxc.init.cmd, a missing library) is a failed start,
    /// not a RUNNING container that is gone a moment later. Init counts as up once it sleeps
    /// (waits for something) for the first time, which every real init does within
    /// milliseconds, or once it waits in the kernel with a child of its own (it has started a
    /// process, so it got past its own start); one that keeps running for two seconds counts
    /// as up as well.
    /// Looked at every 50 us (with the timer slack that short, a sleep is as long as asked):
    /// the start returns about when init first waits, not up to a poll later.
    func waitUntilSettled() throws(BerthError) {
        ProcessControl.setTimerSlack(nanoseconds: 1000)
        defer { ProcessControl.setTimerSlack(nanoseconds: 50_000) }
        let deadline = monotonicSeconds() + 2
        let statPath = "/proc/\(initPID)/stat"
        let childrenPath = "/proc/\(initPID)/task/\(initPID)/children"
        while monotonicSeconds() < deadline {
            if let ended = ProcessControl.reapIfEnded(initPID) {
                initPID = 0
                let what = ended.description
                throw BerthError(.system, "init (\(plan.initArgv.joined(separator: " "))) \(what) right after it started")
            }
            // The state is the byte two after the last ')' (the command name before it may hold
            // anything); found on the bytes, as a poll can run dozens of times in a busy start.
            if let text = try? FileSystem.readText(statPath), let close = text.utf8.lastIndex(of: UInt8(ascii: ")")),
               let at = text.utf8.index(close, offsetBy: 2, limitedBy: text.utf8.endIndex), at < text.utf8.endIndex {
                let state = text.utf8[at]
                if state == UInt8(ascii: "S") || state == UInt8(ascii: "T") || state == UInt8(ascii: "t") || state == UInt8(ascii: "I") { return }
                // Blocked in the kernel with a child of its own: an init that has started a
                // process (busybox's and glibc's vfork, which keeps the parent waiting until
                // the child has exec'd) is past its own start and running its logic.
                if state == UInt8(ascii: "D"), let children = try? FileSystem.readText(childrenPath),
                   children.utf8.contains(where: ASCIIDigits.isDigit) { return }
            }
            CurrentProcess.pause(microseconds: 50)
        }
    }
}
