import BerthKit

/// berth-wait: waits for a container to reach a state.
public struct WaitCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-wait",
        abstract: "Wait for a container to reach a state.",
        discussion: """
                Returns as soon as the container is in one of STATES (separated by |, e.g. \
                'RUNNING|STOPPED'), with exit status 0, or with 1 when -t seconds pass first. The \
                monitor tells berth-wait about every change as it happens; nothing is polled. A \
                container in one of STATES already is known to be from the state its monitor keeps \
                in its lock file, believed only while the monitor holds that file, without waking \
                the monitor. STOPPED is told once the monitor has let go of the container's \
                socket, lock and cgroups: a berth-start right after berth-wait -s STOPPED \
                returns starts the container again.
                """,
        options: [
            NameOption.spec,
            .value("s", "state", "STATES", "The states to wait for, separated by |."),
            .value("t", "timeout", "SECS", "Give up after this many seconds (-1: wait for ever)."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var state: String
    var timeout: Int
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        guard let state = arguments.value("state") else { throw BerthError(.invalidArgument, "-s STATES is required (the states to wait for)") }
        self.state = state
        timeout = try arguments.number("timeout", as: Int.self) ?? -1
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
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
        if !reached { throw ToolExit(1) }
    }
}
