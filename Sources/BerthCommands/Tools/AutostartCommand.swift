import ArgumentParser
import BerthKit

/// berth-autostart: the containers marked with lxc.start.auto, started in order at boot and
/// stopped at shutdown, as lxc-autostart.
public struct AutostartCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-autostart",
        abstract: "Start, stop, kill or reboot the containers marked for autostart.",
        discussion: """
            Selects the containers of the lxcpath with lxc.start.auto = 1 (all with -A) that are \
            in one of the groups given with -g (comma-separated, repeatable; an empty name is the \
            group of containers without lxc.group, and is the default), or in any group with -a. \
            Starts them, higher lxc.start.order first, waiting lxc.start.delay seconds after each; \
            -s, -k and -r act in the reverse order. -L lists what would be done, with the delays. \
            One container that fails does not stop the rest; the exit status is 1 when any failed.
            """,
        version: BerthVersion.string
    )

    @Flag(name: [.customShort("r"), .long], help: "Reboot the containers.")
    var reboot = false
    @Flag(name: [.customShort("s"), .long], help: "Shut the containers down cleanly (killing after -t).")
    var shutdown = false
    @Flag(name: [.customShort("k"), .long], help: "Kill the containers.")
    var kill = false
    @Flag(name: [.customShort("L"), .long], help: "List the containers and their delays instead of acting.")
    var list = false
    @Flag(name: [.customShort("a"), .long], help: "Ignore lxc.group: every group.")
    var all = false
    @Flag(name: [.customShort("A"), .customLong("ignore-auto")], help: "Ignore lxc.start.auto: every container.")
    var ignoreAuto = false
    @Option(name: [.customShort("g"), .customLong("groups")], help: ArgumentHelp("Groups to select, comma-separated (repeatable; an empty name is no group).", valueName: "GROUPS"))
    var groups: [String] = []
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Seconds to wait for a clean stop or a reboot (default 60).", valueName: "SECS"))
    var timeout: Int = 60
    @OptionGroup var common: CommonOptions

    public init() {}

    public func validate() throws {
        if [reboot, shutdown, kill].filter({ $0 }).count > 1 { throw ValidationError("-r, -s and -k exclude each other") }
        if timeout < 0 { throw ValidationError("-t takes a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-autostart", options: common)
        let action: Autostarter.Action = reboot ? .reboot(timeout: Double(timeout)) : shutdown ? .shutdown(timeout: Double(timeout)) : kill ? .kill : .start
        let selected = groups.isEmpty ? nil : groups.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let autostarter = Autostarter(lxcpath: context.lxcpath, managedBridge: context.system.managedBridge, warn: context.warn)
        let entries = autostarter.plan(Autostarter.Selection(groups: selected, allGroups: all, ignoreAuto: ignoreAuto), for: action)
        if list {
            for entry in entries { print("\(entry.container.name) \(action == .start ? entry.delay : 0)") }
            return
        }
        let failed = autostarter.run(action, on: entries)
        for (name, why) in failed { context.warn("\(name): \(why)") }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
