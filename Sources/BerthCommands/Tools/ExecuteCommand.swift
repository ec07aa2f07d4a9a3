import ArgumentParser
import BerthKit

/// berth-execute: runs one command as a container.
public struct ExecuteCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-execute",
        abstract: "Run a command in a container under a tiny init.",
        discussion: """
            Sets the container up as berth-start does, but runs COMMAND under a minimal PID 1 \
            that passes signals on to it and reaps orphans. The command gets this terminal's \
            (or pipe's) standard input, output and error. The exit status is the command's: its \
            code, or 128 + the signal that killed it.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("f"), .customLong("rcfile")], help: ArgumentHelp("Use this config file instead of the container's.", valueName: "FILE"))
    var configFile: String?
    @Option(name: [.customShort("s"), .customLong("define")], help: ArgumentHelp("Set KEY=VALUE for this run (repeatable).", valueName: "KEY=VALUE"))
    var defines: [String] = []
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments (default: the config's lxc.execute.cmd).", valueName: "command"))
    var command: [String] = []

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-execute", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        let starter = ContainerStarter(container: target, defines: defines, initArguments: command, mode: .execute,
                                       extraConfig: configFile.map(Path.absolute), managedBridge: context.system.managedBridge)
        let status = try starter.start(warn: context.warn)
        if status != 0 { throw ExitCode(status) }
    }
}
