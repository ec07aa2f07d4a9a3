import BerthKit

/// berth-stop: halts, reboots or kills a container.
public struct StopCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-stop",
        abstract: "Stop a container.",
        discussion: """
                Asks init to halt with lxc.signal.halt (SIGPWR by default, SIGRTMIN+3 for an init \
                that blocks it, as systemd does), waits up to -t seconds, then kills it. -k kills at \
                once, -r reboots. Returns once the container is stopped and cleaned up. Exit status \
                2 means the container was not running.
                """,
        options: [
            NameOption.spec,
            .value("t", "timeout", "SECS", "Seconds to wait for a clean halt; -1 waits for ever."),
            .flag("k", "kill", "Kill the container at once."),
            .flag("r", "reboot", "Reboot the container."),
            .flag("W", "nowait", "Ask init to halt and return at once, without waiting or killing."),
            .flag(nil, "nokill", "Do not kill the container when it does not halt in time."),
            .flag(nil, "nolock", "Accepted for LXC compatibility; Berth takes no lock a stop could wait on."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var timeout: Int
    var kill: Bool
    var reboot: Bool
    var nowait: Bool
    var nokill: Bool
    var nolock: Bool
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        timeout = try arguments.number("timeout", as: Int.self) ?? 60
        kill = arguments.flag("kill")
        reboot = arguments.flag("reboot")
        nowait = arguments.flag("nowait")
        nokill = arguments.flag("nokill")
        nolock = arguments.flag("nolock")
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        if kill && nokill { throw BerthError(.invalidArgument, "-k and --nokill exclude each other") }
        if kill && reboot { throw BerthError(.invalidArgument, "-k and -r exclude each other") }
        if nowait && (kill || reboot) { throw BerthError(.invalidArgument, "-W asks for a halt; it excludes -k and -r") }
        if timeout < -1 { throw BerthError(.invalidArgument, "-t must be -1 (for ever) or a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        let stopper = ContainerStopper(container: target)
        let wait: Double? = timeout < 0 ? nil : Double(timeout)
        let wasRunning: Bool
        if kill {
            wasRunning = try stopper.kill()
        } else if nowait {
            wasRunning = try stopper.requestHalt()
        } else if reboot {
            wasRunning = try stopper.reboot(timeout: wait)
        } else {
            wasRunning = try stopper.shutdown(timeout: wait, noKill: nokill)
        }
        guard wasRunning else {
            PayloadCgroup.sweepLeftovers(of: target, config: try? target.loadConfig())
            Terminal.writeError("berth-stop: \(name) is not running\n")
            throw ToolExit(2)
        }
    }
}
