import CBerthLinux

/// The signals a terminal client (berth-console, berth-attach's pty relay) handles in its poll
/// loop instead of dying of them: SIGWINCH (the window changed) and SIGTERM/SIGHUP (end the
/// session, so the caller restores the terminal first). SIGINT is not among them: in raw mode
/// Ctrl+C is a byte for the container, and a SIGINT sent with kill still ends the client.
struct TerminalSignals {
    /// The signalfd to poll (-1 if it could not be made; then signals act as usual).
    let fd: Int32

    init() {
        let signals: [Int32] = [SIGWINCH, SIGTERM, SIGHUP]
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        // Blocked first, so none is delivered the usual way between here and the signalfd.
        sigprocmask(SIG_BLOCK, &blocked, nil)
        fd = signals.withUnsafeBufferPointer { berth_signalfd($0.baseAddress, Int32(signals.count)) }
    }

    /// Reads what arrived: `ending` when SIGTERM or SIGHUP came, `resized` for SIGWINCH.
    func drain() -> (ending: Bool, resized: Bool) {
        var status: Int32 = 0, pid: pid_t = 0
        var ending = false, resized = false
        while true {
            let signal = berth_signalfd_read(fd, &status, &pid)
            if signal <= 0 { break }
            if signal == SIGWINCH { resized = true } else { ending = true }
        }
        return (ending, resized)
    }

    func close() { if fd >= 0 { Glibc.close(fd) } }
}
