import SystemPackage

/// A container's own log (`lxc.log.file` at `lxc.log.level`, or berth-start's `-o`/`-l`): what
/// its monitor does — the start, init's pid, state changes, the stop and why, and every problem
/// it meets later — one line each, `TIME berth-monitor NAME LEVEL message`, appended, so the
/// admin finds a container's story in one place as with LXC's log file.
public final class ContainerLog: @unchecked Sendable {
    public let path: String
    public let level: LogLevel
    let name: String
    private let fd: FileDescriptor

    /// Opens `path` for appending (made 0640 when missing); an error names the file.
    public init(path: String, level: LogLevel, name: String) throws(BerthError) {
        self.path = path
        self.level = level
        self.name = name
        fd = try FileSystem.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o640, display: "log file \(path)")
    }

    deinit { fd.closeQuietly() }

    /// Writes `message` when `level` reaches the log's; one write per line (O_APPEND keeps
    /// lines of several writers whole).
    public func write(_ level: LogLevel, _ message: String) {
        guard level >= self.level else { return }
        let line = "\(Timestamp.utcNow()) berth-monitor \(name) \(level.word) \(PrintableText.escaped(message))\n"
        _ = fd.writeFully(line)
    }
}
