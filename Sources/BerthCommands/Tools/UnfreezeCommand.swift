import ArgumentParser
import BerthKit

/// berth-unfreeze: thaws a frozen container.
public struct UnfreezeCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-unfreeze",
        abstract: "Thaw a frozen container.",
        discussion: "Resumes every process of a container frozen by berth-freeze and returns once it is RUNNING again.",
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-unfreeze", options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        try FreezeCommand.request(.thaw, target)
    }
}
