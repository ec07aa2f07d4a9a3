import SystemPackage

/// What the container's first process does between clone and exec of init: join the cgroup,
/// build the root filesystem in its own mount namespace, pivot into it, drop capabilities,
/// then tell the monitor it is ready, wait for its go, and exec init.
///
/// It runs in a child of the monitor, which is single-threaded, so ordinary Swift code is safe
/// here. Every failure is sent to the monitor as one line `error <step>: <reason>` and the child
/// exits; nothing it made outlives its mount namespace.
struct ContainerSetup {
    let plan: StartPlan
    /// The child's end of the start handshake with the monitor.
    let channel: SetupChannel
    let monitorPID: pid_t
    let cgroup: PayloadCgroup
    /// The host path of the pty that becomes /dev/console, and those that become /dev/ttyN.
    let consolePty: String?
    let ttyPtys: [String]
    /// berth-execute: keep the caller's stdin, stdout and stderr instead of a console.
    let inheritStdio: Bool
    /// `lxc.namespace.share.*` namespaces (all but pid) to join, open in the monitor.
    var shared: [(fd: FileDescriptor, share: NamespaceShare)] = []
    /// Whether clone already put this process into the v2 cgroup.
    var bornInV2 = false
    /// Where generated seccomp programs are kept (SeccompProgramCache), if anywhere.
    var seccompCache: String?

    func run() -> Never {
        do throws(BerthError) {
            try setUp()
        } catch {
            channel.sendIfPossible(.failed(error.message))
            CurrentProcess.exitNow(1)
        }
        // setUp only returns if exec failed, and has reported why.
        CurrentProcess.exitNow(127)
    }

    @discardableResult
    func step<T>(_ what: String, _ body: () throws(BerthError) -> T) throws(BerthError) -> T {
        do throws(BerthError) { return try body() } catch {
            throw BerthError(error.code, "\(what): \(error.message)", errno: error.errno)
        }
    }

    private func setUp() throws(BerthError) {
        // Die with the monitor; if it already died before the death signal was armed, go now.
        // (In a new pid namespace the parent is outside it and getppid() says 0; a monitor that
        // died then is noticed at the latest when the handshake reads end of file.)
        ProcessControl.dieWithParent()
        let parent = CurrentProcess.parentID
        if parent != 0 && parent != monitorPID { CurrentProcess.exitNow(1) }
        // Not dumpable until init is exec'd: no process of the container (one sharing its pid
        // namespace, or a reboot's survivor) may ptrace this one or open its /proc/PID/fd and
        // exe while it still runs the host's binary with the monitor's descriptors.
        ProcessControl.setDumpable(false)
        // Of the monitor's descriptors (its socket, its lock, the console log, the caller's
        // stdio under berth-execute) the container keeps only what it is meant to have.
        FileDescriptor.closeAll(except: [channel.fd] + shared.map(\.fd))

        // Shared namespaces before anything that depends on them (the hostname, mounts).
        for entry in shared {
            try NamespaceShare.join(entry.fd, entry.share)
            entry.fd.closeQuietly()
        }
        // The seccomp filter is generated first, while the monitor writes the user namespace's
        // maps (which this process would otherwise only wait for), and installed right before
        // init with one system call. A policy libseccomp refuses fails the start here, before
        // anything of the container's is touched.
        // (Read from the cache of programs generated before, when the monitor runs as root.)
        let seccomp = try plan.seccomp.map { (source) throws(BerthError) in
            try SeccompProgramCache.program(for: source, origin: plan.seccompOrigin, directory: seccompCache, writer: monitorPID)
        }
        // The cgroup first, then the cgroup namespace: the container then sees its own cgroup
        // as its root.
        // In a user namespace this process waits for the monitor to write the maps, becomes
        // the namespace's root, and then joins its v1 cgroups, which were delegated to that
        // root (the monitor has put it into a v2 one it was not born into, see Monitor.spawn).
        // Nothing of the container's has run or been touched before it is in them.
        var idmapped: [FileDescriptor] = []
        if !plan.idmap.isEmpty {
            idmapped = try step("entering the user namespace") { () throws(BerthError) -> [FileDescriptor] in try becomeNamespaceRoot() }
        }
        let v2Joined = bornInV2 || !plan.idmap.isEmpty
        try step("joining the cgroup") { () throws(BerthError) in try cgroup.joinSelf(skippingV2: v2Joined) }
        if plan.namespaces.contains(.cgroup) {
            try step("creating the cgroup namespace") { () throws(BerthError) in
                try Namespaces.unshare(.cgroup)
            }
        }
        if plan.namespaces.contains(.uts) {
            try step("setting the hostname") { () throws(BerthError) in
                try CurrentProcess.setHostname(plan.hostname)
            }
        }
        // lxc.sysctl and lxc.proc through the host's /proc, which still shows this process: the
        // sysctls land in the container's own namespaces (the plan admits only namespaced ones),
        // /proc/self is init-to-be.
        try step("writing lxc.sysctl and lxc.proc") { () throws(BerthError) in try writeKernelSettings() }
        // Nothing mounted from here on may propagate back to the host.
        try step("making mounts private") { () throws(BerthError) in
            try MountCalls.stopPropagation()
        }
        let hooks = HookRunner(plan: plan)
        try hooks.run(.preMount)
        // lxc.rootfs.mount: the rootfs goes on that directory instead of on its own (in this
        // namespace only: the host's directory stays empty).
        let mountPoint = plan.rootfsMount ?? plan.rootfs
        try step("mounting the rootfs \(plan.rootfs)" + (plan.rootfsMount.map { " on \($0)" } ?? "")) { () throws(BerthError) in
            if let overlay = plan.overlay {
                // The work directory is made on demand: a clone of a clone copies no work dir.
                try FileSystem.makeDirectories(overlay.work, mode: 0o700)
                if !FileSystem.isDirectory(plan.rootfs) { try FileSystem.makeDirectory(plan.rootfs, mode: 0o755) }
                var options = try overlay.mountOptions()
                if idmapped.count == 2 {
                    // overlayfs only takes layers mounted in this mount namespace: the idmapped
                    // trees are attached first, the upper one over its own directory and the
                    // lower one over this container's rootfs directory (the lower layer may lie
                    // in another container's directory, which this root cannot enter). The
                    // overlay then covers the rootfs directory it was given as its lower layer.
                    try MountCalls.attach(idmapped[1], onto: Path.parent(overlay.upper), what: "idmapped upper layer")
                    try MountCalls.attach(idmapped[0], onto: plan.rootfs, what: "idmapped lower layer")
                    options = try OverlayLayers(lower: plan.rootfs, upper: overlay.upper).mountOptions()
                }
                // In a user namespace overlayfs keeps its own marks in user.* xattrs (trusted.*
                // is the host's).
                if !plan.idmap.isEmpty { options += ",userxattr" }
                try MountCalls.mount("overlay", on: mountPoint, type: "overlay", flags: 0, data: options, display: mountPoint)
                for fd in idmapped { fd.closeQuietly() }
            } else if let root = idmapped.first {
                try MountCalls.attach(root, onto: mountPoint, what: "idmapped rootfs")
                root.closeQuietly()
            } else {
                try MountCalls.mount(plan.rootfs, on: mountPoint, type: nil, flags: UInt(MS_BIND | MS_REC), data: nil, display: mountPoint)
            }
        }
        let root = try RootfsMounter(rootfs: mountPoint)
        if plan.autodev { try mountDev(root) }
        try mountProcAndSys(root)
        for entry in plan.mounts {
            do throws(BerthError) {
                try root.mount(entry.source, on: entry.target, type: entry.fstype == "none" ? nil : entry.fstype,
                               flags: entry.flags, data: entry.data.isEmpty ? nil : entry.data, create: entry.create)
            } catch {
                if entry.optional { continue }
                throw BerthError(error.code, "mount entry '\(entry.source) \(entry.target)': \(error.message)")
            }
        }
        // shmounts: the host's shared tree bound in; this namespace's copy of it is a slave
        // (stopPropagation), and so is the bind: host mounts below it come in, none go out.
        if let shared = plan.autoMounts.sharedMounts {
            try step("binding the shared mounts \(shared.host)") { () throws(BerthError) in
                try root.mount(shared.host, on: String(shared.container.drop { $0 == "/" }), type: nil, flags: UInt(MS_BIND | MS_REC), data: nil, create: .dir)
            }
        }
        if plan.autoMounts.cgroup != nil && !plan.cgroupless { try step("mounting cgroups") { () throws(BerthError) in try mountCgroups(root) } }
        try hooks.run(.mount)
        if plan.autodev {
            try hooks.run(.autodev)
            try populateDev(root)
        }
        try step("connecting the console") { () throws(BerthError) in try bindTerminals(root) }
        // lxc.rootfs.options last, so the mounts and nodes made inside it above could be made.
        if plan.process.rootfsFlags != 0 {
            try step("applying lxc.rootfs.options") { () throws(BerthError) in try root.remount("", flags: UInt(MS_BIND) | plan.process.rootfsFlags) }
        }
        try step("pivot_root into \(plan.rootfs)") { () throws(BerthError) in try pivot(root) }
        try step("dropping capabilities") { () throws(BerthError) in
            for cap in plan.dropCapabilities {
                if !ProcessControl.dropFromBoundingSet(cap) {
                    throw BerthError.system("PR_CAPBSET_DROP", "capability \(cap)", currentErrno)
                }
            }
        }

        // Ready; the monitor may still do host-side work (start-host hooks) before init runs.
        try channel.send(.ready)
        // Anything but `go` (end of file: the monitor gave up) ends this process quietly.
        guard (try? channel.receive()) == .go else { CurrentProcess.exitNow(1) }
        try hooks.run(.start, rootfsMount: "/")
        try execInit(seccomp: seccomp)
    }

    /// Reads `mapped` (with the idmapped rootfs mount, if the monitor made one; for an overlay
    /// its lower layer, then `upper` with the directory of its upper and work directories) from
    /// the monitor, then takes uid and gid 0 of the new user namespace. Returns those mounts.
    private func becomeNamespaceRoot() throws(BerthError) -> [FileDescriptor] {
        guard case .mapped(let tree) = try channel.receive("mapped", ended: "the monitor went away before it mapped the user namespace") else {
            return []
        }
        var received = tree.map { [$0] } ?? []
        if plan.overlay != nil, !received.isEmpty {
            guard case .upperLayer(let upper) = try channel.receive("upper", ended: "the monitor sent no idmapped upper layer") else { return received }
            received.append(upper)
        }
        // Groups first: once the uid is no longer the host's root, setgroups would be refused.
        try CurrentProcess.setGroups([])
        try CurrentProcess.setGroup(0)
        try CurrentProcess.setUser(0)
        // A change of credentials clears the death signal: armed again, or a killed monitor
        // would leave this container running.
        ProcessControl.dieWithParent()
        return received
    }

    // MARK: pivot and exec

    private func pivot(_ root: RootfsMounter) throws(BerthError) {
        guard let top = try root.open("", flags: FileSystem.pathOnly | O_DIRECTORY) else { throw BerthError(.notFound, "the rootfs vanished") }
        // pivot_root(".", "."): the old root ends up stacked on the new one, where it can be
        // detached without needing a directory for it inside the container.
        try CurrentProcess.changeDirectory(to: top, display: plan.rootfs)
        try MountCalls.pivotHere(display: plan.rootfs)
        // Slave first, so the detach of the old root does not propagate to the host's mounts.
        try MountCalls.mount(nil, on: ".", type: nil, flags: UInt(MS_SLAVE | MS_REC), data: nil, display: "old root (rslave)")
        if let error = MountCalls.unmount(".") { throw BerthError.system("umount", "old root", error) }
        try CurrentProcess.changeDirectory("/")
        top.closeQuietly()
    }

    /// `lxc.sysctl.*` into /proc/sys, `lxc.proc.*` into /proc/self.
    private func writeKernelSettings() throws(BerthError) {
        let writes = plan.process.sysctls.map { ("/proc/sys/" + $0.key.replacingOccurrences(of: ".", with: "/"), $0.value, "lxc.sysctl." + $0.key) }
            + plan.process.procWrites.map { ("/proc/self/" + $0.file, $0.value, "lxc.proc." + $0.file) }
        for (path, value, key) in writes {
            let fd = try FileSystem.open(path, O_WRONLY | O_NOFOLLOW, display: "\(path) (\(key))")
            defer { fd.closeQuietly() }
            // One write: the kernel takes a /proc or /proc/sys value whole or not at all.
            try FileSystem.writeOnce(fd, Array(value.utf8), "\(path) (\(key) = '\(value)')")
        }
    }

    private func execInit(seccomp: SeccompProgram?) throws(BerthError) {
        // Init gets its own session, with the console as its controlling terminal.
        CurrentProcess.startSession()
        if !inheritStdio {
            let hasConsole = consolePty != nil || (!plan.idmap.isEmpty && plan.hasConsole)
            let path = hasConsole ? "/dev/console" : "/dev/null"
            // Not close-on-exec matters not: it becomes stdio, and any other copy is closed.
            let fd = try FileSystem.open(path, O_RDWR, display: path + " in the container")
            fd.becomeStandardStreams()
            if hasConsole { Terminal.makeControlling(.standardInput) }
        }
        var environment = plan.environment
        let ttyCount = plan.idmap.isEmpty ? ttyPtys.count : plan.ttyCount
        if ttyCount > 0 {
            environment.append("container_ttys=" + (1...ttyCount).map { "tty\($0)" }.joined(separator: " "))
        }
        // Limits while the process may still raise hard ones (CAP_SYS_RESOURCE).
        for limit in plan.process.limits {
            try ProcessControl.setLimit(limit.resource, soft: limit.soft, hard: limit.hard, display: "lxc.prlimit.\(limit.name)")
        }
        // lxc.sched.core: the domain is made by init itself before exec, so every process of
        // the container, forked from it, inherits it.
        if plan.process.coreSchedulingDomain {
            try step("making lxc.sched.core's core-scheduling domain") { () throws(BerthError) in try ProcessControl.createCoreSchedulingDomain() }
        }
        // A session keyring of init's own, before seccomp (which refuses keyctl).
        if plan.process.newSessionKeyring { try step("making init's session keyring") { () throws(BerthError) in try ProcessControl.joinNewSessionKeyring() } }
        // Seccomp last among the privileged steps but before dropping to lxc.init.uid: loading
        // a filter without no_new_privs needs CAP_SYS_ADMIN, which a non-root init lacks.
        if let seccomp { try step("loading the seccomp policy (\(plan.seccompOrigin))") { () throws(BerthError) in try seccomp.load() } }
        if plan.initGID != 0 || plan.initUID != 0 || !plan.process.groups.isEmpty {
            let groups = plan.process.groups.map { gid_t($0) }
            try step("setting lxc.init.groups") { () throws(BerthError) in try CurrentProcess.setGroups(groups) }
            try step("setting init's group") { () throws(BerthError) in try CurrentProcess.setGroup(plan.initGID) }
            try step("setting init's user") { () throws(BerthError) in try CurrentProcess.setUser(plan.initUID) }
        }
        // Armed last (new credentials clear it), with lxc.monitor.signal.pdeath.
        ProcessControl.dieWithParent(signal: plan.process.deathSignal)
        if let persona = plan.process.personality {
            try step("setting lxc.arch's personality") { () throws(BerthError) in try ProcessControl.setPersonality(persona) }
        }
        try step("changing to lxc.init.cwd") { () throws(BerthError) in try CurrentProcess.changeDirectory(plan.initCwd) }
        if plan.noNewPrivs {
            try step("setting no_new_privs") { () throws(BerthError) in try ProcessControl.forbidNewPrivileges() }
        }
        if plan.tinyInit {
            TinyInit(argv: plan.initArgv, environment: environment, channel: channel).run()
        }
        ProcessControl.resetSignals()
        guard let program = plan.initArgv.first else { throw BerthError(.invalidConfig, "init command is empty") }
        let err = CurrentProcess.execute(program, arguments: plan.initArgv, environment: environment)
        throw BerthError(.notFound, "exec of init \(program) in the container: \(err.berthDescription)")
    }
}
