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
        guard let program = argv.first else { _exit(127) }
        var all = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_SETMASK, &all, nil)
        let pid = fork()
        if pid == 0 {
            SignalDefaults.restore()
            let path = TinyInit.search(program, environment: environment)
            let err: Int32 = CStringArray(argv).withPointers { a in
                CStringArray(environment).withPointers { e in
                    execve(path, a, e)
                    return errno
                }
            }
            channel.sendIfPossible(.failed("exec of \(program) in the container: \(BerthError.errnoText(err))"))
            _exit(err == ENOENT ? 127 : 126)
        }
        guard pid > 0 else {
            channel.sendIfPossible(.failed("fork: \(BerthError.errnoText())"))
            _exit(1)
        }
        close(channel.fd)
        ProcessControl.setDumpable(false)
        var status: Int32 = 0
        var killAt: Double?
        while true {
            var info = siginfo_t()
            var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            let sig = sigtimedwait(&all, &info, &timeout)
            if sig == SIGCHLD || sig < 0 {
                while true {
                    var childStatus: Int32 = 0
                    let reaped = waitpid(-1, &childStatus, WNOHANG)
                    if reaped <= 0 { break }
                    if reaped == pid {
                        status = childStatus
                        _exit(ChildProcess.Termination(waitStatus: status).shellStatus)
                    }
                }
            } else if sig == SIGPWR || sig == SIGTERM {
                kill(-1, SIGTERM)
                killAt = monotonicSeconds() + 1
            } else if sig > 0 {
                kill(pid, sig)
            }
            if let deadline = killAt, monotonicSeconds() >= deadline {
                kill(-1, SIGKILL)
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
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return program
    }
}
