import SystemPackage

/// A container's own log (`lxc.log.file` at `lxc.log.level`, or berth-start's `-o`/`-l`, and
/// `lxc.log.syslog`): what its monitor does — the start, init's pid, state changes, the stop and
/// why, and every problem it meets later — one line each, so the admin finds a container's story
/// in one place as with LXC's log. The file gets `TIME berth-monitor NAME LEVEL message`,
/// appended; syslog gets `NAME LEVEL message` at the matching severity.
public final class ContainerLog: @unchecked Sendable {
    public let path: String?
    public let level: LogLevel
    let name: String
    private let fd: FileDescriptor?
    private let syslog: SyslogSocket?

    /// Opens `path` for appending (made 0640 when missing), when given; an error names the file.
    public init(path: String?, syslog: SyslogSocket.Facility? = nil, level: LogLevel, name: String) throws(BerthError) {
        self.path = path
        self.level = level
        self.name = name
        fd = try path.map { (file) throws(BerthError) in
            try FileSystem.open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o640, display: "log file \(file)")
        }
        self.syslog = syslog.map { SyslogSocket(facility: $0) }
    }

    deinit { fd?.closeQuietly() }

    /// Writes `message` when `level` reaches the log's; one write per line (O_APPEND keeps
    /// lines of several writers whole).
    public func write(_ level: LogLevel, _ message: String) {
        guard level >= self.level else { return }
        let text = PrintableText.escaped(message)
        if let fd { _ = fd.writeFully("\(Timestamp.utcNow()) berth-monitor \(name) \(level.word) \(text)\n") }
        // LXC's levels onto syslog's severities (trace and debug are both debug).
        syslog?.send(severity: [7, 7, 6, 5, 4, 3, 2, 1, 0][level.rawValue], "\(name) \(level.word) \(text)")
    }
}
