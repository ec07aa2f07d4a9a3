import CBerthLinux
import SystemPackage

/// The signals a terminal client (berth-console, berth-attach's pty relay) handles in its poll
/// loop instead of dying of them: SIGWINCH (the window changed) and SIGTERM/SIGHUP (end the
/// session, so the caller restores the terminal first). SIGINT is not among them: in raw mode
/// Ctrl+C is a byte for the container, and a SIGINT sent with kill still ends the client.
struct TerminalSignals {
    /// The signalfd to poll (nil if it could not be made; then signals act as usual).
    let fd: FileDescriptor?

    init() {
        let signals: [Int32] = [SIGWINCH, SIGTERM, SIGHUP]
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        // Blocked first, so none is delivered the usual way between here and the signalfd.
        sigprocmask(SIG_BLOCK, &blocked, nil)
        fd = ProcessControl.signalFD(signals)
    }

    /// Reads what arrived: `ending` when SIGTERM or SIGHUP came, `resized` for SIGWINCH.
    func drain() -> (ending: Bool, resized: Bool) {
        var ending = false, resized = false
        guard let fd else { return (ending, resized) }
        while true {
            let signal = ProcessControl.readSignal(fd).signal
            if signal <= 0 { break }
            if signal == SIGWINCH { resized = true } else { ending = true }
        }
        return (ending, resized)
    }

    func close() { fd?.closeQuietly() }
}
