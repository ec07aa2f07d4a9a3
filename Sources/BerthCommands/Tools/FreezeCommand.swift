import SystemPackage
import BerthKit

/// berth-freeze: freezes every process of a running container.
public struct FreezeCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-freeze",
        abstract: "Freeze a running container.",
        discussion: """
                Stops every process of the container where it stands, through the v1 freezer \
                controller or cgroup v2's cgroup.freeze, and returns once the kernel reports the \
                container FROZEN. berth-unfreeze resumes it; berth-stop thaws it first.
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
        try FreezeCommand.request(.freeze, target)
    }

    static func request(_ request: MonitorRequest, _ target: Container) throws(BerthError) {
        guard let reply = try MonitorClient(paths: target.paths).send(request) else {
            throw BerthError(.notRunning, "\(target.name) is not running")
        }
        reply.fd.closeQuietly()
    }
}
