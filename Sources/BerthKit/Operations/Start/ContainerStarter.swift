import SystemPackage

/// berth-start and berth-execute: checks the container, builds its start plan, and runs a
/// monitor for it — in a daemon process (the default: this call returns once the container is
/// RUNNING, or throws why it is not), or in this process (foreground, until the container ends).
public struct ContainerStarter {
    public enum Mode {
        /// Detach; return when the container runs. `pidfile` gets the monitor's pid.
        case daemon(pidfile: String?)
        /// Stay attached with the console on this terminal; return when the container stops.
        case foreground
        /// berth-execute: run the command under a tiny init with this process's stdio.
        case execute
        /// berth-execute -d: the command under a tiny init, detached as `daemon` is (its
        /// output goes to the console); the container ends when the command does.
        case executeDetached
    }

    public let container: Container
    /// `-s KEY=VALUE` settings applied over the config.
    public let defines: [String]
    public let initArguments: [String]
    public let mode: Mode
    /// berth-start -f: this config file instead of the container's.
    public let extraConfig: String?
    public var log: (String) -> Void = { _ in }
    /// The bridge a start creates when a veth names it and it is missing (berth.conf).
    public let managedBridge: ManagedBridge?
    /// berth-start -o and -l: the container's log (its monitor's lines) goes here, at this
    /// level, instead of lxc.log.file at lxc.log.level.
    public var logFile: String?
    public var logLevel: LogLevel?

    public init(container: Container, defines: [String] = [], initArguments: [String] = [], mode: Mode, extraConfig: String? = nil,
                managedBridge: ManagedBridge? = nil) {
        self.managedBridge = managedBridge
        self.container = container
        self.defines = defines
        self.initArguments = initArguments
        self.mode = mode
        self.extraConfig = extraConfig
    }

    /// Starts the container. Returns the tool's exit status (for execute: the command's).
    public func start(warn: @escaping (String) -> Void) throws(BerthError) -> Int32 {
        let paths = container.paths
        if let config = extraConfig {
            guard FileSystem.isFile(config) else { throw BerthError(.notFound, "config file \(config) does not exist") }
        }
        guard container.isDefined else {
            throw BerthError(.notFound, "\(container.name) doesn't exist (no \(paths.config))")
        }
        let client = MonitorClient(paths: paths)
        if client.status().state != .stopped {
            throw BerthError(.busy, "\(container.name) is already running")
        }
        let config = try ConfigLoader.load(extraConfig ?? paths.config, overrides: defines, warn: warn)
        var isExecute = false
        if case .execute = mode { isExecute = true }
        if case .executeDetached = mode { isExecute = true }
        let plan = try StartPlan(container: container, config: config, initArguments: initArguments, tinyInit: isExecute,
                                 inputs: .host(managedBridge: managedBridge))
        for note in plan.securityNotes { warn(note) }
        if let facility = plan.logSyslog, case let socket = SyslogSocket(facility: facility), !socket.isListening {
            warn("lxc.log.syslog = \(facility): nothing listens on \(socket.path) now; the container's log lines reach syslog only once a syslog daemon does")
        }
        // Each fixed MAC address is claimed before anything is made (a running container with
        // one of them refuses this start); the monitor holds the claims until the container ends.
        let claims = try MACClaim.claim(plan.interfaces.compactMap { interface in interface.mac.map { (interface.index, $0) } }, paths: paths)
        // The managed bridge's services are up before the monitor starts, from this process:
        // a DHCP server started by the monitor would be left in its cgroup, removed at stop.
        if let managedBridge {
            do throws(BerthError) {
                try ManagedNetwork(bridge: managedBridge).prepareStart(name: container.name.value, interfaces: plan.interfaces, warn: warn)
            } catch {
                for claim in claims { claim.release() }
                throw error
            }
        }

        switch mode {
        case .foreground, .execute:
            var options = Monitor.Options()
            options.logFile = logFile
            options.logLevel = logLevel
            options.foregroundConsole = !isExecute
            options.inheritStdio = isExecute
            options.log = warn
            options.macClaims = claims
            let monitor: Monitor
            do throws(BerthError) {
                let lock = try ContainerLock.acquire(paths, timeout: 30)
                guard let made = try Monitor(plan: plan, paths: paths, options: options) else {
                    lock.release()
                    throw BerthError(.busy, "\(container.name) is already running")
                }
                lock.release()
                monitor = made
            } catch {
                for claim in claims { claim.release() }
                throw error
            }
            let status = monitor.run()
            if let failure = monitor.failure {
                throw BerthError(.system, "\(container.name) failed to start: \(failure)")
            }
            return status
        case .daemon(let pidfile):
            return try daemonize(plan: plan, claims: claims, pidfile: pidfile, warn: warn)
        case .executeDetached:
            // The command's status has nobody to go to: as lxc-execute -d, 0 once it runs.
            return try daemonize(plan: plan, claims: claims, pidfile: nil, warn: warn)
        }
    }

    /// `claims` go to the monitor, which releases them when it ends; this process only closes
    /// its copies (the lock stays with the monitor's).
    private func daemonize(plan: StartPlan, claims: [MACClaim], pidfile: String?, warn: @escaping (String) -> Void) throws(BerthError) -> Int32 {
        let paths = container.paths
        defer { for claim in claims { claim.fd.closeQuietly() } }
        // Close-on-exec: the monitor's hooks and the container never inherit the report pipe.
        let report: (read: FileDescriptor, write: FileDescriptor)
        do throws(BerthError) { report = try FileDescriptor.closeOnExecPipe(display: "the monitor's report pipe") } catch {
            for claim in claims { claim.clear() }
            throw error
        }
        // Tells the monitor when this process has ended (see Monitor.enterOwnCgroup).
        let caller = ProcessControl.pidfd(of: CurrentProcess.id)
        defer { caller?.closeQuietly() }
        // One fork: the child starts a session of its own (no terminal, no job control of the
        // caller's shell) and is the monitor. It is this process's child only until this
        // process returns, which it does once the monitor reports; the host's init (or the
        // nearest subreaper) adopts it then. Every terminal the monitor opens is opened with
        // O_NOCTTY, so a session leader without a controlling terminal stays without one.
        // Born in its own v2 cgroup where it can be: a monitor that moved itself there would
        // take the kernel's global lock on thread groups, which first waits for an RCU grace
        // period (milliseconds) in which it could not answer the commands that follow a start.
        // (Its v1 hierarchies it joins without that lock, see MonitorCgroup.enter.)
        var monitorCgroup = MonitorCgroup(placement: plan.cgroupPlacement, layout: plan.cgroupLayout, baseCgroups: nil)
        let birthplace = plan.cgroupless || plan.cgroupPlacement.relative ? nil : monitorCgroup.birthplace()
        let (monitorPID, bornInV2) = ProcessControl.fork(intoCgroup: birthplace)
        guard monitorPID >= 0 else {
            let error = currentErrno
            for claim in claims { claim.clear() }
            if let birthplace { monitorCgroup.removeBirthplace(birthplace) }
            throw BerthError.system("fork", "monitor", error)
        }
        if monitorPID == 0 {
            monitorCgroup.bornInV2 = bornInV2
            report.read.closeQuietly()
            CurrentProcess.startSession()
            (try? FileSystem.open("/dev/null", O_RDWR))?.becomeStandardStreams()
            // Nothing the caller had open may live on in the monitor and the container: a
            // caller waiting for end of file on a pipe it gave berth-start would wait for ever.
            FileDescriptor.closeAll(except: [report.write] + [caller].compactMap { $0 } + claims.map(\.fd))
            try? CurrentProcess.changeDirectory("/")
            var options = Monitor.Options()
            options.logFile = logFile
            options.logLevel = logLevel
            options.report = report.write
            options.caller = caller
            options.macClaims = claims
            if birthplace != nil { options.monitorCgroup = monitorCgroup }
            do throws(BerthError) {
                let lock = try ContainerLock.acquire(paths, timeout: 30)
                guard let monitor = try Monitor(plan: plan, paths: paths, options: options) else {
                    for claim in claims { claim.release() }
                    report.write.writeFully("ABORTING \(container.name) is already running\n")
                    CurrentProcess.exitNow(1)
                }
                if let pidfile {
                    try? FileSystem.writeAtomically(pidfile, text: "\(CurrentProcess.id)\n", mode: 0o644)
                }
                lock.release()
                CurrentProcess.exitNow(monitor.run())
            } catch {
                for claim in claims { claim.release() }
                report.write.writeFully("ABORTING \(error.message)\n")
                CurrentProcess.exitNow(1)
            }
        }
        report.write.closeQuietly()
        let line = report.read.readLine() ?? ""
        report.read.closeQuietly()
        if line.hasPrefix("RUNNING") { return 0 }
        // A monitor that failed ends right after its report: reaped here rather than left to
        // whoever adopts it. A monitor that failed before it booted (its lock, its socket) never
        // left the v2 cgroup it was born in, which it could not remove while in it: gone now.
        _ = ProcessControl.waitFor(monitorPID)
        if let birthplace { monitorCgroup.removeBirthplace(birthplace) }
        if line.hasPrefix("ABORTING ") {
            throw BerthError(.system, "\(container.name) failed to start: \(line.dropFirst(9))")
        }
        throw BerthError(.system, "\(container.name) failed to start: its monitor ended without a word")
    }
}
