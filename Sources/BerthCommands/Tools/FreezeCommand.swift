import SystemPackage
import ArgumentParser
import BerthKit

/// berth-freeze: freezes every process of a running container.
public struct FreezeCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-freeze",
        abstract: "Freeze a running container.",
        discussion: """
            Stops every process of the container where it stands, through the v1 freezer \
            controller or cgroup v2's cgroup.freeze, and returns once the kernel reports the \
            container FROZEN. berth-unfreeze resumes it; berth-stop thaws it first.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-freeze", options: common)
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
