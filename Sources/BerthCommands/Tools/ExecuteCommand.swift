import BerthKit

/// berth-execute: runs one command as a container.
public struct ExecuteCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-execute",
        abstract: "Run a command in a container under a tiny init.",
        discussion: """
                Sets the container up as berth-start does, but runs COMMAND under a minimal PID 1 \
                that passes signals on to it and reaps orphans. The command gets this terminal's \
                (or pipe's) standard input, output and error. The exit status is the command's: its \
                code, or 128 + the signal that killed it.
                """,
        options: [
            NameOption.spec,
            .value("f", "rcfile", "FILE", "Use this config file instead of the container's."),
            .value("s", "define", "KEY=VALUE", "Set KEY=VALUE for this run (repeatable)."),
            .flag("d", "daemon", "Run in the background: return once the command runs (its output goes to the console; the container ends with it)"),
            .value("u", "uid", "UID", "Run the command as this user id of the container (lxc.init.uid)."),
            .value("g", "gid", "GID", "Run the command as this group id of the container (lxc.init.gid)."),
        ] + StartOptions.specs + CommonOptions.specs,
        positionals: [.containerName, PositionalSpec("COMMAND", "The command and its arguments (default: the config's lxc.execute.cmd).", kind: .afterTerminator)]
    )

    let container: NameOption
    var configFile: String?
    var defines: [String]
    var uid: UInt32?
    var daemon: Bool
    var gid: UInt32?
    let shared: StartOptions
    let common: CommonOptions
    var positionalName: String?
    var command: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        configFile = arguments.value("rcfile")
        defines = arguments.values("define")
        uid = try arguments.number("uid", as: UInt32.self)
        daemon = arguments.flag("daemon")
        gid = try arguments.number("gid", as: UInt32.self)
        shared = StartOptions(arguments)
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        command = arguments.rest
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        // -u, -g and --share-* are the config keys they stand for, set after the config's own.
        let identity = (uid.map { ["lxc.init.uid=\($0)"] } ?? []) + (gid.map { ["lxc.init.gid=\($0)"] } ?? [])
        var starter = ContainerStarter(container: target, defines: defines + identity + shared.defines, initArguments: command, mode: daemon ? .executeDetached : .execute,
                                       extraConfig: configFile.map(Path.absolute), managedBridge: try context.system.managedBridge)
        // -o and -l name the container's log too, as with lxc-start (over lxc.log.file/level).
        starter.logFile = common.logfile.map(Path.absolute)
        starter.logLevel = common.logpriority.flatMap(LogLevel.init)
        let status = try starter.start(warn: context.warn)
        if status != 0 { throw ToolExit(status) }
    }
}
