import BerthKit

/// The options every Berth tool takes, as LXC's tools do: `-P -o -l -q`.
public struct CommonOptions: Sendable {
    static let specs: [OptionSpec] = [
        .value("P", "lxcpath", "PATH", "Use this container directory instead of the configured lxcpath."),
        .value("o", "logfile", "FILE", "Write a log to this file."),
        .value("l", "logpriority", "LEVEL", "Log level: trace, debug, info, notice, warn, error (default), crit."),
        .flag("q", "quiet", "Print only errors."),
    ]

    var lxcpath: String?
    var logfile: String?
    var logpriority: String?
    var quiet = false

    init(_ arguments: ParsedArguments) throws(BerthError) {
        lxcpath = arguments.value("lxcpath")
        logfile = arguments.value("logfile")
        logpriority = arguments.value("logpriority")
        quiet = arguments.flag("quiet")
        if let level = logpriority, LogLevel(level) == nil {
            throw BerthError(.invalidArgument, "unknown log level '\(level)' (trace, debug, info, notice, warn, error, crit)")
        }
    }
}

/// `-n NAME`, or a leading NAME argument as LXC's tools accept.
public struct NameOption: Sendable {
    static let spec = OptionSpec.value("n", "name", "NAME", "The container's name.")

    var name: String?

    init(_ arguments: ParsedArguments) { name = arguments.value("name") }

    /// True when `-n` was given.
    var isGiven: Bool { name != nil }

    /// The validated name from `-n` or the positional argument.
    func resolve(positional: String?) throws(BerthError) -> ContainerName {
        guard let text = name ?? positional else {
            throw BerthError(.invalidArgument, "no container name given (use -n NAME)")
        }
        return try ContainerName(text)
    }
}
