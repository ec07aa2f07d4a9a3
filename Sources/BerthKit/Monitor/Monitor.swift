#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBerthLinux
import SystemPackage

/// The process that runs one container: the parent of its init, for the container's whole life.
///
/// It holds the command socket (its bind is the "already running" lock), starts the container
/// (`boot`), then serves requests, relays the console, reaps init, restarts the container when
/// init reboots it, and cleans everything up when it ends. It is single-threaded and
/// event-driven (`poll` over a signalfd, the socket, clients and the console), so the child it
/// clones may run Swift code until it execs init.
public final class Monitor {
    /// How the monitor was started.
    public struct Options {
        /// Where to report the outcome of the first boot (`RUNNING pid` or `ABORTING reason`),
        /// for a daemonized berth-start waiting on it.
        public var report: Int32?
        /// Relay the console to this process's stdin and stdout (berth-start -F).
        public var foregroundConsole = false
        /// Give init this process's stdin, stdout and stderr, no console (berth-execute).
        public var inheritStdio = false
        /// Messages after the first boot (a failed reboot) go here.
        public var log: (String) -> Void = { _ in }

        public init() {}
    }

    let plan: StartPlan
    let paths: ContainerPaths
    let options: Options
    let listener: CommandSocket.Listener
    var listenFD: Int32 { listener.fd }
    private var signalFD: Int32 = -1
    private(set) var state: ContainerState = .starting
    private var initPID: pid_t = 0
    private var initPidfd: Int32 = -1
    private var initStatus: Int32 = 0
    private var console: ConsolePort?
    private var ttys: [ConsolePort] = []
    private var ring: ConsoleRing
    private var consoleLog: ConsoleLog?
    private var watchers: [Int32] = []
    /// Connections holding the container frozen (`hold`); it thaws when the last one closes,
    /// unless it was frozen before the first hold.
    private var holders: [Int32] = []
    private var frozenBeforeHold = false
    private var stopWaiters: [Int32] = []
    private var stopRequested = false
    private var rebootRequested = false
    private var cgroup: PayloadCgroup
    private var monitorCgroup: MonitorCgroup
    /// The compiled seccomp filter, made once and loaded by every boot's first process.
    private var seccomp: SeccompFilter?
    /// This boot's interfaces; the previous boot's until its host ends are released.
    private var network: NetworkAttachment?
    private var foregroundInput: Int32?
    private var rawTerminal: RawTerminal?

    /// Binds the container's command socket. nil when another monitor holds it (the container
    /// runs already).
    public init?(plan: StartPlan, paths: ContainerPaths, options: Options) throws(BerthError) {
        guard let listener = try CommandSocket(paths: paths).listen() else { return nil }
        self.plan = plan
        self.paths = paths
        self.options = options
        self.listener = listener
        ring = ConsoleRing(capacity: plan.consoleBufferSize)
        cgroup = plan.cgroupless ? .none() : PayloadCgroup(name: plan.name, lxcpath: plan.lxcpath)
        monitorCgroup = MonitorCgroup(name: plan.name, lxcpath: plan.lxcpath, layout: cgroup.layout)
    }

    /// Boots the container and runs it until it stops. Returns the status for the tool: 0, 1 when
    /// the first boot failed, or for berth-execute the command's status.
    /// Why the first boot failed, for a caller in this process (foreground, execute): the daemon's
    /// caller hears it through the report pipe instead.
    public private(set) var failure: String?

    public func run() -> Int32 {
        _ = berth_set_comm("berth monitor")
        _ = berth_set_process_title("[berth monitor] \(plan.lxcpath) \(plan.name)")
        // Every signal arrives through the signalfd, in the loop; none interrupts a step.
        var all = sigset_t()
        sigfillset(&all)
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] { sigdelset(&all, sig) }
        sigprocmask(SIG_SETMASK, &all, nil)
        signal(SIGPIPE, SIG_IGN)
        // Nothing the caller had open lives on in the monitor, and so in the container it
        // starts, its hooks or its tiny init (berth-start -F and berth-execute run the monitor
        // in the caller's process): only stdio, the socket, its lock and the report pipe stay.
        Descriptor.closeAll(except: [listener.fd, listener.lockFD] + [options.report].compactMap { $0 })
        let watched: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR, SIGWINCH, SIGALRM]
        signalFD = watched.withUnsafeBufferPointer { berth_signalfd($0.baseAddress, Int32($0.count)) }

        if options.foregroundConsole && !options.inheritStdio {
            foregroundInput = 0
            Descriptor.setNonBlocking(0)
            if isatty(0) == 1 { rawTerminal = RawTerminal(fd: 0) }
        }

        do throws(BerthError) {
            if let file = plan.consoleLogfile {
                do throws(BerthError) {
                    consoleLog = try ConsoleLog(path: file, limit: plan.consoleLogLimit, rotate: plan.consoleLogRotate)
                } catch {
                    throw BerthError(error.code, "lxc.console.logfile: \(error.message)", errno: error.errno)
                }
            }
            if let policy = plan.seccomp { seccomp = try SeccompFilter(policy: policy, origin: plan.seccompOrigin) }
            // The monitor's own cgroup before booting: what it does for the container is
            // accounted apart. Not fatal: the monitor can work from the caller's cgroup.
            do throws(BerthError) { if !plan.cgroupless { try monitorCgroup.enter() } } catch {
                options.log("berth monitor: running in the caller's cgroup: \(error.message)")
            }
            try boot()
        } catch {
            failure = error.message
            report("ABORTING \(error.message)")
            finish()
            return 1
        }
        report("RUNNING \(initPID)")
        loop()
        finish()
        if plan.tinyInit { return shellStatus(initStatus) }
        return 0
    }

    private func report(_ line: String) {
        guard let fd = options.report else { return }
        Descriptor.writeAll(fd, line + "\n")
        close(fd)
    }

    private func setState(_ new: ContainerState) {
        state = new
        var alive: [Int32] = []
        // A watcher that does not read its state lines is dropped, never waited for.
        for watcher in watchers {
            if Descriptor.sendNow(watcher, "state \(new.rawValue)\n") { alive.append(watcher) } else { close(watcher) }
        }
        watchers = alive
    }

    // MARK: boot

    private func boot() throws(BerthError) {
        setState(.starting)
        stopRequested = false
        rebootRequested = false
        let hooks = HookRunner(plan: plan)
        // A reboot's new veth may take the old one's fixed name: the old host ends go first.
        network?.releaseHostEnds()
        network = nil
        try hooks.run(.preStart)
        cgroup.sweep()
        try cgroup.create()
        // Limits before init exists: nothing of the container ever runs unlimited. Device rules
        // wait until the child has populated /dev (mknod is itself a device access), see spawn.
        do throws(BerthError) {
            try cgroup.apply(plan.cgroupWrites.filter { $0.controller != "devices" })
            if !plan.idmap.isEmpty { try cgroup.delegate(uid: plan.rootUID, gid: plan.rootGID) }
        } catch {
            try? cgroup.remove()
            throw error
        }
        do throws(BerthError) {
            try spawn(hooks)
        } catch {
            setState(.aborting)
            if initPidfd >= 0 { _ = berth_pidfd_send_signal(initPidfd, SIGKILL) }
            if initPID > 0 { var status: Int32 = 0; while waitpid(initPID, &status, 0) < 0 && errno == EINTR {} }
            teardown()
            throw error
        }
        setState(.running)
    }

    private func spawn(_ hooks: HookRunner) throws(BerthError) {
        // In a user namespace the container makes its terminals itself (see ContainerSetup).
        let ownTerminals = !plan.idmap.isEmpty
        if plan.hasConsole && !options.inheritStdio && !ownTerminals {
            let port = try ConsolePort()
            if options.foregroundConsole {
                var rows: UInt16 = 0, cols: UInt16 = 0
                if berth_get_winsize(0, &rows, &cols) == 0 { port.resize(rows: Int(rows), cols: Int(cols)) }
            }
            console = port
        }
        if !ownTerminals { for _ in 0..<plan.ttyCount { ttys.append(try ConsolePort()) } }
        if !plan.idmap.isEmpty {
            // The container's root must get through the container's directory (0770) to its
            // rootfs: the directory's group becomes the container root's group, as LXC does.
            // (A user's own container directory is made 0771 by berth-create instead.)
            if geteuid() == 0 { _ = chown(paths.directory, UInt32.max, plan.rootGID) }
        }

        var pair: [Int32] = [-1, -1]
        try syscall("socketpair", "sync") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) }
        let monitorPID = getpid()
        // The cgroup namespace is made by the child after it joined its cgroup (see
        // ContainerSetup); every other namespace is made by clone itself.
        let flags = plan.namespaces.subtracting(.cgroup).rawValue
        // Shared namespaces are opened here, before clone, so a target that is not running fails
        // the start before anything exists; the child joins all but pid (see below).
        var shared: [(fd: Int32, share: NamespaceShare)] = []
        defer { for entry in shared { close(entry.fd) } }
        for share in plan.shares { shared.append((try share.open(lxcpath: plan.lxcpath), share)) }
        // A pid namespace can only be given to children: the monitor sets it for the clone and
        // returns to its own (its active namespace, which setns always allows) right after.
        var ownPidNamespace: Int32 = -1
        if let pidShare = shared.first(where: { $0.share.set == .pid }) {
            ownPidNamespace = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)
            try NamespaceShare.join(pidShare.fd, pidShare.share)
        }
        var pidfd: Int32 = -1
        // Born in its v2 cgroup where the kernel allows it (CLONE_INTO_CGROUP); the v1
        // hierarchies, and v2 where that fails, are joined by the child itself.
        var pid: pid_t = -1
        var bornInV2 = false
        if let v2 = cgroup.v2Directory {
            let directory = open(v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                pid = berth_clone_into_cgroup(flags, &pidfd, directory)
                bornInV2 = pid >= 0
                close(directory)
            }
        }
        if !bornInV2 { pid = berth_clone_into(flags, &pidfd) }
        if pid == 0 {
            close(pair[0])
            ContainerSetup(plan: plan, sync: pair[1], monitorPID: monitorPID, cgroup: cgroup,
                           consolePty: console?.ptyPath, ttyPtys: ttys.map(\.ptyPath),
                           inheritStdio: options.inheritStdio,
                           shared: shared.filter { $0.share.set != .pid }, bornInV2: bornInV2, seccomp: seccomp).run()
        }
        if ownPidNamespace >= 0 {
            _ = berth_setns(ownPidNamespace, Int32(truncatingIfNeeded: NamespaceSet.pid.rawValue))
            close(ownPidNamespace)
        }
        close(pair[1])
        defer { close(pair[0]) }
        guard pid > 0 else { throw BerthError.system("clone", "the container's first process", currentErrno) }
        initPID = pid
        initPidfd = pidfd
        // The child waits for its user namespace's maps before it does anything in it. Its
        // cgroups are joined for it first: their files belong to its root's ids (delegated),
        // which it cannot reach as the host's root before the maps exist.
        if !plan.idmap.isEmpty {
            do throws(BerthError) {
                try cgroup.join(pid: pid)
                try mapUsers(pid, sync: pair[0])
            } catch {
                throw childFailure(pair[0]) ?? error
            }
        }
        // Interfaces are made while the child builds its root filesystem: both only need the
        // namespaces clone made, and neither waits for the other.
        if !plan.interfaces.isEmpty {
            let attachment = NetworkAttachment(interfaces: plan.interfaces, containerName: plan.name, bridge: plan.managedBridge) { interface, direction, hostName throws(BerthError) in
                try hooks.runNetworkScript(interface, direction: direction, hostInterface: hostName)
            }
            network = attachment
            do throws(BerthError) { try attachment.attach(pid: pid) } catch {
                throw childFailure(pair[0]) ?? BerthError(error.code, "setting up the network: \(error.message)", errno: error.errno)
            }
        }

        if ownTerminals { try receiveTerminals(pair[0]) }
        switch Descriptor.readLine(pair[0]) {
        case "ready"?: break
        case let line? where line.hasPrefix("error "): throw BerthError(.system, String(line.dropFirst(6)))
        default: throw BerthError(.system, "the container's first process died while it was being set up")
        }
        try cgroup.apply(plan.cgroupWrites.filter { $0.controller == "devices" })
        try hooks.run(.startHost, extra: ["LXC_PID=\(pid)"])
        Descriptor.writeAll(pair[0], "go\n")
        // The socket is close-on-exec: end of file means init was exec'd.
        if let line = Descriptor.readLine(pair[0]), line.hasPrefix("error ") {
            throw BerthError(.system, String(line.dropFirst(6)))
        }
        // Under berth-execute's tiny init a command that is done at once (`/bin/true`) is a
        // success, and the tiny init never fails to settle: nothing to wait for.
        if !plan.tinyInit { try waitUntilSettled() }
    }

    /// The console and ttys the container made in its own devpts: a `pty` and a `hold` message
    /// with their descriptors for each, console first. Exactly as many as the plan has are
    /// read, so the child's `ready` stays for the caller.
    private func receiveTerminals(_ sync: Int32) throws(BerthError) {
        let count = (plan.hasConsole && !options.inheritStdio ? 1 : 0) + plan.ttyCount
        for index in 0..<count {
            guard let (first, ptx) = Descriptor.readLineWithDescriptor(sync) else {
                throw BerthError(.system, "the container's first process died while it was being set up")
            }
            if first.hasPrefix("error ") { throw BerthError(.system, String(first.dropFirst(6))) }
            guard first == "pty", let ptx, let (second, hold) = Descriptor.readLineWithDescriptor(sync), second == "hold", let hold else {
                throw BerthError(.system, "the container sent no terminal (got '\(first)')")
            }
            let port = ConsolePort(adopting: ptx, hold: hold)
            if index == 0 && plan.hasConsole && !options.inheritStdio {
                if options.foregroundConsole {
                    var rows: UInt16 = 0, cols: UInt16 = 0
                    if berth_get_winsize(0, &rows, &cols) == 0 { port.resize(rows: Int(rows), cols: Int(cols)) }
                }
                console = port
            } else {
                ttys.append(port)
            }
        }
    }

    /// What the child said when it failed on its own (and so took its namespaces with it): the
    /// error to report rather than the monitor's own failure that followed from it.
    private func childFailure(_ sync: Int32) -> BerthError? {
        guard Descriptor.isReadable(sync), let line = Descriptor.readLine(sync), line.hasPrefix("error ") else { return nil }
        return BerthError(.system, String(line.dropFirst(6)))
    }

    /// Writes the container's uid and gid maps, and, when the rootfs on disk belongs to the
    /// host's root rather than to the container's (not shifted), makes an idmapped copy of its
    /// mount for the child to use as its root; then tells the child (`mapped`, with that mount's
    /// descriptor attached).
    private func mapUsers(_ pid: pid_t, sync: Int32) throws(BerthError) {
        try IDMapWriter.write(pid: pid, plan.idmap)
        // The trees to idmap: the rootfs, or an overlay's lower layer and the directory holding
        // its upper and work directories (overlayfs takes idmapped layers).
        let trees = plan.overlay.map { [$0.lower, Path.parent($0.upper)] } ?? [plan.rootfs]
        var idmapped: [Int32] = []
        defer { for fd in idmapped { close(fd) } }
        var st = stat()
        try syscall("stat", trees[0]) { stat(trees[0], &st) }
        if st.st_uid != plan.rootUID {
            let userns = try syscall("open", "/proc/\(pid)/ns/user") { open("/proc/\(pid)/ns/user", O_RDONLY | O_CLOEXEC) }
            defer { close(userns) }
            for tree in trees {
                let fd = berth_idmapped_tree(tree, userns)
                guard fd >= 0 else {
                    throw BerthError(.unsupported, "\(tree) belongs to host uid \(st.st_uid), not to the container's root (host uid \(plan.rootUID)), and its filesystem cannot be idmapped (\(currentErrno.berthDescription)); shift its ownership with berth-create's --shift-ids, or use a filesystem with idmapped mounts")
                }
                idmapped.append(fd)
            }
        }
        // `mapped` carries the first idmapped tree; an overlay's second follows as `upper`.
        for (index, word) in ["mapped", "upper"].enumerated() where index == 0 || idmapped.count > 1 {
            let message = Array("\(word)\n".utf8)
            let fd = index < idmapped.count ? idmapped[index] : -1
            let sent = message.withUnsafeBytes { berth_send_with_fd(sync, $0.baseAddress, $0.count, fd) }
            guard sent == message.count else { throw BerthError.system("sending", "the user namespace's maps to the container", currentErrno) }
        }
    }

    /// An init that exits at once (a wrong lxc.init.cmd, a missing library) is a failed start,
    /// not a RUNNING container that is gone a moment later. Init counts as up once it sleeps
    /// (waits for something) for the first time, which every real init does within
    /// milliseconds; one that keeps running for two seconds counts as up as well.
    private func waitUntilSettled() throws(BerthError) {
        let deadline = monotonicSeconds() + 2
        let statPath = "/proc/\(initPID)/stat"
        while monotonicSeconds() < deadline {
            var status: Int32 = 0
            if waitpid(initPID, &status, WNOHANG) == initPID {
                initPID = 0
                let what = (status & 0x7f) != 0 ? "was killed by signal \(status & 0x7f)" : "exited with status \((status >> 8) & 0xff)"
                throw BerthError(.system, "init (\(plan.initArgv.joined(separator: " "))) \(what) right after it started")
            }
            if let text = try? FileSystem.readText(statPath), let close = text.lastIndex(of: ")") {
                let stateChar = text[text.index(close, offsetBy: 2)]
                if stateChar == "S" || stateChar == "T" || stateChar == "t" || stateChar == "I" { return }
            }
            usleep(200)
        }
    }

    // MARK: loop

    private func loop() {
        while true {
            var fds: [pollfd] = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                                 pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
            var ports: [(ConsolePort, isClient: Bool)] = []
            for port in [console].compactMap({ $0 }) + ttys {
                if port === console || port.client != nil {
                    fds.append(pollfd(fd: port.ptx, events: Int16(POLLIN), revents: 0))
                    ports.append((port, false))
                }
                if let client = port.client {
                    // Output the client has not taken yet is written as its socket drains.
                    let events = POLLIN | (port.hasPending ? POLLOUT : 0)
                    fds.append(pollfd(fd: client, events: Int16(events), revents: 0))
                    ports.append((port, true))
                }
            }
            let inputIndex = fds.count
            let input = foregroundInput
            if let input { fds.append(pollfd(fd: input, events: Int16(POLLIN), revents: 0)) }
            let watcherBase = fds.count
            let polledWatchers = watchers
            for watcher in polledWatchers { fds.append(pollfd(fd: watcher, events: Int16(POLLIN), revents: 0)) }
            let holderBase = fds.count
            let polledHolders = holders
            for holder in polledHolders { fds.append(pollfd(fd: holder, events: Int16(POLLIN), revents: 0)) }

            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 { if errno == EINTR { continue } else { return } }

            for (index, entry) in ports.enumerated() where fds[2 + index].revents != 0 {
                let revents = Int32(fds[2 + index].revents)
                guard entry.isClient else {
                    relayFromContainer(entry.0)
                    continue
                }
                if revents & Int32(POLLOUT) != 0 { entry.0.flush() }
                if revents & ~Int32(POLLOUT) != 0 { relayFromClient(entry.0) }
            }
            if let input, fds[inputIndex].revents != 0 {
                if let bytes = Descriptor.readSome(input), let console {
                    if !bytes.isEmpty { _ = Descriptor.writeAll(console.ptx, bytes) }
                } else {
                    foregroundInput = nil  // end of the caller's input; the container keeps running
                }
            }
            // A watcher never sends anything after its request: readable means it hung up.
            var gone: [Int32] = []
            for (offset, watcher) in polledWatchers.enumerated() where fds[watcherBase + offset].revents != 0 {
                gone.append(watcher)
            }
            for fd in gone where watchers.contains(fd) { close(fd) }
            watchers.removeAll { gone.contains($0) }
            // Likewise a holder: readable means it is done (or died); the last one thaws.
            let released = polledHolders.enumerated().filter { fds[holderBase + $0.offset].revents != 0 }.map(\.element)
            if !released.isEmpty { releaseHolds(released) }
            if fds[1].revents != 0 { accept() }
            if fds[0].revents != 0, handleSignals() { return }
        }
    }

    /// Handles pending signals; true when the container has ended for good.
    private func handleSignals() -> Bool {
        while true {
            var status: Int32 = 0
            var sender: pid_t = 0
            let sig = berth_signalfd_read(signalFD, &status, &sender)
            if sig <= 0 { return false }
            switch sig {
            case SIGCHLD:
                if reapInit() { return initEnded() }
            case SIGWINCH:
                var rows: UInt16 = 0, cols: UInt16 = 0
                if options.foregroundConsole, berth_get_winsize(0, &rows, &cols) == 0 { console?.resize(rows: Int(rows), cols: Int(cols)) }
            case SIGHUP:
                _ = berth_pidfd_send_signal(initPidfd, SIGTERM)  // as LXC: a hang-up asks init to end
            default:
                _ = berth_pidfd_send_signal(initPidfd, sig)
            }
        }
    }

    private func reapInit() -> Bool {
        var ended = false
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return ended }
            if pid == initPID {
                initStatus = status
                ended = true
            }
        }
    }

    /// Init ended: clean up, and boot again when it rebooted. True when the monitor is done.
    private func initEnded() -> Bool {
        let signal = initStatus & 0x7f
        // reboot(2) inside a pid namespace ends its init with SIGHUP.
        let reboot = !stopRequested && (signal == SIGHUP || rebootRequested)
        setState(.stopping)
        let target = reboot ? "reboot" : "stop"
        let hooks = HookRunner(plan: plan)
        do throws(BerthError) { try hooks.run(.stop, extra: ["LXC_TARGET=\(target)"]) } catch { options.log(error.message) }
        teardown()
        var postStopFailed = false
        do throws(BerthError) { try hooks.run(.postStop, extra: ["LXC_TARGET=\(target)"]) } catch {
            options.log(error.message)
            postStopFailed = true  // as LXC: a failing post-stop hook turns a reboot into a stop
        }
        guard reboot && !postStopFailed else { return true }
        do throws(BerthError) {
            try boot()
            return false
        } catch {
            options.log("reboot of \(plan.name) failed: \(error.message)")
            return true
        }
    }

    /// Releases what one boot set up: the terminals and the cgroup. The console ring and log
    /// survive a reboot.
    private func teardown() {
        console?.close()
        console = nil
        for tty in ttys { tty.close() }
        ttys = []
        if initPidfd >= 0 { close(initPidfd) }
        initPidfd = -1
        initPID = 0
        // Phys devices go back to the host while the namespace is still held open.
        for problem in network?.detach() ?? [] { options.log(problem) }
        do throws(BerthError) { try cgroup.remove() } catch { options.log(error.message) }
    }

    /// The end: STOPPED for the watchers, the socket name released, then the stop waiters
    /// answered, so that a berth-stop that returns sees a container that can start again.
    private func finish() {
        setState(.stopped)
        for watcher in watchers { close(watcher) }
        watchers = []
        // Before the socket closes: once it is gone a new start may begin, and it must find
        // nothing of this run.
        if !plan.cgroupless { monitorCgroup.leave() }
        for fd in holders { close(fd) }
        holders = []
        listener.close()
        // An ephemeral container is gone before its stop is answered (the socket is closed, so
        // the destroy sees it STOPPED).
        if plan.ephemeral, let name = try? ContainerName(plan.name) {
            do throws(BerthError) {
                try ContainerDestroyer().destroy(Container(lxcpath: plan.lxcpath, name: name), force: false, withSnapshots: true)
            } catch {
                options.log("destroying the ephemeral container \(plan.name): \(error.message)")
            }
        }
        for waiter in stopWaiters { close(waiter) }
        stopWaiters = []
        consoleLog?.close()
        rawTerminal?.restore()
        // The host ends of the veths are not deleted here: they go with the container's network
        // namespace, which the kernel tears down in the background once its last user is gone,
        // so neither the caller nor this exit waits for it.
    }

    private func shellStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal != 0 ? 128 + signal : (status >> 8) & 0xff
    }

    // MARK: console relay

    private func relayFromContainer(_ port: ConsolePort) {
        guard let bytes = Descriptor.readSome(port.ptx), !bytes.isEmpty else { return }
        if port === console {
            ring.append(bytes)
            consoleLog?.append(bytes)
            if options.foregroundConsole { _ = Descriptor.writeAll(1, bytes) }
        }
        // Queued for the client: one that stopped reading (a SIGSTOPped berth-console) is
        // dropped once it is a bounded amount behind, so the monitor never waits for it.
        port.send(bytes)
    }

    private func relayFromClient(_ port: ConsolePort) {
        guard let client = port.client else { return }
        guard let bytes = Descriptor.readSome(client) else {
            port.dropClient()
            return
        }
        if !bytes.isEmpty { _ = Descriptor.writeAll(port.ptx, bytes) }
    }

    // MARK: requests

    private func accept() {
        let fd = Glibc.accept(listenFD, nil, nil)
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard CommandSocket.Peer.isTrusted(fd) else {
            Descriptor.writeAll(fd, "err permission denied\n")
            close(fd)
            return
        }
        // A client that connects and says nothing must not stall the container's monitor.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let line = Descriptor.readLine(fd, limit: 256), let request = MonitorRequest(line: line) else {
            Descriptor.writeAll(fd, "err unknown request\n")
            close(fd)
            return
        }
        handle(request, fd)
    }

    private func handle(_ request: MonitorRequest, _ fd: Int32) {
        switch request {
        case .state:
            Descriptor.writeAll(fd, "ok \(state.rawValue) \(initPID)\n")
            close(fd)
        case .initPidfd:
            let reply = Array("ok \(initPID)\n".utf8)
            _ = reply.withUnsafeBytes { berth_send_with_fd(fd, $0.baseAddress, $0.count, initPidfd) }
            close(fd)
        case .freeze, .thaw:
            let frozen = request == .freeze
            guard state == .running || state == .frozen else {
                Descriptor.writeAll(fd, "err the container is \(state.rawValue), not RUNNING\n")
                close(fd)
                return
            }
            do throws(BerthError) {
                try CgroupFreezer(cgroup: cgroup).set(frozen: frozen)
                setState(frozen ? .frozen : .running)
                Descriptor.writeAll(fd, "ok\n")
            } catch {
                Descriptor.writeAll(fd, "err \(error.message)\n")
            }
            close(fd)
        case .hold:
            guard state == .running || state == .frozen else {
                Descriptor.writeAll(fd, "err the container is \(state.rawValue), not RUNNING\n")
                close(fd)
                return
            }
            do throws(BerthError) {
                if holders.isEmpty { frozenBeforeHold = state == .frozen }
                if state == .running {
                    try CgroupFreezer(cgroup: cgroup).set(frozen: true)
                    setState(.frozen)
                }
                holders.append(fd)
                Descriptor.writeAll(fd, "ok\n")
            } catch {
                Descriptor.writeAll(fd, "err \(error.message)\n")
                close(fd)
            }
        case .halt:
            thawForStop()
            let sig = haltSignal()
            _ = berth_pidfd_send_signal(initPidfd, sig)
            Descriptor.writeAll(fd, "ok \(sig)\n")
            close(fd)
        case .reboot:
            thawForStop()
            rebootRequested = true
            _ = berth_pidfd_send_signal(initPidfd, plan.rebootSignal)
            Descriptor.writeAll(fd, "ok\n")
            close(fd)
        case .stop:
            thawForStop()
            stopRequested = true
            _ = berth_pidfd_send_signal(initPidfd, plan.stopSignal)
            Descriptor.writeAll(fd, "ok\n")
            stopWaiters.append(fd)  // closed once the container is gone and cleaned up
        case .watch:
            Descriptor.writeAll(fd, "ok\nstate \(state.rawValue)\n")
            Descriptor.setNonBlocking(fd)
            watchers.append(fd)
        case .console(let tty, let rows, let cols):
            guard let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil) else {
                let what = tty == 0 ? "the container has no console (lxc.console.path = none)" : "no tty \(tty) (lxc.tty.max = \(ttys.count))"
                Descriptor.writeAll(fd, "err \(what)\n")
                close(fd)
                return
            }
            guard port.client == nil, !(tty == 0 && options.foregroundConsole) else {
                Descriptor.writeAll(fd, "err \(tty == 0 ? "the console" : "tty \(tty)") is in use by another client\n")
                close(fd)
                return
            }
            Descriptor.writeAll(fd, "ok\n")
            port.resize(rows: rows, cols: cols)
            Descriptor.setNonBlocking(fd)
            port.client = fd
            // The replay goes through the client's bounded queue like any later output.
            if tty == 0 { port.send(ring.contents) }
        case .winch(let tty, let rows, let cols):
            let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil)
            port?.resize(rows: rows, cols: cols)
            Descriptor.writeAll(fd, "ok\n")
            close(fd)
        }
    }

    private func releaseHolds(_ released: [Int32]) {
        for fd in released { close(fd) }
        holders.removeAll { released.contains($0) }
        guard holders.isEmpty, !frozenBeforeHold, state == .frozen else { return }
        try? CgroupFreezer(cgroup: cgroup).set(frozen: false)
        setState(.running)
    }

    /// A frozen container cannot act on a signal (on v1 not even die of SIGKILL): thaw it first.
    private func thawForStop() {
        for fd in holders { close(fd) }
        holders = []
        guard state == .frozen else { return }
        try? CgroupFreezer(cgroup: cgroup).set(frozen: false)
        setState(.running)
    }

    /// `lxc.signal.halt`, else SIGRTMIN+3 for an init that blocks it (systemd, which waits for it
    /// on a signalfd), else SIGPWR, as LXC decides.
    private func haltSignal() -> Int32 {
        if let configured = plan.haltSignal { return configured }
        let rtmin3: Int32 = 34 + 3
        if let status = try? FileSystem.readText("/proc/\(initPID)/status"),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
           let mask = UInt64(line.dropFirst(7).trimmingSpaces, radix: 16),
           mask & (UInt64(1) << UInt64(rtmin3 - 1)) != 0 {
            return rtmin3
        }
        return SIGPWR
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop(while: { $0 == " " || $0 == "\t" })) }
}
