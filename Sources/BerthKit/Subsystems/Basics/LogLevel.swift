/// LXC's log levels in order (lxc.log.level, the tools' -l): a name in any case ("warning" is
/// warn) or a number 0-8. The one parser of them for the config, the container log and the
/// tools' logs.
public enum LogLevel: Int, Sendable, Comparable {
    case trace = 0, debug, info, notice, warn, error, crit, alert, fatal

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// A level as lxc.log.level and -l take it: a name (any case) or 0-8.
    public init?(_ text: String) {
        if let number = Int(text), let level = LogLevel(rawValue: number) {
            self = level
            return
        }
        let names: [String: LogLevel] = ["trace": .trace, "debug": .debug, "info": .info, "notice": .notice, "warn": .warn, "warning": .warn,
                                         "error": .error, "crit": .crit, "alert": .alert, "fatal": .fatal]
        guard let level = names[text.lowercased()] else { return nil }
        self = level
    }

    public var word: String { ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL"][rawValue] }
}
