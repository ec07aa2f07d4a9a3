import ArgumentParser
import BerthKit
import Logging

/// The options every Berth tool takes, as LXC's tools do: `-P -o -l -q`.
public struct CommonOptions: ParsableArguments {
    @Option(name: [.customShort("P"), .long], help: ArgumentHelp("Use this container directory instead of the configured lxcpath.", valueName: "PATH"))
    var lxcpath: String?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write a log to this file.", valueName: "FILE"))
    var logfile: String?

    @Option(name: [.customShort("l"), .long], help: ArgumentHelp("Log level: trace, debug, info, notice, warn, error (default), crit.", valueName: "LEVEL"))
    var logpriority: String?

    @Flag(name: [.customShort("q"), .long], help: "Print only errors.")
    var quiet = false

    public init() {}

    public func validate() throws {
        if let level = logpriority, BerthLogHandler.level(level) == nil {
            throw ValidationError("unknown log level '\(level)' (trace, debug, info, notice, warn, error, crit)")
        }
    }
}

/// `-n NAME`, or a leading NAME argument as LXC's tools accept.
public struct NameOption: ParsableArguments {
    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("The container's name.", valueName: "NAME"))
    var name: String?

    public init() {}

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
