import BerthKit

/// berth-net: the managed bridge and its services at boot and on demand, as LXC's lxc-net
/// (which lxc-net.service runs) does for lxcbr0.
public struct NetCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-net",
        abstract: "Start, stop or show the managed bridge and its DHCP, DNS and NAT.",
        discussion: """
                The managed bridge is the one berth.conf names (berth.net.bridge, berthbr0 unless set). \
                start makes it with its address (berth.net.ipv4), starts its DHCP and DNS server \
                (dnsmasq, when berth.net.dhcp is 1, the default) and adds or removes the NAT table \
                ip berth_BRIDGE as berth.net.nat says; run it again after changing berth.conf. \
                stop stops the server, removes the NAT table and deletes the bridge when no \
                container is on it; the leases are kept for the next start. restart is stop then \
                start. status prints the bridge's state, the server's pid, whether NAT is on and \
                the leases, one ADDRESS MAC NAME line each. A container start on the bridge does \
                what start does when the bridge or its server is missing, so berth-net is needed \
                only to have them before any container runs (berth-net.service) or to apply a \
                changed berth.conf. Root only.
                """,
        options: [],
        positionals: [PositionalSpec("ACTION", "start, stop, restart or status.")]
    )

    enum Action: String { case start, stop, restart, status }

    let action: Action

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        guard let word = arguments.positionals.first else { throw BerthError(.invalidArgument, "give an action: start, stop, restart or status") }
        guard let action = Action(rawValue: word) else {
            throw BerthError(.invalidArgument, "unknown action '\(word)' (start, stop, restart or status)")
        }
        self.action = action
    }

    public func run() throws {
        let system = try SystemConfig.load()
        guard let bridge = try system.managedBridge else {
            // Not an error: berth-net.service runs on hosts that turned the bridge off too.
            Terminal.writeError("berth-net: the managed bridge is turned off in berth.conf (berth.net.bridge is empty): nothing to \(action.rawValue)\n")
            return
        }
        guard CurrentProcess.isRoot else { throw BerthError(.permissionDenied, "berth-net changes the host's network: run it as root") }
        let network = ManagedNetwork(bridge: bridge)
        let warn: (String) -> Void = { Terminal.writeError("berth-net: warning: \($0)\n") }
        switch action {
        case .start:
            try network.up(warn: warn)
        case .stop:
            for note in try network.down() { print(note) }
        case .restart:
            for note in try network.down() { print(note) }
            try network.up(warn: warn)
        case .status:
            let status = try network.status()
            print("bridge \(bridge.name) \(status.bridgeUp ? "up" : "down")")
            print("dhcp \(bridge.dhcp ? status.serverPID.map { "running (pid \($0))" } ?? "not running" : "off")")
            print("nat \(status.natTable ? "on" : "off")")
            for lease in status.leases { print("lease \(lease.address) \(lease.mac) \(lease.name ?? "*")") }
        }
    }
}
