/// Puts every signal back to its default action and unblocks them all, as a freshly exec'd
/// program expects: the monitor blocks and redirects signals, and its children inherit that.
enum SignalDefaults {
    static func restore() {
        for sig in Int32(1)..<Int32(65) where sig != SIGKILL && sig != SIGSTOP {
            signal(sig, SIG_DFL)
        }
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
    }
}
