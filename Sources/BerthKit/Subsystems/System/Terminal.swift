import CBerthLinux
import SystemPackage

/// Facts about the standard descriptors, so long steps can show progress on a terminal and stay
/// quiet in a pipe or a cron job.
public enum Terminal {
    /// True when standard error is a terminal.
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }
    /// True when standard output is a terminal.
    public static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// True when `fd` is a terminal.
    public static func isTerminal(_ fd: FileDescriptor) -> Bool { isatty(fd.rawValue) == 1 }

    /// Width of the terminal on standard output, or nil when it is not one.
    public static var width: Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Writes to standard error, unbuffered.
    /// A new pty pair from the devpts instance of `ptmx`: its controlling side (unlocked) and
    /// the path of its other side.
    static func openPty(_ ptmx: String) throws(BerthError) -> (ptx: FileDescriptor, path: String) {
        var ptx: Int32 = -1
        var name = [CChar](repeating: 0, count: 4096)
        try syscall("open", ptmx) { berth_open_pty(ptmx, &ptx, &name, name.count) }
        return (FileDescriptor(rawValue: ptx), String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The window size of the terminal `fd` (rows, columns), nil when it is none.
    static func size(of fd: FileDescriptor) -> (rows: UInt16, cols: UInt16)? {
        var rows: UInt16 = 0, cols: UInt16 = 0
        return berth_get_winsize(fd.rawValue, &rows, &cols) == 0 ? (rows, cols) : nil
    }

    /// Sets the window size of the terminal `fd`.
    static func setSize(of fd: FileDescriptor, rows: UInt16, cols: UInt16) { _ = berth_set_winsize(fd.rawValue, rows, cols) }

    /// Makes the terminal `fd` the controlling terminal of this session leader.
    static func makeControlling(_ fd: FileDescriptor) { _ = berth_set_controlling_tty(fd.rawValue) }

    /// The other side of the pty pair whose controlling side `ptx` is, opened from it (no
    /// path looked up); unlocked first.
    static func openPeer(of ptx: FileDescriptor, display: String) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("open", "the pty of \(display)") { berth_open_pty_peer(ptx.rawValue) })
    }

    public static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
