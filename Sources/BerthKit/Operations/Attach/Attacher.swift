import SystemPackage

/// berth-attach: runs a command inside a running container — in every namespace of its init,
/// in its cgroup, with its capability bounding set — and returns the command's exit status.
///
/// Three processes, as in LXC: this one stays on the host (relaying a terminal when there is
/// one); a helper joins the cgroup and the namespaces (`setns` on init's pidfd) and forks the
/// command, which is then a process of the container's pid namespace; the helper passes its
/// status back. Standard input, output and error are handed straight to the command when they
/// are not a terminal, so pipes and files pass byte for byte.
public struct Attacher {
    public let container: Container

    public init(container: Container) { self.container = container }

    public func run(_ options: AttachOptions) throws(BerthError) -> Int32 {
        guard let reply = try MonitorClient(paths: container.paths).send(.initPidfd),
              let pidText = reply.words.first, let initPID = pid_t(pidText), initPID > 0, let pidfd = reply.passedFD else {
            throw BerthError(.notRunning, "\(container.name) is not running")
        }
        reply.fd.closeQuietly()
        defer { pidfd.closeQuietly() }
        // Before anything of this process enters the container: the image it runs there must be
        // one no process inside can write (see ExecutableGuard). May re-execute this process.
        if let monitor = ExecutableGuard.parent(of: initPID) {
            try ExecutableGuard.protect(sharingImageWith: monitor)
        }

        // Only namespaces that differ from ours: setns into one's own user namespace fails.
        let flags = Namespaces.differing(of: initPID, among: options.namespaces)
        let bounding = options.elevated ? nil : Attacher.boundingSet(of: initPID)
        let useTerminal = options.terminal ?? (Terminal.isTerminal(.standardInput) || Terminal.isTerminal(.standardOutput))
        if options.ptyLog != nil && !useTerminal {
            throw BerthError(.invalidArgument, "-L logs the command's pty, and it gets none here (no terminal): add -t")
        }
        // Opened by the caller, appended to, close-on-exec: nothing of the container reaches it.
        let log = try options.ptyLog.map { (path) throws(BerthError) in
            try FileSystem.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o600, display: "the pty log \(path)")
        }
        defer { log?.closeQuietly() }
        var environment: [String] = []
        let current = ProcessEnvironment.current
        if options.clearEnvironment {
            environment = options.keepVariables.compactMap { name in current[name].map { "\(name)=\($0)" } }
            if !environment.contains(where: { $0.hasPrefix("PATH=") }) {
                environment.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            }
        } else {
            environment = current.map { "\($0.key)=\($0.value)" }
        }
        environment.append("container=lxc")
        for variable in options.setVariables {
            let name = variable.split(separator: "=", maxSplits: 1).first.map(String.init) ?? variable
            environment.removeAll { $0.hasPrefix(name + "=") }
            environment.append(variable)
        }
        if useTerminal && !environment.contains(where: { $0.hasPrefix("TERM=") }) { environment.append("TERM=linux") }

        let pair = useTerminal ? try UnixSocket.pair(display: "attach") : nil
        // The helper's and the command's signals stay default; this process ignores the keyboard
        // signals while it waits, as lxc-attach does: they are for the command.
        for sig in [SIGINT, SIGQUIT, SIGPIPE] { ProcessControl.setSignal(sig, ignored: true) }
        // The container's seccomp policy applies to what attach runs as well (also with -e,
        // as in LXC, where -e keeps capabilities, cgroup and LSM but not the syscalls).
        let config: ContainerConfig
        if let file = options.configFile { config = try ConfigLoader.load(file) } else { config = try container.loadConfig() }
        let (policy, origin) = try StartPlan.seccompPolicy(config, readFile: { (path) throws(BerthError) in try FileSystem.readText(path) }) { "\(container.paths.config): \($0)" }
        // Generated here (or read from root's cache of programs, see SeccompProgramCache), so
        // the helper installs it with one system call.
        let seccomp = try policy.map { (p) throws(BerthError) in
            try SeccompProgramCache.program(for: p, origin: origin, directory: SeccompProgramCache.callerDirectory, writer: CurrentProcess.id)
        }
        // lxc.no_new_privs holds for attached commands as for init: no setuid gain either way.
        let noNewPrivs = config.boolean("lxc.no_new_privs")
        // A user's own container has no cgroup (see StartPlan.cgroupless).
        let cgroup = CurrentProcess.isRoot
            ? PayloadCgroup.of(running: container.name.value, lxcpath: container.paths.lxcpath, status: MonitorStatus(state: .running, words: reply.words[...]))
            : .none()
        // Born in the container's v2 cgroup where it can be: the helper then joins only the v1
        // hierarchies itself, without the kernel's global lock (see PayloadCgroup.joinSelf).
        let (helper, bornInV2) = ProcessControl.fork(intoCgroup: cgroup.processV2Directory)
        guard helper >= 0 else { throw BerthError.system("fork", "attach helper", currentErrno) }
        if helper == 0 {
            pair?.0.closeQuietly()
            AttachHelper(pidfd: pidfd, namespaces: flags, cgroup: cgroup, bornInV2: bornInV2, bounding: bounding, options: options,
                         environment: environment, terminalSocket: pair?.1, seccomp: seccomp,
                         noNewPrivs: noNewPrivs).run()
        }
        var ptx: FileDescriptor?
        if let (ours, theirs) = pair {
            theirs.closeQuietly()
            var byte: [UInt8] = [0]
            if case (1, let fd?) = UnixSocket.receive(ours, into: &byte) { ptx = fd }
            ours.closeQuietly()
        }
        if let ptx {
            if let size = Terminal.size(of: .standardInput) ?? Terminal.size(of: .standardOutput) {
                Terminal.setSize(of: ptx, rows: size.rows, cols: size.cols)
            }
            let terminal = RawTerminal(fd: .standardInput)
            // SIGTERM and SIGHUP end the relay instead of the process, so the terminal is restored
            // and the pty closed, which hangs up the command (its session loses its tty).
            var pump = TerminalPump(remote: ptx)
            pump.copyOutput = log
            pump.resized = {
                if let size = Terminal.size(of: .standardInput) { Terminal.setSize(of: ptx, rows: size.rows, cols: size.cols) }
            }
            pump.run()
            terminal?.restore()
            ptx.closeQuietly()
        }
        return ProcessControl.waitFor(helper)?.shellStatus ?? 1
    }

    /// The capability bounding set of init (CapBnd in /proc/PID/status).
    static func boundingSet(of pid: pid_t) -> UInt64? {
        guard let status = try? FileSystem.readText("/proc/\(pid)/status"),
              let line = status.splitBytes(UInt8(ascii: "\n")).first(where: { $0.startsWithBytes("CapBnd:") }) else { return nil }
        return UInt64(line.dropFirst(7).trimmingSpaces, radix: 16)
    }
}
