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
    var signalFD: Int32 = -1
    private(set) var state: ContainerState = .starting
    var initPID: pid_t = 0
    var initPidfd: Int32 = -1
    var initStatus: Int32 = 0
    var console: ConsolePort?
    var ttys: [ConsolePort] = []
    var ring: ConsoleRing
    var consoleLog: ConsoleLog?
    var watchers: [Int32] = []
    /// Connections holding the container frozen (`hold`); it thaws when the last one closes,
    /// unless it was frozen before the first hold.
    var holders: [Int32] = []
    var frozenBeforeHold = false
    var stopWaiters: [Int32] = []
    var stopRequested = false
    var rebootRequested = false
    var cgroup: PayloadCgroup
    var monitorCgroup: MonitorCgroup
    /// The compiled seccomp filter, made once and loaded by every boot's first process.
    var seccomp: SeccompFilter?
    /// This boot's interfaces; the previous boot's until its host ends are released.
    var network: NetworkAttachment?
    var foregroundInput: Int32?
    var rawTerminal: RawTerminal?

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
        ProcessControl.name(comm: "berth monitor", title: "[berth monitor] \(plan.lxcpath) \(plan.name)")
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
        signalFD = ProcessControl.signalFD(watched)

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
        if plan.tinyInit { return ChildProcess.Termination(waitStatus: initStatus).shellStatus }
        return 0
    }

    func report(_ line: String) {
        guard let fd = options.report else { return }
        Descriptor.writeAll(fd, line + "\n")
        close(fd)
    }

    func setState(_ new: ContainerState) {
        state = new
        var alive: [Int32] = []
        // A watcher that does not read its state lines is dropped, never waited for.
        for watcher in watchers {
            if Descriptor.sendNow(watcher, "state \(new.rawValue)\n") { alive.append(watcher) } else { close(watcher) }
        }
        watchers = alive
    }

    // MARK: boot

    func boot() throws(BerthError) {
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
            if initPidfd >= 0 { ProcessControl.signal(pidfd: initPidfd, SIGKILL) }
            if initPID > 0 { var status: Int32 = 0; while waitpid(initPID, &status, 0) < 0 && errno == EINTR {} }
            teardown()
            throw error
        }
        setState(.running)
    }

    // MARK: loop

    func loop() {
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
    func handleSignals() -> Bool {
        while true {
            let sig = ProcessControl.readSignal(signalFD).signal
            if sig == 0 { return false }
            switch sig {
            case SIGCHLD:
                if reapInit() { return initEnded() }
            case SIGWINCH:
                if options.foregroundConsole, let size = Terminal.size(of: 0) { console?.resize(rows: Int(size.rows), cols: Int(size.cols)) }
            case SIGHUP:
                ProcessControl.signal(pidfd: initPidfd, SIGTERM)  // as LXC: a hang-up asks init to end
            default:
                ProcessControl.signal(pidfd: initPidfd, sig)
            }
        }
    }

    func reapInit() -> Bool {
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
    func initEnded() -> Bool {
        // reboot(2) inside a pid namespace ends its init with SIGHUP.
        let rebooted = ChildProcess.Termination(waitStatus: initStatus) == .signaled(SIGHUP)
        let reboot = !stopRequested && (rebooted || rebootRequested)
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
    func teardown() {
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
    func finish() {
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
}
