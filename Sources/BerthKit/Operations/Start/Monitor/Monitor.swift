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
        public var report: FileDescriptor?
        /// Relay the console to this process's stdin and stdout (berth-start -F).
        public var foregroundConsole = false
        /// Give init this process's stdin, stdout and stderr, no console (berth-execute).
        public var inheritStdio = false
        /// Messages after the first boot (a failed reboot) go here.
        public var log: (String) -> Void = { _ in }
        /// berth-start -o and -l: the container's log here, over lxc.log.file and lxc.log.level.
        public var logFile: String?
        public var logLevel: LogLevel?
        /// A pidfd of the daemonized berth-start waiting for `report`: the monitor moves into
        /// its own cgroup once that process has ended (see `enterOwnCgroup`).
        public var caller: FileDescriptor?
        /// The container's holds on its fixed MAC addresses, released when it ends.
        var macClaims: [MACClaim] = []
        /// The monitor's cgroup as berth-start prepared it before the fork (born in its v2
        /// directory, see MonitorCgroup.birthplace).
        var monitorCgroup: MonitorCgroup?

        public init() {}
    }

    let plan: StartPlan
    let paths: ContainerPaths
    let options: Options
    let listener: CommandSocket.Listener
    var listenFD: FileDescriptor { listener.fd }
    var signalFD: FileDescriptor?
    private(set) var state: ContainerState = .starting
    var initPID: pid_t = 0
    var initPidfd: FileDescriptor?
    var initStatus: Int32 = 0
    var console: ConsolePort?
    var ttys: [ConsolePort] = []
    var ring: ConsoleRing
    var consoleLog: ConsoleLog?
    /// lxc.console.path's file or device, open: the console's output is copied to it.
    var consoleDevice: FileDescriptor?
    /// The container's log (lxc.log.file, or berth-start -o), nil when it has none.
    var containerLog: ContainerLog?
    var watchers: [FileDescriptor] = []
    /// Connections holding the container frozen (`hold`); it thaws when the last one closes,
    /// unless it was frozen before the first hold.
    var holders: [FileDescriptor] = []
    var frozenBeforeHold = false
    var stopWaiters: [FileDescriptor] = []
    var stopRequested = false
    var rebootRequested = false
    /// lxc.monitor.unshare done: the monitor is in a mount namespace of its own.
    var unsharedMounts = false
    var cgroup: PayloadCgroup
    var monitorCgroup: MonitorCgroup
    /// The payload cgroup as `state` reports it: nil at Berth's own place for the name.
    let reportedCgroup: PayloadCgroup?
    /// The berth-start waiting for the report, until it has ended (see enterOwnCgroup).
    var waitingCaller: FileDescriptor?
    /// The cgroups this boot made above the payload's (lxc.cgroup.dir), removed at teardown.
    var madeCgroupParents: [String] = []
    /// The last boot's cgroup could not be removed (a process the kernel would not let go):
    /// the monitor then leaves its lock file, for the next stop or destroy to find and sweep.
    var cgroupLeftBehind = false
    /// This boot's interfaces; the previous boot's until its host ends are released.
    var network: NetworkAttachment?
    var foregroundInput: FileDescriptor?
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
        // lxc.cgroup.relative: below the cgroups of the start (this process has not moved yet).
        let base = plan.cgroupPlacement.relative ? try? FileSystem.readText("/proc/self/cgroup") : nil
        let layout = plan.cgroupLayout
        cgroup = plan.cgroupless ? .none(layout: layout)
            : PayloadCgroup(path: plan.cgroupPlacement.payload, inner: plan.cgroupPlacement.inner, layout: layout, baseCgroups: base)
        monitorCgroup = options.monitorCgroup ?? MonitorCgroup(placement: plan.cgroupPlacement, layout: layout, baseCgroups: base)
        // Other commands find a standard placement from the name; any other is told.
        reportedCgroup = plan.cgroupless || plan.cgroupPlacement.isStandard(name: plan.name, lxcpath: plan.lxcpath) ? nil : cgroup
    }

    /// Boots the container and runs it until it stops. Returns the status for the tool: 0, 1 when
    /// the first boot failed, or for berth-execute the command's status.
    /// Why the first boot failed, for a caller in this process (foreground, execute): the daemon's
    /// caller hears it through the report pipe instead.
    public private(set) var failure: String?

    public func run() -> Int32 {
        ProcessControl.name(comm: "berth monitor", title: "[berth monitor] \(plan.lxcpath) \(plan.name)")
        // Every signal arrives through the signalfd, in the loop; none interrupts a step.
        ProcessControl.blockAllSignalsButFaults()
        // Nothing the caller had open lives on in the monitor, and so in the container it
        // starts, its hooks or its tiny init (berth-start -F and berth-execute run the monitor
        // in the caller's process): only stdio, the socket, its lock and the report pipe stay.
        FileDescriptor.closeAll(except: [listener.fd, listener.lockFD] + [options.report, options.caller].compactMap { $0 } + options.macClaims.map(\.fd))
        let watched: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR, SIGWINCH, SIGALRM]
        signalFD = ProcessControl.signalFD(watched)

        if options.foregroundConsole && !options.inheritStdio {
            foregroundInput = .standardInput
            FileDescriptor.standardInput.setNonBlocking()
            rawTerminal = RawTerminal(fd: .standardInput)
        }

        do throws(BerthError) {
            let file = options.logFile ?? plan.logFile
            if file != nil || plan.logSyslog != nil {
                do throws(BerthError) {
                    containerLog = try ContainerLog(path: file, syslog: plan.logSyslog, level: options.logLevel ?? plan.logLevel, name: plan.name)
                } catch {
                    throw BerthError(error.code, "\(options.logFile == nil ? "lxc.log.file" : "-o"): \(error.message)", errno: error.errno)
                }
                containerLog?.write(.info, "starting (lxcpath \(plan.lxcpath), monitor pid \(CurrentProcess.id))")
            }
            if let path = plan.consolePath, !options.inheritStdio {
                // A device (a host tty) is attached both ways; a regular file takes the output,
                // appended (made 0600 if missing, as LXC does).
                let fd = try FileSystem.open(path, O_RDWR | O_NOCTTY | O_APPEND | O_CREAT | O_NONBLOCK, mode: 0o600, display: "lxc.console.path \(path)")
                consoleDevice = fd
                if let st = try? FileSystem.status(of: fd, display: path), st.st_mode & S_IFMT == S_IFCHR, foregroundInput == nil {
                    foregroundInput = fd
                }
            }
            if let file = plan.consoleLogfile {
                do throws(BerthError) {
                    consoleLog = try ConsoleLog(path: file, limit: plan.consoleLogLimit, rotate: plan.consoleLogRotate)
                } catch {
                    throw BerthError(error.code, "lxc.console.logfile: \(error.message)", errno: error.errno)
                }
            }
            try boot()
        } catch {
            failure = error.message
            containerLog?.write(.error, "start failed: \(error.message)")
            report("ABORTING \(error.message)")
            finish()
            return 1
        }
        containerLog?.write(.info, "running: init is pid \(initPID)")
        report("RUNNING \(initPID)")
        // The monitor's own cgroup, once the caller has its answer and has gone (see
        // enterOwnCgroup); at once when the caller is this process.
        if let caller = options.caller { waitingCaller = caller } else { enterOwnCgroup() }
        // The boot's allocations (config, plan, netlink buffers) are freed by now: their pages
        // go back to the host rather than staying with the monitor for the container's life.
        CurrentProcess.returnFreeMemory()
        loop()
        finish()
        if plan.tinyInit { return ChildProcess.Termination(waitStatus: initStatus).shellStatus }
        return 0
    }

    /// Moves the monitor into its own cgroup. Off the start's path on purpose: a daemonized
    /// monitor was born in its v2 cgroup (see ContainerStarter), and the v1 hierarchies' nine
    /// or so directories and moves are work the berth-start waiting for the report need not
    /// wait for, so the monitor does them once that process has ended. The boot's hooks ran in
    /// the caller's v1 cgroups, as short-lived as the boot. Not fatal: the monitor can work
    /// from the caller's cgroup.
    func enterOwnCgroup() {
        waitingCaller?.closeQuietly()
        waitingCaller = nil
        do throws(BerthError) { if !plan.cgroupless { try monitorCgroup.enter() } } catch {
            logProblem("berth monitor: running in the caller's cgroup: \(error.message)")
        }
    }

    /// A problem after the first boot: in the container's log and for the caller.
    func logProblem(_ message: String) {
        containerLog?.write(.warn, message)
        options.log(message)
    }

    func report(_ line: String) {
        guard let fd = options.report else { return }
        fd.writeFully(line + "\n")
        fd.closeQuietly()
    }

    /// `announced` false: the state is only logged and kept, for Monitor.finish, which marks
    /// and tells it in its own order.
    func setState(_ new: ContainerState, announced: Bool = true) {
        if new != state { containerLog?.write(.notice, "state \(new.rawValue)") }
        state = new
        guard announced else { return }
        // The lock file's mark first: whoever hears of the state from here on and then reads
        // the mark must find it there (berth-wait right after berth-start returned).
        listener.record(new)
        tellWatchers(new)
    }

    /// A state line to every watcher. A watcher that does not read its state lines is dropped,
    /// never waited for.
    func tellWatchers(_ new: ContainerState) {
        var alive: [FileDescriptor] = []
        for watcher in watchers {
            if watcher.sendNow("state \(new.rawValue)\n") { alive.append(watcher) } else { watcher.closeQuietly() }
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
        // lxc.mount.auto shmounts: the host's end, made on the host before the monitor may
        // leave the host's mount namespace (and before the clone copies it for the container).
        if let shared = plan.autoMounts.sharedMounts { try MountCalls.sharedTree(at: shared.host, display: "lxc.mount.auto shmounts \(shared.host)") }
        // lxc.monitor.unshare: the monitor's own mount namespace, made before the pre-start
        // hooks, so what they mount stays out of the host's (once: a reboot finds it made).
        if plan.monitorUnshare && !unsharedMounts {
            try Namespaces.unshare(.mount)
            try MountCalls.stopPropagation()
            unsharedMounts = true
        }
        try hooks.run(.preStart)
        // (A leftover of a killed monitor is swept by create.)
        madeCgroupParents += try cgroup.create()
        // Limits before init exists: nothing of the container ever runs unlimited. Device rules
        // wait until the child has populated /dev (mknod is itself a device access), see spawn.
        do throws(BerthError) {
            try cgroup.apply(plan.cgroupWrites.filter { $0.controller != "devices" })
            // With an inner cgroup the device rules go on now, before it exists: the kernel
            // takes "a" (all devices) only on a cgroup without children. (So /dev is populated
            // under them: making nodes is allowed by Berth's default list.)
            if cgroup.inner != nil {
                try cgroup.apply(plan.cgroupWrites.filter { $0.controller == "devices" })
                try cgroup.createInner()
            }
            if !plan.idmap.isEmpty { try cgroup.delegate(uid: plan.rootUID, gid: plan.rootGID) }
        } catch {
            cgroupLeftBehind = (try? cgroup.remove()) == nil
            PayloadCgroup.removeMadeParents(madeCgroupParents)
            throw error
        }
        do throws(BerthError) {
            try spawn(hooks)
        } catch {
            setState(.aborting)
            if let initPidfd { ProcessControl.signal(pidfd: initPidfd, SIGKILL) }
            if initPID > 0 { _ = ProcessControl.waitFor(initPID) }
            teardown()
            throw error
        }
        setState(.running)
    }

    // MARK: loop

    func loop() {
        while true {
            var fds = PollSet()
            let signalIndex = signalFD.map { fds.add($0) }
            let listenIndex = fds.add(listenFD)
            var ports: [(ConsolePort, isClient: Bool, index: Int)] = []
            for port in [console].compactMap({ $0 }) + ttys {
                if port === console || port.client != nil {
                    ports.append((port, false, fds.add(port.ptx)))
                }
                if let client = port.client {
                    // Output the client has not taken yet is written as its socket drains.
                    ports.append((port, true, fds.add(client, port.hasPending ? [.readable, .writable] : .readable)))
                }
            }
            let input = foregroundInput
            let inputIndex = input.map { fds.add($0) }
            let polledWatchers = watchers.map { ($0, fds.add($0)) }
            let polledHolders = holders.map { ($0, fds.add($0)) }
            let callerIndex = waitingCaller.map { fds.add($0) }

            guard let ready = fds.wait() else { return }
            if ready == 0 { continue }
            if let callerIndex, fds.isReady(callerIndex) { enterOwnCgroup() }

            for entry in ports where fds.isReady(entry.index) {
                guard entry.isClient else {
                    relayFromContainer(entry.0)
                    continue
                }
                if fds.isWritable(entry.index) { entry.0.flush() }
                if fds.hasInputOrHangUp(entry.index) { relayFromClient(entry.0) }
            }
            if let input, let inputIndex, fds.isReady(inputIndex) {
                if let bytes = input.readAvailable(), let console {
                    if !bytes.isEmpty { _ = console.ptx.writeFully(bytes) }
                } else {
                    foregroundInput = nil  // end of the caller's input; the container keeps running
                }
            }
            // A watcher never sends anything after its request: readable means it hung up.
            let gone = polledWatchers.filter { fds.isReady($0.1) }.map(\.0)
            for fd in gone where watchers.contains(fd) { fd.closeQuietly() }
            watchers.removeAll { gone.contains($0) }
            // Likewise a holder: readable means it is done (or died); the last one thaws.
            let released = polledHolders.filter { fds.isReady($0.1) }.map(\.0)
            if !released.isEmpty { releaseHolds(released) }
            if fds.isReady(listenIndex) { accept() }
            if let signalIndex, fds.isReady(signalIndex), handleSignals() { return }
        }
    }

    /// Handles pending signals; true when the container has ended for good.
    func handleSignals() -> Bool {
        guard let signalFD else { return false }
        while true {
            let sig = ProcessControl.readSignal(signalFD).signal
            if sig == 0 { return false }
            switch sig {
            case SIGCHLD:
                if reapInit() { return initEnded() }
            case SIGWINCH:
                if options.foregroundConsole, let size = Terminal.size(of: .standardInput) { console?.resize(rows: Int(size.rows), cols: Int(size.cols)) }
            case SIGHUP:
                signalInit(SIGTERM)  // as LXC: a hang-up asks init to end
            default:
                signalInit(sig)
            }
        }
    }

    func reapInit() -> Bool {
        var ended = false
        while let (pid, status) = ProcessControl.reapAny() {
            if pid == initPID {
                initStatus = status
                ended = true
            }
        }
        return ended
    }

    /// Sends `signal` to init through its pidfd (never to a recycled pid).
    func signalInit(_ signal: Int32) {
        if let initPidfd { ProcessControl.signal(pidfd: initPidfd, signal) }
    }

    /// Init ended: clean up, and boot again when it rebooted. True when the monitor is done.
    func initEnded() -> Bool {
        // reboot(2) inside a pid namespace ends its init with SIGHUP.
        let rebooted = ChildProcess.Termination(waitStatus: initStatus) == .signaled(SIGHUP)
        let reboot = !stopRequested && (rebooted || rebootRequested)
        containerLog?.write(.info, "init (pid \(initPID)) \(ChildProcess.Termination(waitStatus: initStatus).description)\(reboot ? "; rebooting" : "")")
        setState(.stopping)
        let target = reboot ? "reboot" : "stop"
        let hooks = HookRunner(plan: plan)
        do throws(BerthError) { try hooks.run(.stop, extra: ["LXC_TARGET=\(target)"]) } catch { logProblem(error.message) }
        teardown()
        var postStopFailed = false
        do throws(BerthError) { try hooks.run(.postStop, extra: ["LXC_TARGET=\(target)"]) } catch {
            logProblem(error.message)
            postStopFailed = true  // as LXC: a failing post-stop hook turns a reboot into a stop
        }
        guard reboot && !postStopFailed else { return true }
        do throws(BerthError) {
            try boot()
            return false
        } catch {
            logProblem("reboot of \(plan.name) failed: \(error.message)")
            return true
        }
    }
}
