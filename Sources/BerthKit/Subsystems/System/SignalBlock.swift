/// Blocks the signals that ask a command to stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT) for the span
/// of an operation that must either finish or be undone — a create, a destroy. Instead of dying
/// half-way, the operation asks `pendingSignal()` at safe points, undoes its work, and then calls
/// `unblockAndRedeliver()` so the process ends by that signal as the caller expects.
///
/// No handler runs asynchronously, so nothing here needs to be async-signal-safe.
public final class SignalBlock {
    public static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    private var previous = sigset_t()
    private var active = false

    public init() {
        var set = SignalBlock.makeSet(SignalBlock.stopSignals)
        // SIGCHLD is blocked as well so that `ChildProcess.wait` can sigtimedwait for it.
        sigaddset(&set, SIGCHLD)
        sigprocmask(SIG_BLOCK, &set, &previous)
        active = true
    }

    static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        return set
    }

    /// A stop signal that arrived while blocked, if any (it stays pending).
    public func pendingSignal() -> Int32? {
        var pending = sigset_t()
        sigpending(&pending)
        return SignalBlock.stopSignals.first { sigismember(&pending, $0) == 1 }
    }

    /// Restores the signal mask; a pending stop signal is delivered now and, with its default
    /// action, ends the process.
    public func unblockAndRedeliver() {
        guard active else { return }
        active = false
        sigprocmask(SIG_SETMASK, &previous, nil)
    }

    deinit { unblockAndRedeliver() }
}

/// The signal mask a tool starts with.
public enum ProcessSignals {
    /// Unblocks every signal (ignored ones stay ignored).
    public static func unblockAll() {
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
    }
}
