import ArgumentParser
import BerthKit

/// berth-wait: waits for a container to reach a state.
public struct WaitCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-wait",
        abstract: "Wait for a container to reach a state.",
        discussion: """
            Returns as soon as the container is in one of STATES (separated by |, e.g. \
            'RUNNING|STOPPED'), with exit status 0, or with 1 when -t seconds pass first. The \
            monitor tells berth-wait about every change as it happens; nothing is polled.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("s"), .long], help: ArgumentHelp("The states to wait for, separated by |.", valueName: "STATES"))
    var state: String
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Give up after this many seconds (-1: wait for ever).", valueName: "SECS"))
    var timeout: Int = -1
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-wait", options: common)
        let name = try container.resolve(positional: positionalName)
        var states: Set<ContainerState> = []
        for word in state.split(separator: "|").map({ String($0).uppercased() }) {
            guard let value = ContainerState(rawValue: word) else {
                throw BerthError(.invalidArgument, "unknown state '\(word)' (\(ContainerState.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            states.insert(value)
        }
        let target = Container(lxcpath: context.lxcpath, name: name)
        let reached = try StateWaiter(paths: target.paths).wait(for: states, timeout: timeout < 0 ? nil : Double(timeout))
        if !reached { throw ExitCode(1) }
    }
}
