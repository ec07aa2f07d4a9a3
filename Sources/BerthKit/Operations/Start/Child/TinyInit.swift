import SystemPackage

/// berth-execute's PID 1: runs one command as its child, passes the signals it gets on to it,
/// reaps every orphan, and exits with the command's status (its code, or 128 + the signal).
/// On SIGPWR or SIGTERM (a stop) every process gets SIGTERM, and SIGKILL a second later.
struct TinyInit {
    let argv: [String]
    let environment: [String]
    let channel: SetupChannel

    func run() -> Never {
        // The handshake's socket is close-on-exec; this process does not exec, so it closes its
        // end to tell the monitor that the container is up.
        guard let program = argv.first else { CurrentProcess.exitNow(127) }
        // Every signal blocked before the fork: none is lost between fork and the wait loop,
        // and the command gets them back unblocked (resetSignals) before its exec.
        ProcessControl.blockAllSignals()
        let pid = ProcessControl.fork()
        if pid == 0 {
            ProcessControl.resetSignals()
            let path = TinyInit.search(program, environment: environment)
            let err = CurrentProcess.execute(path, arguments: argv, environment: environment)
            channel.sendIfPossible(.failed("exec of \(program) in the container: \(err.berthDescription)"))
            CurrentProcess.exitNow(err == .noSuchFileOrDirectory ? 127 : 126)
        }
        guard pid > 0 else {
            channel.sendIfPossible(.failed("fork: \(BerthError.errnoText())"))
            CurrentProcess.exitNow(1)
        }
        channel.fd.closeQuietly()
        ProcessControl.setDumpable(false)
        var killAt: Double?
        while true {
            // A tenth of a second at most, so the SIGKILL deadline is kept without a timer.
            let sig = ProcessControl.nextSignal(within: 0.1)
            if sig == nil || sig == SIGCHLD {
                while let (reaped, status) = ProcessControl.reapAny() {
                    if reaped == pid { CurrentProcess.exitNow(ChildProcess.Termination(waitStatus: status).shellStatus) }
                }
            } else if let sig, sig == SIGPWR || sig == SIGTERM {
                ProcessControl.signal(pid: -1, SIGTERM)
                killAt = monotonicSeconds() + 1
            } else if let sig {
                ProcessControl.signal(pid: pid, sig)
            }
            if let deadline = killAt, monotonicSeconds() >= deadline {
                ProcessControl.signal(pid: -1, SIGKILL)
                killAt = nil
            }
        }
    }

    /// The command's path: as given when it has a `/`, else the first executable match in the
    /// container's PATH.
    static func search(_ program: String, environment: [String]) -> String {
        if program.contains("/") { return program }
        let path = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = Path.join(String(directory), program)
            if FileSystem.mayAccess(candidate, X_OK) { return candidate }
        }
        return program
    }
}
