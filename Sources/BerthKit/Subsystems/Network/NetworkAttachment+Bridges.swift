/// The Linux bridges a container's veths join, seen through sysfs, and the MAC clash check on
/// them: the usual start (veths on Linux bridges) never dumps every host link.
extension NetworkAttachment {
    /// Whether a MAC address of this interface can meet others only on a Linux bridge (or on
    /// no segment but its own veth pair): a plain veth, on a bridge sysfs shows, or routed, or
    /// on no bridge at all. Anything else (macvlan, vlan, ipvlan, phys, l2proxy, VLANs on the
    /// bridge, Open vSwitch, a bridge still to be made) is checked against every host link.
    func staysOnLinuxBridge(_ interface: InterfacePlan) -> Bool {
        switch interface.kind {
        case .empty: return true
        case .veth:
            guard !interface.l2proxy, interface.vethVLAN == nil, interface.vethTaggedVLANs.isEmpty else { return false }
            guard let link = interface.link, !interface.router else { return true }
            return linuxBridgeIndex(link) != nil
        default: return false
        }
    }

    /// The interface index of the Linux bridge `name` (LinuxBridges asks sysfs, or knows it from
    /// berth-start; this start asks once), nil when no Linux bridge has that name.
    func linuxBridgeIndex(_ name: String) -> Int32? {
        if let known = linuxBridges[name] { return known }
        let index = LinuxBridges.index(named: name)
        linuxBridges[name] = index
        return index
    }

    /// A fixed MAC address may not be the bridge's own, one of its ports' (a host NIC on the
    /// bridge, another host end) or one added to the bridge's forwarding database for a port:
    /// the segment the container joins. The forwarding database is asked for that one address.
    /// An address the bridge has only learned from traffic is no clash: such an entry outlives
    /// its sender by minutes, and is often the container's own, from its previous boot.
    func checkMACsOnBridges(_ host: NetworkControl) throws(BerthError) {
        for interface in interfaces where interface.kind == .veth && !interface.router {
            guard let mac = interface.mac, let bridge = interface.link, let index = linuxBridgeIndex(bridge) else { continue }
            if NetworkControl.hardwareAddress(named: bridge) == mac {
                throw BerthError(.busy, "lxc.net.\(interface.index).hwaddr: MAC address \(MACAddress.format(mac)) is already used by the host's interface \(bridge)")
            }
            // The bridge's forwarding database answers for all its ports at once; a kernel
            // without single-entry lookups (before 4.20) has the ports' own addresses listed.
            // The ports are listed once, and only then or to name the one that clashes.
            var listed: [NetworkControl.Link]?
            let port: Int32?
            do throws(BerthError) { port = try host.bridgePort(holding: mac, bridge: index) } catch {
                let found = try host.links(master: index)
                listed = found
                port = found.first { $0.mac == mac }?.index
            }
            guard let port else { continue }
            let ports: [NetworkControl.Link]
            if let listed { ports = listed } else { ports = try host.links(master: index) }
            let name = ports.first { $0.index == port }?.name ?? bridge
            if ports.contains(where: { $0.index == port && $0.mac == mac }) || port == index {
                throw BerthError(.busy, "lxc.net.\(interface.index).hwaddr: MAC address \(MACAddress.format(mac)) is already used by the host's interface \(name)")
            }
            throw BerthError(.busy, "lxc.net.\(interface.index).hwaddr: MAC address \(MACAddress.format(mac)) is already in use on the bridge \(bridge), behind its port \(name) (a static forwarding entry)")
        }
    }
}
