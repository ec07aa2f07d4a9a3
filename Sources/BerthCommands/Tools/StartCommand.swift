import BerthKit

/// berth-start: boots a container.
public struct StartCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-start",
        abstract: "Start a container.",
        discussion: """
                Boots the container under a monitor process ([berth monitor] LXCPATH NAME in ps). \
                By default berth-start returns once the container is RUNNING, or fails with the step \
                that went wrong and why; nothing of a failed start is left behind. -F keeps the \
                container in the foreground with its console on this terminal. Arguments after -- \
                replace lxc.init.cmd.
                """,
        options: [
            NameOption.spec,
            .flag("d", "daemon", "Run in the background (the default)."),
            .flag("F", "foreground", "Run in the foreground, with the console on this terminal."),
            .value("f", "rcfile", "FILE", "Use this config file instead of the container's."),
            .value("s", "define", "KEY=VALUE", "Set KEY=VALUE for this start (repeatable)."),
            .value("p", "pidfile", "FILE", "Write the monitor's pid to this file."),
            .value("c", "console", "FILE", "Attach the console to this host file or device (lxc.console.path): its output goes there, and a terminal's input comes from it."),
            .value("L", "console-log", "FILE", "Log the console to this file (lxc.console.logfile)."),
            .flag("C", "close-all-fds", "Accepted as lxc-start takes it: Berth always closes every descriptor the caller had open before the container starts."),
        ] + StartOptions.specs + CommonOptions.specs,
        positionals: [.containerName, PositionalSpec("INIT", "The init command and its arguments.", kind: .afterTerminator)]
    )

    let container: NameOption
    var daemon: Bool
    var foreground: Bool
    var configFile: String?
    var defines: [String]
    var pidfile: String?
    var consoleLog: String?
    var consolePath: String?
    let shared: StartOptions
    let common: CommonOptions
    var positionalName: String?
    var initArguments: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        daemon = arguments.flag("daemon")
        foreground = arguments.flag("foreground")
        configFile = arguments.value("rcfile")
        defines = arguments.values("define")
        pidfile = arguments.value("pidfile")
        consoleLog = arguments.value("console-log")
        consolePath = arguments.value("console")
        shared = StartOptions(arguments)
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        initArguments = arguments.rest
        try validate()
    }

    func validate() throws(BerthError) {
        if daemon && foreground { throw BerthError(.invalidArgument, "-d and -F exclude each other") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        let mode: ContainerStarter.Mode = foreground ? .foreground : .daemon(pidfile: pidfile.map(Path.absolute))
        // -L and --share-* are the config keys they stand for, set after the config's own.
        let extra = (consoleLog.map { ["lxc.console.logfile=\(Path.absolute($0))"] } ?? [])
            + (consolePath.map { ["lxc.console.path=\(Path.absolute($0))"] } ?? [])
        var starter = ContainerStarter(container: target, defines: defines + extra + shared.defines, initArguments: initArguments, mode: mode,
                                       extraConfig: configFile.map(Path.absolute), managedBridge: try context.system.managedBridge)
        // -o and -l name the container's log too, as with lxc-start (over lxc.log.file/level).
        starter.logFile = common.logfile.map(Path.absolute)
        starter.logLevel = common.logpriority.flatMap(LogLevel.init)
        let status = try starter.start(warn: context.warn)
        if status != 0 { throw ToolExit(status) }
    }
}
