/// berth-console: connects this terminal to a container's console or one of its ttys through
/// the monitor, which first replays the console's recent output. `<escape> q` detaches,
/// `<escape> <escape>` sends the escape character itself.
public struct ConsoleClient {
    public let container: Container

    public init(container: Container) { self.container = container }

    /// `tty` 0 is the console; `escape` is the control character (1 for Ctrl+a).
    public func run(tty: Int, escape: UInt8, banner: (String) -> Void) throws(BerthError) {
        let (rows, cols) = Terminal.size(of: 0) ?? (24, 80)
        guard let reply = try MonitorClient(paths: container.paths).send(.console(tty: tty, rows: Int(rows), cols: Int(cols))) else {
            throw BerthError(.notRunning, "\(container.name) is not running")
        }
        let fd = reply.fd
        defer { close(fd) }
        let letter = Character(Unicode.Scalar(escape + 0x60))
        banner("Connected to \(tty == 0 ? "the console" : "tty \(tty)") of \(container.name)\nType <Ctrl+\(letter) q> to exit the console, <Ctrl+\(letter) Ctrl+\(letter)> to enter Ctrl+\(letter) itself\n")
        let terminal = isatty(0) == 1 ? RawTerminal(fd: 0) : nil
        defer { terminal?.restore() }
        signal(SIGPIPE, SIG_IGN)
        // Signals arrive through a descriptor so that a terminating one still restores the
        // terminal (the deferred restore) before the process ends.
        let signals = TerminalSignals()
        defer { signals.close() }
        var sawEscape = false
        var inputOpen = true
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inputOpen ? 0 : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 3, -1) < 0 { if errno == EINTR { continue } else { return } }
            if fds[0].revents != 0 {
                guard let bytes = Descriptor.readSome(fd), !bytes.isEmpty else { return }  // container stopped
                Descriptor.writeAll(1, bytes)
            }
            if fds[1].revents != 0 {
                guard let bytes = Descriptor.readSome(0), !bytes.isEmpty else {
                    inputOpen = false
                    continue
                }
                var out: [UInt8] = []
                for byte in bytes {
                    if sawEscape {
                        sawEscape = false
                        if byte == UInt8(ascii: "q") { Descriptor.writeAll(fd, out); return }
                        // Escape twice sends it once; escape and anything else sends both.
                        out += byte == escape ? [escape] : [escape, byte]
                    } else if byte == escape {
                        sawEscape = true
                    } else {
                        out.append(byte)
                    }
                }
                if !out.isEmpty && !Descriptor.writeAll(fd, out) { return }
            }
            if fds[2].revents != 0 {
                let arrived = signals.drain()
                if arrived.ending { return }
                if arrived.resized, let size = Terminal.size(of: 0),
                   let winch = try? MonitorClient(paths: container.paths).send(.winch(tty: tty, rows: Int(size.rows), cols: Int(size.cols))) {
                    close(winch.fd)
                }
            }
        }
    }
}
