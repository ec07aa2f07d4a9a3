import ArgumentParser
import BerthKit

/// berth-start: boots a container.
public struct StartCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-start",
        abstract: "Start a container.",
        discussion: """
            Boots the container under a monitor process ([berth monitor] LXCPATH NAME in ps). \
            By default berth-start returns once the container is RUNNING, or fails with the step \
            that went wrong and why; nothing of a failed start is left behind. -F keeps the \
            container in the foreground with its console on this terminal. Arguments after -- \
            replace lxc.init.cmd.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Flag(name: [.customShort("d"), .long], help: "Run in the background (the default).")
    var daemon = false
    @Flag(name: [.customShort("F"), .long], help: "Run in the foreground, with the console on this terminal.")
    var foreground = false
    @Option(name: [.customShort("f"), .customLong("rcfile")], help: ArgumentHelp("Use this config file instead of the container's.", valueName: "FILE"))
    var configFile: String?
    @Option(name: [.customShort("s"), .customLong("define")], help: ArgumentHelp("Set KEY=VALUE for this start (repeatable).", valueName: "KEY=VALUE"))
    var defines: [String] = []
    @Option(name: [.customShort("p"), .customLong("pidfile")], help: ArgumentHelp("Write the monitor's pid to this file.", valueName: "FILE"))
    var pidfile: String?
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The init command and its arguments.", valueName: "init"))
    var initArguments: [String] = []

    public init() {}

    public func validate() throws {
        if daemon && foreground { throw ValidationError("-d and -F exclude each other") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-start", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        let mode: ContainerStarter.Mode = foreground ? .foreground : .daemon(pidfile: pidfile.map(Path.absolute))
        let starter = ContainerStarter(container: target, defines: defines, initArguments: initArguments, mode: mode,
                                       extraConfig: configFile.map(Path.absolute), managedBridge: context.system.managedBridge)
        let status = try starter.start(warn: context.warn)
        if status != 0 { throw ExitCode(status) }
    }
}
