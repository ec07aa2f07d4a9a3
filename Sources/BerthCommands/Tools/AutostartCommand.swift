import BerthKit

/// berth-autostart: the containers marked with lxc.start.auto, started in order at boot and
/// stopped at shutdown, as lxc-autostart.
public struct AutostartCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-autostart",
        abstract: "Start, stop, kill or reboot the containers marked for autostart.",
        discussion: """
                Selects the containers of the lxcpath (-P; without it, lxc.lxcpath and every \
                lxcpath of berth.lxcpaths in berth.conf) with lxc.start.auto = 1 (all with -A) that are \
                in one of the groups given with -g (comma-separated, repeatable; an empty name is the \
                group of containers without lxc.group, and is the default), or in any group with -a. \
                Starts them, higher lxc.start.order first, waiting lxc.start.delay seconds after each; \
                -s, -k and -r act in the reverse order. -L lists what would be done, with the delays. \
                One container that fails does not stop the rest; the exit status is 1 when any failed.
                """,
        options: [
            .flag("r", "reboot", "Reboot the containers."),
            .flag("s", "shutdown", "Shut the containers down cleanly (killing after -t)."),
            .flag("k", "kill", "Kill the containers."),
            .flag("L", "list", "List the containers and their delays instead of acting."),
            .flag("a", "all", "Ignore lxc.group: every group."),
            .flag("A", "ignore-auto", "Ignore lxc.start.auto: every container."),
            .value("g", "groups", "GROUPS", "Groups to select, comma-separated (repeatable; an empty name is no group)."),
            .value("t", "timeout", "SECS", "Seconds to wait for a clean stop or a reboot (default 60)."),
        ] + CommonOptions.specs,
        positionals: []
    )

    var reboot: Bool
    var shutdown: Bool
    var kill: Bool
    var list: Bool
    var all: Bool
    var ignoreAuto: Bool
    var groups: [String]
    var timeout: Int
    let common: CommonOptions

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        reboot = arguments.flag("reboot")
        shutdown = arguments.flag("shutdown")
        kill = arguments.flag("kill")
        list = arguments.flag("list")
        all = arguments.flag("all")
        ignoreAuto = arguments.flag("ignore-auto")
        groups = arguments.values("groups")
        timeout = try arguments.number("timeout", as: Int.self) ?? 60
        common = try CommonOptions(arguments)
        try validate()
    }

    func validate() throws(BerthError) {
        if [reboot, shutdown, kill].filter({ $0 }).count > 1 { throw BerthError(.invalidArgument, "-r, -s and -k exclude each other") }
        if timeout < 0 { throw BerthError(.invalidArgument, "-t takes a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let action: Autostarter.Action = reboot ? .reboot(timeout: Double(timeout)) : shutdown ? .shutdown(timeout: Double(timeout)) : kill ? .kill : .start
        let selected = groups.isEmpty ? nil : groups.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        // Without -P: every lxcpath of the host (lxc.lxcpath, then berth.lxcpaths).
        let lxcpaths = common.lxcpath == nil ? context.system.allLxcpaths : [context.lxcpath]
        let autostarter = Autostarter(lxcpaths: lxcpaths, managedBridge: try context.system.managedBridge, warn: context.warn)
        let entries = autostarter.plan(Autostarter.Selection(groups: selected, allGroups: all, ignoreAuto: ignoreAuto), for: action)
        if list {
            for entry in entries { print("\(entry.container.name) \(action == .start ? entry.delay : 0)") }
            return
        }
        let failed = autostarter.run(action, on: entries)
        for (name, why) in failed { context.warn("\(name): \(why)") }
        if !failed.isEmpty { throw ToolExit(1) }
    }
}
