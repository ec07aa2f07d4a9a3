import SystemPackage

/// A running container's interfaces, from the monitor's side: made on the host and in the
/// container's network namespace after clone, and given back when the container ends.
///
/// Veth peers and macvlans are created directly inside the container's namespace with their
/// final names, so nothing is ever renamed inside and nothing can clash with the host's names.
/// The container's namespace is held open until `detach`, so a phys device can be moved back to
/// the host after init is gone; veth pairs and macvlans die with the namespace, in the kernel's
/// background cleanup. A reboot deletes the old host ends first (`releaseHostEnds`), so the new
/// boot can take their names.
final class NetworkAttachment {
    let interfaces: [InterfacePlan]
    let containerName: String
    let bridge: ManagedBridge?
    let scripts: (InterfacePlan, String, String) throws(BerthError) -> Void
    private var netns: FileDescriptor?
    private var hostNetns: FileDescriptor?
    /// Netlink sockets on the host and in the container's namespace, opened by `prepare`.
    private var hostControl: NetworkControl?
    private var insideControl: NetworkControl?
    private var dumpedHostLinks: [NetworkControl.Link]?
    private var hostEnds: [(index: Int32, name: String)] = []
    /// l2proxy entries made on host interfaces, removed by `detach`.
    private var proxies: [(family: UInt8, address: [UInt8], index: Int32)] = []
    private var returns: [(inside: String, host: String)] = []
    private var scriptsRun: [(InterfacePlan, String)] = []
    /// The Linux bridges looked up in sysfs, by name (nil: not one), once per boot: the clash
    /// check, the veth and `gateway = auto` all need them (see linuxBridgeIndex).
    var linuxBridges: [String: Int32?] = [:]

    /// `scripts(interface, "up"|"down", hostInterface)` runs `lxc.net.N.script.*`.
    init(interfaces: [InterfacePlan], containerName: String, bridge: ManagedBridge?,
         scripts: @escaping (InterfacePlan, String, String) throws(BerthError) -> Void) {
        self.interfaces = interfaces
        self.containerName = containerName
        self.bridge = bridge
        self.scripts = scripts
    }

    /// What `attach` needs before it makes anything, for the container whose init is `pid`
    /// (in its own network namespace): both namespaces and netlink sockets in them, and the
    /// check that no fixed MAC address is in use on its bridge. Changes nothing, so the
    /// monitor does it while the child still has other work (see Monitor.spawn).
    func prepare(pid: pid_t) throws(BerthError) {
        netns = try FileSystem.open("/proc/\(pid)/ns/net", O_RDONLY)
        hostNetns = try FileSystem.open("/proc/self/ns/net", O_RDONLY)
        let host = try NetworkControl.host()
        hostControl = host
        insideControl = try NetworkControl.inNamespace(try namespace())
        if interfaces.allSatisfy(staysOnLinuxBridge) {
            try checkMACsOnBridges(host)
        } else {
            let links = try hostLinks(host)
            for interface in interfaces {
                guard let mac = interface.mac, let clash = links.first(where: { $0.mac == mac }) else { continue }
                throw BerthError(.busy, "lxc.net.\(interface.index).hwaddr: MAC address \(MACAddress.format(mac)) is already used by the host's interface \(clash.name)")
            }
        }
    }

    /// The host's links, dumped once when something needs them: a netlink dump of every link
    /// grows with the host's veths (one per running container), and the usual start (veths on
    /// Linux bridges) does without it.
    private func hostLinks(_ host: NetworkControl) throws(BerthError) -> [NetworkControl.Link] {
        if let dumpedHostLinks { return dumpedHostLinks }
        let links = try host.links()
        dumpedHostLinks = links
        return links
    }

    /// Sets up every interface, after `prepare`. On failure what was made stays recorded for
    /// `detach` and `releaseHostEnds`.
    func attach() throws(BerthError) {
        guard let host = hostControl else { throw BerthError(.system, "the host's network is not open") }
        // The sockets are needed for this boot's set-up only (detach opens its own).
        defer { hostControl = nil; insideControl = nil; dumpedHostLinks = nil }
        func hostLinks() throws(BerthError) -> [NetworkControl.Link] { try self.hostLinks(host) }

        var hostNames: [Int: String] = [:]
        for interface in interfaces {
            let n = interface.index
            switch interface.kind {
            case .empty:
                continue
            case .veth:
                var bridgeIndex: Int32?
                if let link = interface.link, !interface.router {
                    if let index = linuxBridgeIndex(link) {
                        bridgeIndex = index
                    } else if let found = try hostLinks().first(where: { $0.name == link }) {
                        guard found.kind == "bridge" || found.kind == "openvswitch" else {
                            throw BerthError(.invalidConfig, "lxc.net.\(n).link: host interface '\(link)' is not a bridge (it is \(found.kind ?? "a plain device")); a veth is attached to a bridge")
                        }
                        bridgeIndex = found.index
                    } else if let bridge, bridge.name == link {
                        bridgeIndex = try bridge.ensure(host)
                    } else {
                        throw BerthError(.notFound, "lxc.net.\(n).link: the bridge '\(link)' does not exist on the host")
                    }
                }
                let hostName = try createVeth(interface, host: host, bridge: bridgeIndex)
                hostNames[n] = hostName
                let hostEnd = hostEnds[hostEnds.count - 1].index
                if interface.vethVLAN != nil || !interface.vethTaggedVLANs.isEmpty {
                    try setBridgeVLANs(interface, host: host, port: hostEnd, links: try hostLinks())
                }
                for route in interface.hostRoutes {
                    try host.addRoute(family: route.bytes.count == 4 ? 2 : 10, destination: route.bytes, prefix: UInt8(route.prefix),
                                      gateway: nil, index: hostEnd, "lxc.net.\(n).veth route on \(hostName)")
                }
                if interface.router { try routeToContainer(interface, host: host, hostEnd: hostEnd, hostName: hostName) }
            case .macvlan:
                let parent = try hostLink(interface, try hostLinks())
                try host.createMacvlan(name: interface.name, parent: parent.index, mode: interface.macvlanMode, mac: interface.mac,
                                       mtu: interface.mtu, namespace: try namespace())
                hostNames[n] = parent.name
            case .vlan:
                let parent = try hostLink(interface, try hostLinks())
                do throws(BerthError) {
                    try host.createVLAN(name: interface.name, parent: parent.index, id: interface.vlanID ?? 0, mac: interface.mac,
                                        mtu: interface.mtu, namespace: try namespace())
                } catch {
                    throw Self.missingKernelSupport(error, n, "vlan", "802.1Q VLANs (CONFIG_VLAN_8021Q, the 8021q module)")
                }
                hostNames[n] = parent.name
            case .ipvlan:
                let parent = try hostLink(interface, try hostLinks())
                do throws(BerthError) {
                    try host.createIPVLAN(name: interface.name, parent: parent.index, mode: interface.ipvlanMode, isolation: interface.ipvlanIsolation,
                                          mtu: interface.mtu, namespace: try namespace())
                } catch {
                    throw Self.missingKernelSupport(error, n, "ipvlan", "ipvlan (CONFIG_IPVLAN, the ipvlan module)")
                }
                hostNames[n] = parent.name
            case .phys:
                let device = try hostLink(interface, try hostLinks())
                try host.change(device.index, name: interface.name, namespace: try namespace(), "lxc.net.\(n): moving \(device.name) into the container")
                returns.append((interface.name, device.name))
                hostNames[n] = device.name
            }
            if interface.l2proxy { try addL2Proxies(interface, host: host, links: try hostLinks()) }
            try scripts(interface, "up", hostNames[n] ?? "")
            scriptsRun.append((interface, hostNames[n] ?? ""))
        }
        try configureInside(host: host)
    }

    /// veth.vlan.id and veth.vlan.tagged.id on the host end, as LXC sets them: only on a Linux
    /// bridge with VLAN filtering on; a native VLAN replaces the default VLAN 1.
    private func setBridgeVLANs(_ interface: InterfacePlan, host: NetworkControl, port: Int32, links: [NetworkControl.Link]) throws(BerthError) {
        let n = interface.index
        let key = "lxc.net.\(n).veth.vlan\(interface.vethVLAN != nil ? ".id" : ".tagged.id")"
        let bridge = interface.link ?? ""
        if links.first(where: { $0.name == bridge })?.kind == "openvswitch" {
            throw BerthError(.unsupported, "\(key): \(bridge) is an Open vSwitch bridge; Berth sets VLANs on Linux bridges only")
        }
        guard let filtering = try? FileSystem.readText("/sys/class/net/\(bridge)/bridge/vlan_filtering") else {
            throw BerthError(.unsupported, "\(key): this kernel's bridges have no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING), so \(bridge) cannot carry VLANs")
        }
        guard filtering.hasPrefix("1") else {
            throw BerthError(.invalidConfig, "\(key): the bridge \(bridge) has VLAN filtering off; turn it on first (ip link set \(bridge) type bridge vlan_filtering 1), as LXC requires")
        }
        if let native = interface.vethVLAN {
            try host.bridgeVLAN(false, port: port, id: 1, native: false, "\(key): removing the default VLAN 1 from the host end")
            if case .id(let id) = native { try host.bridgeVLAN(true, port: port, id: id, native: true, "\(key): VLAN \(id) untagged on the host end") }
        }
        for id in interface.vethTaggedVLANs {
            try host.bridgeVLAN(true, port: port, id: id, native: false, "lxc.net.\(n).veth.vlan.tagged.id: VLAN \(id) tagged on the host end")
        }
    }

    /// A device kind the kernel does not know (built without it, its module not loaded) is
    /// named as such; other errors pass unchanged.
    private static func missingKernelSupport(_ error: BerthError, _ n: Int, _ type: String, _ feature: String) -> BerthError {
        guard error.errno == .notSupported else { return error }
        return BerthError(.unsupported, "lxc.net.\(n).type = \(type): this kernel has no \(feature), so the interface cannot be made", errno: error.errno)
    }

    /// Router mode, as LXC's: a host route to each of the container's addresses through the
    /// host end (the routes go with it), and proxy entries there for the container's gateways,
    /// so the container reaches them without a bridge.
    private func routeToContainer(_ interface: InterfacePlan, host: NetworkControl, hostEnd: Int32, hostName: String) throws(BerthError) {
        let n = interface.index
        for address in interface.ipv4 + interface.ipv6 {
            let v4 = address.bytes.count == 4
            try host.addRoute(family: v4 ? 2 : 10, destination: address.bytes, prefix: v4 ? 32 : 128, gateway: nil, index: hostEnd,
                              "lxc.net.\(n).veth.mode = router: a route to \(v4 ? IPAddress.formatIPv4(address.bytes) : IPAddress.formatIPv6(address.bytes)) via \(hostName)")
        }
        for case .address(let gateway) in [interface.ipv4Gateway, interface.ipv6Gateway].compactMap({ $0 }) {
            try host.proxyNeighbour(true, family: gateway.count == 4 ? 2 : 10, address: gateway, index: hostEnd, "lxc.net.\(n).veth.mode = router: answering for the gateway on \(hostName)")
        }
    }

    /// l2proxy: the host answers ARP/NDP for the container's addresses on `link` (its uplink),
    /// as LXC does; removed again in `detach` (the link outlives the container).
    private func addL2Proxies(_ interface: InterfacePlan, host: NetworkControl, links: [NetworkControl.Link]) throws(BerthError) {
        let parent = try hostLink(interface, links)
        for address in interface.ipv4 + interface.ipv6 {
            let family: UInt8 = address.bytes.count == 4 ? 2 : 10
            try host.proxyNeighbour(true, family: family, address: address.bytes, index: parent.index, "lxc.net.\(interface.index).l2proxy on \(parent.name)")
            proxies.append((family, address.bytes, parent.index))
        }
    }

    /// The host's interface `lxc.net.N.link` names, or an error naming the key.
    private func hostLink(_ interface: InterfacePlan, _ links: [NetworkControl.Link]) throws(BerthError) -> NetworkControl.Link {
        let link = interface.link ?? ""
        guard let found = links.first(where: { $0.name == link }) else {
            throw BerthError(.notFound, "lxc.net.\(interface.index).link: the host has no interface '\(link)'")
        }
        return found
    }

    /// The veth pair; returns the host end's name. A fixed name (`veth.pair`) that is taken is
    /// waited for a moment: the host end of this container's previous run may still be going
    /// away.
    private func createVeth(_ interface: InterfacePlan, host: NetworkControl, bridge: Int32?) throws(BerthError) -> String {
        let name = interface.vethPair ?? Self.randomVethName()
        var attempts = 0
        while true {
            do throws(BerthError) {
                try host.createVeth(host: name, bridge: bridge, mtu: interface.mtu, peer: interface.name, peerMAC: interface.mac, peerNamespace: try namespace(),
                                    queues: (interface.vethRxQueues, interface.vethTxQueues))
                break
            } catch {
                attempts += 1
                guard error.errno == .fileExists, interface.vethPair != nil, attempts < 200 else {
                    if error.errno == .fileExists, interface.vethPair != nil {
                        throw BerthError(.alreadyExists, "lxc.net.\(interface.index).veth.pair: the host already has an interface named \(name)")
                    }
                    throw BerthError(error.code, "lxc.net.\(interface.index): \(error.message)", errno: error.errno)
                }
                CurrentProcess.pause(microseconds: 5_000)
            }
        }
        // Its index by name (see NetworkControl.index(named:)) rather than a netlink dump of
        // every link, which grows with the host's veths; the dump should the name be gone.
        let index: Int32
        if let number = NetworkControl.index(named: name) {
            index = number
        } else if let made = try host.link(named: name) {
            index = made.index
        } else {
            throw BerthError(.system, "veth \(name) vanished right after it was made")
        }
        hostEnds.append((index, name))
        // A bridge port's end gets no IPv6 address of its own: the bridge holds the host's
        // addresses, and a port's link-local address is never used, but making one sends
        // duplicate-address, multicast-listener and router-solicitation packets into the
        // container at every start (and each one's timers and sysctl-driven work). An end
        // without a bridge (router mode, a script's own wiring) keeps it: routes may use it.
        // A kernel without IPv6 refuses the setting (EAFNOSUPPORT): then just up.
        do throws(BerthError) {
            try host.change(index, up: true, linkLocalIPv6: bridge == nil, "bringing \(name) up")
        } catch where error.errno == .addressFamilyNotSupported && bridge != nil {
            try host.change(index, up: true, "bringing \(name) up")
        }
        return name
    }

    /// Inside the container: loopback up, addresses, links up, then the default routes (a
    /// route needs its link up).
    private func configureInside(host: NetworkControl) throws(BerthError) {
        guard let inside = insideControl else { throw BerthError(.system, "the container's network is not open") }
        let links = try inside.links()
        if let loopback = links.first(where: { $0.name == "lo" }) { try inside.change(loopback.index, up: true, "bringing lo up") }
        var indexes: [Int: Int32] = [:]
        for interface in interfaces where interface.kind != .empty {
            let n = interface.index
            // One dump serves every interface: all were made before this runs.
            guard let link = links.first(where: { $0.name == interface.name }) else {
                throw BerthError(.system, "lxc.net.\(n): \(interface.name) is missing in the container")
            }
            indexes[n] = link.index
            if interface.kind == .phys, interface.mac != nil || interface.mtu != nil {
                try inside.change(link.index, mtu: interface.mtu, mac: interface.mac, "lxc.net.\(n): setting \(interface.name)'s MAC/MTU")
            }
            for address in interface.ipv4 {
                try inside.addAddress(link.index, family: 2, bytes: address.bytes, prefix: UInt8(address.prefix), broadcast: address.broadcast,
                                      "lxc.net.\(n).ipv4.address \(IPAddress.formatIPv4(address.bytes))/\(address.prefix)")
            }
            for address in interface.ipv6 {
                try inside.addAddress(link.index, family: 10, bytes: address.bytes, prefix: UInt8(address.prefix), broadcast: nil,
                                      "lxc.net.\(n).ipv6.address \(IPAddress.formatIPv6(address.bytes))/\(address.prefix)")
            }
            if interface.up { try inside.change(link.index, up: true, "lxc.net.\(n): bringing \(interface.name) up") }
        }
        for interface in interfaces {
            guard let index = indexes[interface.index] else { continue }
            if let gateway = interface.ipv4Gateway {
                try addDefaultRoute(gateway, family: 2, interface, index: index, inside: inside, host: host)
            }
            if let gateway = interface.ipv6Gateway {
                try addDefaultRoute(gateway, family: 10, interface, index: index, inside: inside, host: host)
            }
        }
    }

    private func addDefaultRoute(_ gateway: InterfacePlan.Gateway, family: UInt8, _ interface: InterfacePlan, index: Int32,
                                 inside: NetworkControl, host: NetworkControl) throws(BerthError) {
        let key = "lxc.net.\(interface.index).\(family == 2 ? "ipv4" : "ipv6").gateway"
        var via: [UInt8]?
        switch gateway {
        case .dev:
            via = nil
        case .address(let bytes):
            via = bytes
        case .auto:
            let own = family == 2 ? interface.ipv4 : interface.ipv6
            // The bridge's index from sysfs for a Linux bridge (a dump of every link otherwise).
            var found = interface.link.flatMap(linuxBridgeIndex)
            if found == nil, let link = interface.link { found = try host.link(named: link)?.index }
            guard let link = interface.link, let bridgeIndex = found else {
                throw BerthError(.invalidConfig, "\(key): auto needs the bridge's address, but there is no bridge")
            }
            let candidates = try host.addresses(family: family).filter { $0.index == bridgeIndex }
            // The bridge address in the container's own subnet, else its first one.
            let pick = candidates.first { address in own.contains { IPAddress.contains(network: $0.bytes, prefix: $0.prefix, address.bytes) } }
                ?? candidates.first { family == 2 || $0.bytes[0] != 0xfe }
            guard let pick else { throw BerthError(.invalidConfig, "\(key): auto, but the bridge \(link) has no \(family == 2 ? "IPv4" : "IPv6") address") }
            via = pick.bytes
        }
        let own = family == 2 ? interface.ipv4 : interface.ipv6
        if let via, !own.contains(where: { IPAddress.contains(network: $0.bytes, prefix: $0.prefix, via) }) {
            // A gateway outside the interface's subnets is reached on the link itself.
            try inside.addRoute(family: family, destination: via, prefix: UInt8(via.count * 8), gateway: nil, index: index, "\(key): on-link route to the gateway")
        }
        try inside.addRoute(family: family, destination: [], prefix: 0, gateway: via, index: index, "\(key): default route")
    }

    /// Gives back what the container had: `script.down`, phys devices moved back to the host
    /// under their own names, and the hold on the namespace released (veth and macvlan devices
    /// end with it). Returns what could not be done, for the log.
    func detach() -> [String] {
        var problems: [String] = []
        for (interface, hostName) in scriptsRun.reversed() {
            do throws(BerthError) { try scripts(interface, "down", hostName) } catch { problems.append(error.message) }
        }
        scriptsRun = []
        if !returns.isEmpty, let netns, let hostNetns {
            do throws(BerthError) {
                let inside = try NetworkControl.inNamespace(netns)
                for (insideName, hostName) in returns {
                    guard let link = try inside.link(named: insideName) else {
                        problems.append("phys device \(hostName) (\(insideName) in the container) is gone")
                        continue
                    }
                    // Down first: it left the host down and the container may have brought it up.
                    try? inside.change(link.index, up: false, "taking \(insideName) down")
                    try inside.change(link.index, name: hostName, namespace: hostNetns, "moving \(insideName) back to the host as \(hostName)")
                }
            } catch {
                problems.append(error.message)
            }
        }
        returns = []
        if !proxies.isEmpty, let host = try? NetworkControl.host() {
            for proxy in proxies {
                do throws(BerthError) { try host.proxyNeighbour(false, family: proxy.family, address: proxy.address, index: proxy.index, "removing an l2proxy entry") } catch { problems.append(error.message) }
            }
        }
        proxies = []
        hostControl = nil
        insideControl = nil
        netns?.closeQuietly()
        hostNetns?.closeQuietly()
        netns = nil
        hostNetns = nil
        return problems
    }

    /// The container's network namespace, open since `attach` began.
    private func namespace() throws(BerthError) -> FileDescriptor {
        guard let netns else { throw BerthError(.system, "the container's network namespace is not open") }
        return netns
    }

    /// Deletes the host ends of the veths that still exist (by index and name, so a new
    /// interface of the same name is never touched). Each costs an RCU grace period.
    func releaseHostEnds() {
        guard !hostEnds.isEmpty else { return }
        if let host = try? NetworkControl.host(), let links = try? host.links() {
            for end in hostEnds where links.contains(where: { $0.index == end.index && $0.name == end.name }) {
                try? host.delete(end.index, "deleting \(end.name)")
            }
        }
        hostEnds = []
    }

    /// The host end's name when `veth.pair` is not set: `veth` and six random characters.
    static func randomVethName() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return "veth" + String((0..<6).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
