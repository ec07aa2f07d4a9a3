import SystemPackage

/// A terminal switched to raw mode (no echo, no line editing, no signals from keys) for as long
/// as a console or attach session relays it, and put back as it was afterwards.
public final class RawTerminal {
    private let fd: Int32
    private var saved = termios()
    private var active = false

    /// nil when `fd` is not a terminal (a pipe, a file): then there is nothing to switch.
    public init?(fd: FileDescriptor) {
        self.fd = fd.rawValue
        guard tcgetattr(self.fd, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(self.fd, TCSAFLUSH, &raw) == 0 else { return nil }
        active = true
    }

    public func restore() {
        guard active else { return }
        active = false
        _ = tcsetattr(fd, TCSAFLUSH, &saved)
    }

    deinit { restore() }
}
