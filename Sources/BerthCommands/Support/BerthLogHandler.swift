import BerthKit
import SystemPackage
import Logging

/// swift-log handler behind `-o FILE -l LEVEL`: appends `timestamp program LEVEL message` lines to
/// the log file (LXC's default is no log file and priority ERROR).
public struct BerthLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let program: String
    private let fd: FileDescriptor

    public init(program: String, fd: FileDescriptor, level: Logger.Level) {
        self.program = program
        self.fd = fd
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = "\(Timestamp.utcNow()) \(program) \(event.level.rawValue.uppercased()) \(event.message)\n"
        fd.writeFully(line)
    }

    /// LXC's level names (and numbers 0-8) as swift-log levels.
    public static func level(_ text: String) -> Logger.Level? {
        LogLevel(text).map { [.trace, .debug, .info, .notice, .warning, .error, .critical, .critical, .critical][$0.rawValue] }
    }

    /// Opens the log file for appending.
    public static func open(_ path: String) throws(BerthError) -> FileDescriptor {
        try FileSystem.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
    }
}
