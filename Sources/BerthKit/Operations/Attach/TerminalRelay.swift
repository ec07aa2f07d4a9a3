/// Copies this process's stdin to a pty's controlling side and its output to stdout, until the
/// pty is closed on the other side (the command ended). A window size change is passed on.
struct TerminalRelay {
    let ptx: Int32

    func run() {
        var inputOpen = true
        // SIGTERM and SIGHUP end the relay instead of the process, so the caller restores the
        // terminal and closes the pty, which hangs up the command (its session loses its tty).
        let signals = TerminalSignals()
        defer { signals.close() }
        while true {
            var fds = [pollfd(fd: ptx, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inputOpen ? 0 : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 3, -1) < 0 { if errno == EINTR { continue } else { return } }
            if fds[0].revents != 0 {
                // EIO: every descriptor of the pty side is closed, the command has ended.
                guard let bytes = Descriptor.readSome(ptx), !bytes.isEmpty else { return }
                Descriptor.writeAll(1, bytes)
            }
            if fds[1].revents != 0 {
                if let bytes = Descriptor.readSome(0), !bytes.isEmpty { Descriptor.writeAll(ptx, bytes) } else { inputOpen = false }
            }
            if fds[2].revents != 0 {
                let arrived = signals.drain()
                if arrived.ending { return }
                if arrived.resized, let size = Terminal.size(of: 0) { Terminal.setSize(of: ptx, rows: size.rows, cols: size.cols) }
            }
        }
    }
}
