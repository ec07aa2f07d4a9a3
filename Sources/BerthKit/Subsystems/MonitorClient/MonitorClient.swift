import SystemPackage

/// Talks to a container's monitor: one request per connection over its `CommandSocket`.
public struct MonitorClient: Sendable {
    public let socket: CommandSocket
    public let name: String

    public init(paths: ContainerPaths) {
        socket = CommandSocket(paths: paths)
        name = paths.name.value
    }

    /// A reply: the connection (still open, for console and watch), the words after `ok`, and a
    /// descriptor the monitor passed along.
    public struct Reply {
        public let fd: FileDescriptor
        public let words: [String]
        public let passedFD: FileDescriptor?
    }

    /// Sends `request`. nil when no monitor runs (the container is STOPPED). An `err` reply is
    /// thrown with the monitor's message.
    public func send(_ request: MonitorRequest) throws(BerthError) -> Reply? {
        guard let fd = try socket.connect() else { return nil }
        guard fd.writeFully(request.line + "\n") else {
            fd.closeQuietly()
            return nil  // the monitor went away between connect and write: it stopped
        }
        // The reply line may carry a descriptor; it is read a byte at a time up to the newline,
        // so that console bytes after the line stay in the socket.
        let reply = fd.readLineWithDescriptor()
        let line = reply?.line ?? ""
        let passed = reply?.descriptor
        if line.isEmpty {
            fd.closeQuietly()
            passed?.closeQuietly()
            return nil  // closed without a reply: the monitor is exiting
        }
        let words = line.split(separator: " ").map(String.init)
        if words.first == "err" {
            fd.closeQuietly()
            passed?.closeQuietly()
            throw BerthError(.busy, "\(name): " + words.dropFirst().joined(separator: " "))
        }
        return Reply(fd: fd, words: Array(words.dropFirst()), passedFD: passed)
    }

    /// The container's state and init pid (and where its cgroup is, when not at Berth's own
    /// place for its name). A container without a monitor is STOPPED.
    public func status() -> MonitorStatus {
        guard let reply = try? send(.state) else { return MonitorStatus(state: .stopped, pid: nil) }
        reply.fd.closeQuietly()
        return MonitorStatus(words: reply.words)
    }
}
