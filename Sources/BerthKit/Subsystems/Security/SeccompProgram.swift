/// A seccomp filter generated ahead of time (SeccompFilter.program, or read from the cache,
/// SeccompProgramCache), in the kernel's classic BPF. The container's first process gets it
/// while the monitor still makes the network, and installs it after the monitor's go with one
/// system call, so no filter is generated between the go and init's exec; attach gets it
/// before it forks its helper.
public struct SeccompProgram: Sendable {
    let instructions: [UInt8]

    /// Installs the program on the calling process (and everything it execs or forks). Without
    /// no_new_privs this needs CAP_SYS_ADMIN (in the process's user namespace).
    public func load() throws(BerthError) { try ProcessControl.installSeccomp(instructions) }
}
