import CBerthLinux

/// What a process sets about itself or another process (prctl, pidfds, signalfds, clone3): the
/// typed side of the C shim's process calls, so the rest of Berth never calls the shim for them.
enum ProcessControl {
    /// PR_SET_DUMPABLE. Not dumpable: no process without CAP_SYS_PTRACE over this one may
    /// ptrace it or open its /proc/PID/fd, exe or mem.
    static func setDumpable(_ on: Bool) { _ = berth_set_dumpable(on ? 1 : 0) }

    /// PR_SET_PDEATHSIG: this process gets `signal` (SIGKILL unless said) when its parent dies.
    /// A change of credentials clears it, so it is armed again after each.
    static func dieWithParent(signal: Int32 = SIGKILL) { _ = berth_set_pdeathsig(signal) }

    /// personality(2) of this process and what it execs.
    static func setPersonality(_ persona: UInt) throws(BerthError) {
        try syscall("personality", String(persona, radix: 16)) { berth_personality(persona) }
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

    /// pidfd_send_signal: `signal` to the process `pidfd` names, never to a recycled pid.
    @discardableResult
    static func signal(pidfd: Int32, _ signal: Int32) -> Bool { berth_pidfd_send_signal(pidfd, signal) == 0 }

    /// A non-blocking signalfd for `signals` (which the caller has blocked), or -1.
    static func signalFD(_ signals: [Int32]) -> Int32 {
        signals.withUnsafeBufferPointer { berth_signalfd($0.baseAddress, Int32($0.count)) }
    }

    /// One signal from a signalfd: its number (0 when none is pending), the sender's status
    /// and pid.
    static func readSignal(_ fd: Int32) -> (signal: Int32, status: Int32, sender: pid_t) {
        var status: Int32 = 0
        var sender: pid_t = 0
        let sig = berth_signalfd_read(fd, &status, &sender)
        return (max(sig, 0), status, sender)
    }

    /// clone3 into the new namespaces `flags` (CLONE_NEW*), born in the cgroup2 directory open
    /// at `cgroup` when given and the kernel allows it. Like fork: 0 in the child; in the parent
    /// the child's pid and a pidfd for it, and whether it was born in the cgroup; -1 on failure
    /// with errno set. Only for single-threaded callers (the child goes on running Swift).
    static func clone(_ flags: UInt64, intoCgroup cgroup: Int32? = nil) -> (pid: pid_t, pidfd: Int32, bornInCgroup: Bool) {
        var pidfd: Int32 = -1
        if let cgroup {
            let pid = berth_clone_into_cgroup(flags, &pidfd, cgroup)
            if pid >= 0 { return (pid, pidfd, true) }
        }
        let pid = berth_clone_into(flags, &pidfd)
        return (pid, pidfd, false)
    }
}
