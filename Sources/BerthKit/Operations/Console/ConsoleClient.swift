import SystemPackage

/// berth-console: connects this terminal to a container's console or one of its ttys through
/// the monitor, which first replays the console's recent output. `<escape> q` detaches,
/// `<escape> <escape>` sends the escape character itself.
public struct ConsoleClient {
    public let container: Container

    public init(container: Container) { self.container = container }

    /// `tty` 0 is the console; `escape` is the control character (1 for Ctrl+a).
    public func run(tty: Int, escape: UInt8, banner: (String) -> Void) throws(BerthError) {
        let (rows, cols) = Terminal.size(of: .standardInput) ?? (24, 80)
        guard let reply = try MonitorClient(paths: container.paths).send(.console(tty: tty, rows: Int(rows), cols: Int(cols))) else {
            throw BerthError(.notRunning, "\(container.name) is not running")
        }
        let fd = reply.fd
        defer { fd.closeQuietly() }
        let letter = Character(Unicode.Scalar(escape + 0x60))
        banner("Connected to \(tty == 0 ? "the console" : "tty \(tty)") of \(container.name)\nType <Ctrl+\(letter) q> to exit the console, <Ctrl+\(letter) Ctrl+\(letter)> to enter Ctrl+\(letter) itself\n")
        let terminal = RawTerminal(fd: .standardInput)
        defer { terminal?.restore() }
        ProcessControl.setSignal(SIGPIPE, ignored: true)
        // Signals arrive through a descriptor (in the pump) so that a terminating one still
        // restores the terminal (the deferred restore) before the process ends.
        var sawEscape = false
        var pump = TerminalPump(remote: fd)
        pump.filterInput = { typed in
            var out: [UInt8] = []
            for byte in typed {
                if sawEscape {
                    sawEscape = false
                    if byte == UInt8(ascii: "q") { return (out, true) }
                    // Escape twice sends it once; escape and anything else sends both.
                    out += byte == escape ? [escape] : [escape, byte]
                } else if byte == escape {
                    sawEscape = true
                } else {
                    out.append(byte)
                }
            }
            return (out, false)
        }
        pump.resized = {
            if let size = Terminal.size(of: .standardInput),
               let winch = try? MonitorClient(paths: container.paths).send(.winch(tty: tty, rows: Int(size.rows), cols: Int(size.cols))) {
                winch.fd.closeQuietly()
            }
        }
        pump.run()
    }
}
