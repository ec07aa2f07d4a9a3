import BerthKit

/// berth-unfreeze: thaws a frozen container.
public struct UnfreezeCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-unfreeze",
        abstract: "Thaw a frozen container.",
        discussion: """
                Thaws the container's cgroup (the freezer of cgroup v1, cgroup.freeze of v2), so its \
                processes run again where berth-freeze stopped them. A running container that is not \
                frozen is left as it is; one that is not running is an error.
                """,
        options: [
            NameOption.spec,
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        try FreezeCommand.request(.thaw, target)
    }
}
