import BerthKit

/// berth-destroy: removes a container.
public struct DestroyCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-destroy",
        abstract: "Destroy a container.",
        discussion: """
                Removes the container's directory and its root filesystem. It refuses while clones \
                depend on the container (naming them), while it has snapshots unless -s is given, \
                and while anything is still mounted inside it.
                """,
        options: [
            NameOption.spec,
            .flag("f", "force", "Stop the container first if it is running."),
            .flag("s", "snapshots", "Also destroy the container's snapshots."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var force: Bool
    var snapshots: Bool
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        force = arguments.flag("force")
        snapshots = arguments.flag("snapshots")
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        // (The destroyer's progress line is the log's record of it.)
        try ContainerDestroyer(info: context.progress, managedBridge: try context.system.managedBridge).destroy(target, force: force, withSnapshots: snapshots)
    }
}
