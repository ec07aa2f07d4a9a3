import SystemPackage

/// Relays this process's terminal to a descriptor and back: standard input to `remote`, what
/// `remote` sends to standard output, until `remote` ends, a SIGTERM or SIGHUP arrives (so the
/// caller restores its terminal before it goes), or the input filter says the session is over.
/// berth-attach relays a pty this way, berth-console the monitor's console connection.
struct TerminalPump {
    let remote: FileDescriptor
    /// What typed bytes become before they are sent, and whether the session ends after them
    /// (berth-console's escape sequence).
    var filterInput: ([UInt8]) -> (bytes: [UInt8], end: Bool) = { ($0, false) }
    /// Called when the terminal's window changed size.
    var resized: () -> Void = {}
    /// Gets a copy of everything `remote` sends (berth-attach -L).
    var copyOutput: FileDescriptor?

    func run() {
        var inputOpen = true
        let signals = TerminalSignals()
        defer { signals.close() }
        while true {
            var fds = PollSet()
            let output = fds.add(remote)
            let input = inputOpen ? fds.add(.standardInput) : nil
            let signal = signals.fd.map { fds.add($0) }
            guard let ready = fds.wait() else { return }
            if ready == 0 { continue }
            if fds.isReady(output) {
                // End of file, or EIO from a pty whose other side is all closed: the far end is done.
                guard let bytes = remote.readAvailable(), !bytes.isEmpty else { return }
                FileDescriptor.standardOutput.writeFully(bytes)
                copyOutput?.writeFully(bytes)
            }
            if let input, fds.isReady(input) {
                guard let typed = FileDescriptor.standardInput.readAvailable(), !typed.isEmpty else {
                    inputOpen = false  // the caller's input ended; output still flows
                    continue
                }
                let (bytes, end) = filterInput(typed)
                if !bytes.isEmpty && !remote.writeFully(bytes) { return }
                if end { return }
            }
            if let signal, fds.isReady(signal) {
                let arrived = signals.drain()
                if arrived.ending { return }
                if arrived.resized { resized() }
            }
        }
    }
}
