import SystemPackage

/// A container's own log (`lxc.log.file` at `lxc.log.level`, or berth-start's `-o`/`-l`): what
/// its monitor does — the start, init's pid, state changes, the stop and why, and every problem
/// it meets later — one line each, `TIME berth-monitor NAME LEVEL message`, appended, so the
/// admin finds a container's story in one place as with LXC's log file.
public final class ContainerLog: @unchecked Sendable {
    /// LXC's levels in order; a line is written when its level is at least the log's.
    public enum Level: Int, Sendable, Comparable {
        case trace = 0, debug, info, notice, warn, error, crit, alert, fatal

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        /// A level as lxc.log.level and -l take it: a name (any case) or 0-8.
        public init?(_ text: String) {
            if let number = Int(text), let level = Level(rawValue: number) {
                self = level
                return
            }
            let names: [String: Level] = ["trace": .trace, "debug": .debug, "info": .info, "notice": .notice, "warn": .warn, "warning": .warn,
                                          "error": .error, "crit": .crit, "alert": .alert, "fatal": .fatal]
            guard let level = names[text.lowercased()] else { return nil }
            self = level
        }

        var word: String { ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL"][rawValue] }
    }

    public let path: String
    public let level: Level
    let name: String
    private let fd: FileDescriptor

    /// Opens `path` for appending (made 0640 when missing); an error names the file.
    public init(path: String, level: Level, name: String) throws(BerthError) {
        self.path = path
        self.level = level
        self.name = name
        fd = try FileSystem.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o640, display: "log file \(path)")
    }

    deinit { fd.closeQuietly() }

    /// Writes `message` when `level` reaches the log's; one write per line (O_APPEND keeps
    /// lines of several writers whole).
    public func write(_ level: Level, _ message: String) {
        guard level >= self.level else { return }
        let line = "\(Timestamp.utcNow()) berth-monitor \(name) \(level.word) \(PrintableText.escaped(message))\n"
        _ = fd.writeFully(line)
    }
}
