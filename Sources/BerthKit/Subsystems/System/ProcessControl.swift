import CBerthLinux
import SystemPackage

/// What a process sets about itself or another process (prctl, pidfds, signalfds, clone3): the
/// typed side of the C shim's process calls, so the rest of Berth never calls the shim for them.
enum ProcessControl {
    /// PR_SET_DUMPABLE. Not dumpable: no process without CAP_SYS_PTRACE over this one may
    /// ptrace it or open its /proc/PID/fd, exe or mem.
    static func setDumpable(_ on: Bool) { _ = berth_set_dumpable(on ? 1 : 0) }

    /// PR_SET_TIMERSLACK: how late the kernel may end this thread's sleeps (50 us unless set).
    static func setTimerSlack(nanoseconds: UInt) { _ = berth_set_timer_slack(nanoseconds) }

    /// PR_SET_PDEATHSIG: this process gets `signal` (SIGKILL unless said) when its parent dies.
    /// A change of credentials clears it, so it is armed again after each.
    static func dieWithParent(signal: Int32 = SIGKILL) { _ = berth_set_pdeathsig(signal) }

    /// personality(2) of this process and what it execs.
    static func setPersonality(_ persona: UInt) throws(BerthError) {
        try syscall("personality", String(persona, radix: 16)) { berth_personality(persona) }
    }

    /// A core-scheduling domain of this process's own, inherited by what it forks
    /// (lxc.sched.core): its tasks never share a core's siblings with other domains' tasks. A
    /// kernel without core scheduling (EINVAL) is named.
    static func createCoreSchedulingDomain() throws(BerthError) {
        guard berth_sched_core_create() == 0 else {
            let err = currentErrno
            if err == .invalidArgument {
                throw BerthError(.unsupported, "lxc.sched.core = 1: this kernel has no core scheduling (CONFIG_SCHED_CORE)", errno: err)
            }
            throw BerthError.system("prctl", "PR_SCHED_CORE_CREATE", err)
        }
    }

    /// A new session keyring for this process (nothing of the caller's keyring reaches what it
    /// execs). A kernel without keyrings (ENOSYS) has nothing to share: not an error.
    static func joinNewSessionKeyring() throws(BerthError) {
        if berth_join_session_keyring() != 0 && errno != ENOSYS {
            throw BerthError.system("keyctl", "KEYCTL_JOIN_SESSION_KEYRING", currentErrno)
        }
    }

    /// setrlimit(2) of `resource` (RLIMIT_*), UInt64.max meaning unlimited.
    static func setLimit(_ resource: Int32, soft: UInt64, hard: UInt64, display: String) throws(BerthError) {
        var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
        try syscall("setrlimit", display) { setrlimit(__rlimit_resource_t(resource), &limit) }
    }

    /// PR_SET_NO_NEW_PRIVS: setuid and file capabilities grant nothing from here on.
    static func forbidNewPrivileges() throws(BerthError) {
        try syscall("PR_SET_NO_NEW_PRIVS", "this process") { berth_set_no_new_privs() }
    }

    /// PR_SET_SECCOMP with a classic BPF program made ahead of time (see SeccompProgram): the
    /// calling process and all it execs or forks are filtered from here on.
    static func installSeccomp(_ instructions: [UInt8]) throws(BerthError) {
        try syscall("PR_SET_SECCOMP", "the seccomp filter") { instructions.withUnsafeBytes { berth_seccomp_install($0.baseAddress, $0.count) } }
    }

    /// PR_CAPBSET_DROP of `capability`; a number this kernel does not know (EINVAL) is not an
    /// error. False on any other failure.
    @discardableResult
    static func dropFromBoundingSet(_ capability: Int32) -> Bool {
        berth_capbset_drop(capability) == 0 || errno == EINVAL
    }

    /// The name `ps -o comm` shows, and the title `ps` shows for the whole command line.
    static func name(comm: String, title: String) {
        _ = berth_set_comm(comm)
        _ = berth_set_process_title(title)
    }

    /// A pidfd for `pid` (close-on-exec), nil when it does not exist. It turns readable when
    /// the process ends.
    static func pidfd(of pid: pid_t) -> FileDescriptor? {
        let fd = berth_pidfd_open(pid)
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }

    /// pidfd_send_signal: `signal` to the process `pidfd` names, never to a recycled pid.
    @discardableResult

    static func signal(pidfd: FileDescriptor, _ signal: Int32) -> Bool { berth_pidfd_send_signal(pidfd.rawValue, signal) == 0 }

    /// A non-blocking signalfd for `signals` (which the caller has blocked), or nil.
    static func signalFD(_ signals: [Int32]) -> FileDescriptor? {
        let fd = signals.withUnsafeBufferPointer { berth_signalfd($0.baseAddress, Int32($0.count)) }
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }

    /// One signal from a signalfd: its number (0 when none is pending), the sender's status
    /// and pid.
    static func readSignal(_ fd: FileDescriptor) -> (signal: Int32, status: Int32, sender: pid_t) {
        var status: Int32 = 0
        var sender: pid_t = 0
        let sig = berth_signalfd_read(fd.rawValue, &status, &sender)
        return (max(sig, 0), status, sender)
    }

    /// clone3 into the new namespaces `flags` (CLONE_NEW*), born in the cgroup2 directory open
    /// at `cgroup` when given and the kernel allows it. Like fork: 0 in the child; in the parent
    /// the child's pid and a pidfd for it, and whether it was born in the cgroup; -1 on failure
    /// with errno set. Only for single-threaded callers (the child goes on running Swift).
    static func clone(_ flags: UInt64, intoCgroup cgroup: FileDescriptor? = nil) -> (pid: pid_t, pidfd: FileDescriptor, bornInCgroup: Bool) {
        var pidfd: Int32 = -1
        if let cgroup {
            let pid = berth_clone_into_cgroup(flags, &pidfd, cgroup.rawValue)
            if pid >= 0 { return (pid, FileDescriptor(rawValue: pidfd), true) }
        }
        let pid = berth_clone_into(flags, &pidfd)
        return (pid, FileDescriptor(rawValue: pidfd), false)
    }
}

extension ProcessControl {
    /// kill(2) of `pid` (a negative pid: its process group). False when it failed (the process
    /// is gone, or not ours to signal).
    @discardableResult
    static func signal(pid: pid_t, _ signal: Int32) -> Bool { kill(pid, signal) == 0 }

    /// True when a process `pid` exists (kill with signal 0; EPERM means it exists but is not
    /// ours).
    static func exists(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Reaps one ended child without waiting: its pid and raw wait status, nil when none has
    /// ended (or there are no children).
    static func reapAny() -> (pid: pid_t, status: Int32)? {
        var status: Int32 = 0
        let pid = waitpid(-1, &status, WNOHANG)
        return pid > 0 ? (pid, status) : nil
    }

    /// Waits for the child `pid` to end (EINTR retried): how it ended, nil when it is not a
    /// child of this process.
    static func waitFor(_ pid: pid_t) -> ChildProcess.Termination? {
        waitStatus(of: pid).map(ChildProcess.Termination.init(waitStatus:))
    }

    /// Blocks every signal but the ones that mean a fault in this process, so that signals
    /// arrive only through a signalfd; and ignores SIGPIPE, so a peer that hangs up is a
    /// failed write, not the end of this process.
    static func blockAllSignalsButFaults() {
        var all = allSignals()
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] { sigdelset(&all, sig) }
        sigprocmask(SIG_SETMASK, &all, nil)
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }

    /// Unblocks every signal and sets every catchable one back to its default action, for a
    /// child that is about to exec something that expects a clean signal state.
    static func resetSignals() {
        for sig in Int32(1)..<Int32(65) where sig != SIGKILL && sig != SIGSTOP { _ = Glibc.signal(sig, SIG_DFL) }
        ProcessSignals.unblockAll()
    }

    /// Sets `signal`'s action: ignored or the default.
    static func setSignal(_ signal: Int32, ignored: Bool) { _ = Glibc.signal(signal, ignored ? SIG_IGN : SIG_DFL) }
}

extension ProcessControl {
    /// Reaps the child `pid` if it has ended, without waiting: how it ended, nil while it runs.
    static func reapIfEnded(_ pid: pid_t) -> ChildProcess.Termination? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? ChildProcess.Termination(waitStatus: status) : nil
    }

    /// waitpid(2) of `pid` with EINTR retried: its raw wait status, nil when it is not a child.
    static func waitStatus(of pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status
    }
}

extension ProcessControl {
    /// fork(2): 0 in the child, the child's pid in the parent, -1 with errno set on failure.
    /// Only for single-threaded callers (the child goes on running Swift).
    static func fork() -> pid_t { Glibc.fork() }

    /// fork(2), the child born in the cgroup2 directory `cgroup` (clone3 with
    /// CLONE_INTO_CGROUP) where the kernel allows it; a plain fork otherwise. Being born there
    /// spares the process a move, which in cgroup2 always takes the kernel's global lock on
    /// thread groups (see PayloadCgroup.joinSelf). Returns as fork does, and whether the child
    /// was born in the cgroup. Only for single-threaded callers: clone3 is not glibc's fork, so
    /// no at-fork handler runs, which a process with one thread (no lock held by another)
    /// does not need; the container's first process is cloned the same way.
    static func fork(intoCgroup cgroup: String?) -> (pid: pid_t, bornInCgroup: Bool) {
        if let cgroup, let directory = try? HeldDirectory.cgroupMounts.open(cgroup, O_RDONLY | O_DIRECTORY) {
            var pidfd: Int32 = -1
            let pid = berth_clone_into_cgroup(0, &pidfd, directory.rawValue)
            directory.closeQuietly()
            if pid == 0 { return (0, true) }
            if pid > 0 {
                // The pidfd clone3 always hands back is not needed: the caller has the pid.
                _ = Glibc.close(pidfd)
                return (pid, true)
            }
        }
        return (Glibc.fork(), false)
    }
}

extension ProcessControl {
    /// Blocks every signal, for a process that takes them one at a time with `nextSignal`.
    static func blockAllSignals() {
        var all = allSignals()
        sigprocmask(SIG_SETMASK, &all, nil)
    }

    /// Waits up to `seconds` for any blocked signal (sigtimedwait): its number, nil when none
    /// came in time (or the wait was interrupted).
    static func nextSignal(within seconds: Double) -> Int32? {
        var all = allSignals()
        var info = siginfo_t()
        var timeout = timespec(seconds: seconds)
        let sig = sigtimedwait(&all, &info, &timeout)
        return sig > 0 ? sig : nil
    }
}

extension ProcessControl {
    /// The set of every signal.
    private static func allSignals() -> sigset_t {
        var all = sigset_t()
        sigfillset(&all)
        return all
    }
}

extension timespec {
    /// `seconds` (fractions allowed) as a timespec.
    init(seconds: Double) {
        self.init(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    }
}
