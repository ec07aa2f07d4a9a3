import BerthKit
import SystemPackage

/// A tool's own log behind `-o FILE -l LEVEL`: `timestamp program LEVEL message` lines appended
/// to the file, at LXC's level names (LXC's default is no log file and priority ERROR).
struct ToolLog {
    private let program: String
    private let fd: FileDescriptor?
    private let level: LogLevel

    init(program: String, fd: FileDescriptor?, level: LogLevel) {
        self.program = program
        self.fd = fd
        self.level = level
    }

    /// Opens the log file for appending.
    static func open(_ path: String) throws(BerthError) -> FileDescriptor {
        try FileSystem.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
    }

    func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    func info(_ message: @autoclosure () -> String) { write(.info, message) }
    func warning(_ message: @autoclosure () -> String) { write(.warn, message) }

    /// One line per message: control characters in it (a config value, a path, a template's
    /// output) are escaped as in the container's log, so nothing ends a line early.
    private func write(_ at: LogLevel, _ message: () -> String) {
        guard let fd, at >= level else { return }
        fd.writeFully("\(Timestamp.utcNow()) \(program) \(at.word) \(PrintableText.escaped(message()))\n")
    }
}
