import ArgumentParser
import BerthKit

/// berth-destroy: removes a container.
public struct DestroyCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-destroy",
        abstract: "Destroy a container.",
        discussion: """
            Removes the container's directory and its root filesystem. It refuses while clones \
            depend on the container (naming them), while it has snapshots unless -s is given, \
            and while anything is still mounted inside it.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Flag(name: [.customShort("f"), .long], help: "Stop the container first if it is running.")
    var force = false
    @Flag(name: [.customShort("s"), .long], help: "Also destroy the container's snapshots.")
    var snapshots = false
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-destroy", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        try ContainerDestroyer(info: context.progress).destroy(target, force: force, withSnapshots: snapshots)
        context.logger.info("destroyed \(name)")
    }
}
