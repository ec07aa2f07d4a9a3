import SystemPackage

/// The console relay: the container's output to the ring, the log, a foreground terminal and a
/// berth-console client (queued, never waited for), and the client's input to the container.
extension Monitor {
    func relayFromContainer(_ port: ConsolePort) {
        guard let bytes = port.ptx.readAvailable(), !bytes.isEmpty else { return }
        if port === console {
            ring.append(bytes)
            consoleLog?.append(bytes)
            if options.foregroundConsole { _ = FileDescriptor.standardOutput.writeFully(bytes) }
            if let consoleDevice { _ = consoleDevice.writeFully(bytes) }
        }
        // Queued for the client: one that stopped reading (a SIGSTOPped berth-console) is
        // dropped once it is a bounded amount behind, so the monitor never waits for it.
        port.send(bytes)
    }

    func relayFromClient(_ port: ConsolePort) {
        guard let client = port.client else { return }
        guard let bytes = client.readAvailable() else {
            port.dropClient()
            return
        }
        if !bytes.isEmpty { _ = port.ptx.writeFully(bytes) }
    }
}
