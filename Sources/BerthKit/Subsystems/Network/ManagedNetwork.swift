/// The managed bridge with its services, as `berth-net` and `berth-net.service` run them and as
/// a start on the bridge finds them: the bridge itself, its DHCP and DNS server
/// (`berth.net.dhcp`, `DHCPServer`) and its NAT table (`berth.net.nat`, `NATTable`).
///
/// The server's life follows the bridge's: `berth-net start` (at boot) or the first container
/// start that makes the bridge starts it; every start on the bridge starts it again if it died;
/// a lock in its run directory keeps it to one instance. Only root runs any of this.
public struct ManagedNetwork {
    public static let defaultRunRoot = "/run/berth/net"
    public static let defaultStateRoot = "/var/lib/berth/net"

    public let bridge: ManagedBridge
    let server: DHCPServer
    let nat: NATTable
    let runDirectory: String

    /// `BERTH_NET_RUN_DIR` and `BERTH_NET_STATE_DIR` replace the two roots (tests). Looked up
    /// one by one (as SystemConfig.load does): a create, copy or destroy needs no dictionary of
    /// the whole environment for them.
    public init(bridge: ManagedBridge, environment: (String) -> String? = ProcessEnvironment.value) {
        self.bridge = bridge
        runDirectory = Path.join(environment("BERTH_NET_RUN_DIR") ?? Self.defaultRunRoot, bridge.name)
        let stateDirectory = Path.join(environment("BERTH_NET_STATE_DIR") ?? Self.defaultStateRoot, bridge.name)
        server = DHCPServer(bridge: bridge, runDirectory: runDirectory, stateDirectory: stateDirectory)
        nat = NATTable(bridge: bridge, runDirectory: runDirectory)
    }

    public var leaseFile: String { server.leaseFile }
    /// The leases, the reservations and the host names: kept across reboots and `berth-net stop`.
    public var stateDirectory: String { server.stateDirectory }

    /// One holder at a time sets the network up or down (two starts at once make one server).
    private func lock() throws(BerthError) -> FileLock {
        try FileSystem.makeDirectories(runDirectory)
        return try FileLock.acquire(Path.join(runDirectory, "lock"), timeout: 30, what: "the managed network \(bridge.name)")
    }

    /// `berth-net start`: the bridge, its server (started again if the bridge was just made)
    /// and the NAT table as berth.conf says now (added, or removed when turned off).
    public func up(warn: (String) -> Void) throws(BerthError) {
        let held = try lock()
        defer { held.release() }
        let host = try NetworkControl.host()
        let existed = try host.link(named: bridge.name) != nil
        _ = try bridge.ensure(host)
        try startServer(restart: !existed, warn: warn)
        if bridge.nat { try nat.apply() } else { try nat.remove() }
    }

    /// `berth-net stop`: the server stopped, the NAT table removed, and the bridge deleted when
    /// no container is on it (else left, with a note saying so). Leases stay.
    public func down() throws(BerthError) -> [String] {
        let held = try lock()
        defer { held.release() }
        var notes: [String] = []
        server.stop()
        try nat.remove()
        let host = try NetworkControl.host()
        if let link = try host.link(named: bridge.name) {
            let ports = try host.links().filter { $0.master == link.index }
            if ports.isEmpty {
                try host.delete(link.index, "deleting the bridge \(bridge.name)")
            } else {
                notes.append("\(bridge.name) is left: \(ports.count) interface\(ports.count == 1 ? " is" : "s are") on it (\(ports.map(\.name).sorted().joined(separator: ", ")))")
            }
        }
        try? FileSystem.removeTree(runDirectory)
        return notes
    }

    /// What `berth-net status` reports.
    public struct Status: Sendable {
        public let bridgeUp: Bool
        public let serverPID: Int32?
        public let natTable: Bool
        public let leases: [(address: String, mac: String, name: String?)]
    }

    public func status() throws(BerthError) -> Status {
        let host = try NetworkControl.host()
        return Status(bridgeUp: try host.link(named: bridge.name)?.isUp ?? false, serverPID: server.runningPID(), natTable: nat.isPresent(),
                      leases: server.leases().map { (IPAddress.formatIPv4($0.address), $0.mac, $0.name) })
    }

    /// Before a start whose interfaces use the bridge: the bridge made if missing (with the
    /// NAT table then, if asked for), the server running, and this container's MACs, static
    /// addresses and name known to it.
    func prepareStart(name: String, interfaces: [InterfacePlan], warn: (String) -> Void) throws(BerthError) {
        let mine = interfaces.filter { $0.kind == .veth && $0.link == bridge.name }
        guard !mine.isEmpty, CurrentProcess.isRoot else { return }
        let entries = mine.map { interface in
            (interface.mac, interface.ipv4.first { bridge.contains($0.bytes) }?.bytes)
        }
        // Most starts find everything in place: then nothing is changed, and parallel starts
        // do not queue on the lock. (The bridge is looked up in sysfs: a netlink dump of every
        // link grows with the host's veths, one per running container. The monitor this
        // process forks inherits the answer; see LinuxBridges.)
        if LinuxBridges.index(named: bridge.name) != nil,
           !bridge.dhcp || (server.runningPID() != nil && server.isRegistered(name: name, entries: entries)) {
            return
        }
        let host = try NetworkControl.host()
        let held = try lock()
        defer { held.release() }
        let existed = try host.link(named: bridge.name) != nil
        if !existed {
            _ = try bridge.ensure(host)
            if bridge.nat { try nat.apply() }
        }
        guard bridge.dhcp else { return }
        try startServer(restart: !existed, warn: warn)
        guard DHCPServer.program() != nil else { return }
        try server.register(name: name, entries: entries)
    }

    /// berth-create and berth-copy: a new container's static addresses on the bridge are
    /// reserved at once, so the server never leases one while the container is stopped.
    func reserve(name: String, config: ContainerConfig) throws(BerthError) {
        guard bridge.dhcp, CurrentProcess.isRoot else { return }
        let mine = config.networks.filter { $0.type == "veth" && $0.link == bridge.name }
        guard !mine.isEmpty else { return }
        try server.register(name: name, entries: mine.map { network in
            (network.hwaddr.flatMap(MACAddress.parse),
             network.ipv4Addresses.compactMap { IPAddress.parseCIDR($0, ipv6: false)?.address }
                .first(where: bridge.contains))
        })
    }

    /// Starts the server when DHCP is on; a missing dnsmasq is an error when berth.conf asked
    /// for DHCP itself, and a warning under the default.
    private func startServer(restart: Bool, warn: (String) -> Void) throws(BerthError) {
        guard bridge.dhcp else {
            server.stop()
            return
        }
        guard DHCPServer.program() != nil || bridge.dhcpRequired else {
            warn("\(bridge.name): no DHCP or DNS for containers: dnsmasq is not installed (Debian package dnsmasq-base); set berth.net.dhcp = 0 in berth.conf to say that is meant")
            return
        }
        try server.ensure(restart: restart)
    }

    /// berth-destroy: the container's reservation and name are dropped.
    func forget(name: String) {
        guard CurrentProcess.isRoot else { return }
        server.forget(name: name)
    }

    /// Addresses dnsmasq has leased: not handed out as static ones.
    func leasedAddresses() -> [[UInt8]] { server.leases().map(\.address) }
}
