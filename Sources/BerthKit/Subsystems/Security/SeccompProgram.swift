/// A seccomp filter generated ahead of time (SeccompFilter.program), in the kernel's classic BPF.
/// The container's first process generates it while the monitor still makes the network, and
/// installs it after the monitor's go with one system call, so no filter is generated between
/// the go and init's exec.
public struct SeccompProgram: Sendable {
    let instructions: [UInt8]

    /// Installs the program on the calling process (and everything it execs or forks). Without
    /// no_new_privs this needs CAP_SYS_ADMIN (in the process's user namespace), as
    /// SeccompFilter.load does.
    public func load() throws(BerthError) { try ProcessControl.installSeccomp(instructions) }
}
