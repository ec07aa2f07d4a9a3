/// Signal names as `lxc.signal.*` accepts them: `SIGPWR`, `PWR`, `30`, `SIGRTMIN+3`.
public enum SignalName {
    static let table: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP,
        "ABRT": SIGABRT, "IOT": SIGABRT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL,
        "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM,
        "TERM": SIGTERM, "STKFLT": SIGSTKFLT, "CHLD": SIGCHLD, "CLD": SIGCHLD, "CONT": SIGCONT,
        "STOP": SIGSTOP, "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG,
        "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM, "PROF": SIGPROF,
        "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]
    // glibc reserves the first real-time signals for itself; SIGRTMIN as programs see it is 34.
    static let realtimeMin: Int32 = 34
    static let realtimeMax: Int32 = 64

    /// The signal number, or nil for an unknown name or out-of-range number.
    public static func number(_ text: String) -> Int32? {
        if let n = Int32(text) { return (1...realtimeMax).contains(n) ? n : nil }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        if let n = table[name] { return n }
        for (base, sign, prefix) in [(realtimeMin, Int32(1), "RTMIN"), (realtimeMax, Int32(-1), "RTMAX")] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if rest.isEmpty { return base }
            guard let op = rest.first, op == (sign > 0 ? "+" : "-"), let offset = Int32(rest.dropFirst()) else { return nil }
            let n = base + sign * offset
            return (realtimeMin...realtimeMax).contains(n) ? n : nil
        }
        return nil
    }
}
