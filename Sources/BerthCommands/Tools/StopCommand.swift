import ArgumentParser
import BerthKit

/// berth-stop: halts, reboots or kills a container.
public struct StopCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-stop",
        abstract: "Stop a container.",
        discussion: """
            Asks init to halt with lxc.signal.halt (SIGPWR by default, SIGRTMIN+3 for an init \
            that blocks it, as systemd does), waits up to -t seconds, then kills it. -k kills at \
            once, -r reboots. Returns once the container is stopped and cleaned up. Exit status \
            2 means the container was not running.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Seconds to wait for a clean halt; -1 waits for ever.", valueName: "SECS"))
    var timeout: Int = 60
    @Flag(name: [.customShort("k"), .long], help: "Kill the container at once.")
    var kill = false
    @Flag(name: [.customShort("r"), .long], help: "Reboot the container.")
    var reboot = false
    @Flag(name: .long, help: "Do not kill the container when it does not halt in time.")
    var nokill = false
    @Flag(name: .long, help: "Accepted for LXC compatibility; Berth takes no lock a stop could wait on.")
    var nolock = false
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func validate() throws {
        if kill && nokill { throw ValidationError("-k and --nokill exclude each other") }
        if kill && reboot { throw ValidationError("-k and -r exclude each other") }
        if timeout < -1 { throw ValidationError("-t must be -1 (for ever) or a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-stop", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        let stopper = ContainerStopper(container: target)
        let wait: Double? = timeout < 0 ? nil : Double(timeout)
        let wasRunning: Bool
        if kill {
            wasRunning = try stopper.kill()
        } else if reboot {
            wasRunning = try stopper.reboot(timeout: wait)
        } else {
            wasRunning = try stopper.shutdown(timeout: wait, noKill: nokill)
        }
        guard wasRunning else {
            PayloadCgroup.sweepLeftovers(name: name.value, lxcpath: context.lxcpath)
            Terminal.writeError("berth-stop: \(name) is not running\n")
            throw ExitCode(2)
        }
    }
}
