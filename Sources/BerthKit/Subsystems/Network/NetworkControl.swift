import SystemPackage

/// Interfaces, addresses and routes of one network namespace, changed through rtnetlink: what
/// `ip link`, `ip addr` and `ip route` do, without running them.
struct NetworkControl {
    let socket: NetlinkSocket

    // Attribute numbers (linux/if_link.h, if_addr.h, rtnetlink.h, veth.h, if_link.h macvlan).
    private static let address: UInt16 = 1, ifname: UInt16 = 3, mtu: UInt16 = 4, link: UInt16 = 5
    private static let master: UInt16 = 10, linkinfo: UInt16 = 18, netnsFD: UInt16 = 28
    private static let infoKind: UInt16 = 1, infoData: UInt16 = 2, vethPeer: UInt16 = 1, macvlanMode: UInt16 = 1
    // IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES; IFLA_VLAN_ID; IFLA_IPVLAN_MODE, IFLA_IPVLAN_FLAGS.
    private static let txQueues: UInt16 = 31, rxQueues: UInt16 = 32, vlanID: UInt16 = 1, ipvlanMode: UInt16 = 1, ipvlanFlags: UInt16 = 2
    static let up: UInt32 = 1  // IFF_UP
    // IFLA_AF_SPEC; inside its AF_INET6 nest, IFLA_INET6_ADDR_GEN_MODE (a u8).
    private static let afSpec: UInt16 = 26, inet6AddressGenerationMode: UInt16 = 8
    private static let neighbourMaster: UInt16 = 9  // NDA_MASTER

    /// One interface as a dump reports it.
    struct Link: Equatable {
        let index: Int32
        let name: String
        let mac: [UInt8]
        let kind: String?
        let master: Int32?
        let isUp: Bool
    }

    /// One address as a dump reports it.
    struct Address: Equatable {
        let index: Int32
        let family: UInt8
        let bytes: [UInt8]
        let prefix: UInt8
        var text: String { family == UInt8(AF_INET) ? IPAddress.formatIPv4(bytes) : IPAddress.formatIPv6(bytes) }
    }

    static func host() throws(BerthError) -> NetworkControl { NetworkControl(socket: try .open()) }
    static func inNamespace(_ netns: FileDescriptor) throws(BerthError) -> NetworkControl { NetworkControl(socket: try .open(inNamespace: netns)) }

    // MARK: links

    /// The index of the interface `name` in this process's network namespace, nil when there
    /// is none. Why not sysfs (`/sys/class/net/NAME/ifindex`): while other containers start,
    /// every device they register writes sysfs under its tree lock and a path walk there waits
    /// for them; if_nametoindex asks the kernel by name (an ioctl on a throwaway socket) and
    /// takes no lock that they hold.
    static func index(named name: String) -> Int32? {
        let index = if_nametoindex(name)
        return index == 0 || index > UInt32(Int32.max) ? nil : Int32(index)
    }

    /// The hardware (MAC) address of the interface `name` in this process's network namespace,
    /// nil when there is none or it has no six-byte address (InterfaceHardware: not from sysfs,
    /// for the reason index(named:) gives).
    static func hardwareAddress(named name: String) -> [UInt8]? { InterfaceHardware.address(named: name) }

    /// Every link, or with `master` only the ports of that bridge (the kernel filters the dump
    /// by IFLA_MASTER, so it does not grow with the host's other interfaces).
    func links(master: Int32? = nil) throws(BerthError) -> [Link] {
        var message = NetlinkMessage(type: NetlinkMessage.getLink, flags: NetlinkMessage.dump)
        message.appendLinkHeader()
        // IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS: no counters, which are most of each link's
        // message and are never read here.
        message.append(29, UInt32(8))
        if let master { message.append(Self.master, UInt32(bitPattern: master)) }
        return try socket.dump(message, familySize: 16, "listing interfaces").compactMap { family, attributes in
            let base = family.startIndex
            guard let name = attributes.string(Self.ifname) else { return nil }
            var kind: String?
            if let info = attributes[Self.linkinfo] { kind = NetlinkAttributes(info[...]).string(Self.infoKind) }
            return Link(index: family.readValue(Int32.self, at: base + 4), name: name, mac: attributes[Self.address] ?? [],
                        kind: kind, master: attributes.uint32(Self.master).map { Int32(bitPattern: $0) },
                        isUp: family.readValue(UInt32.self, at: base + 8) & Self.up != 0)
        }
    }

    func link(named name: String) throws(BerthError) -> Link? { try links().first { $0.name == name } }

    /// A veth pair: `host` stays here (on `bridge` when given), the peer is made directly in
    /// the namespace `peerNamespace` with its final name and MAC, so nothing inside can clash.
    func createVeth(host: String, bridge: Int32?, mtu: UInt32?, peer: String, peerMAC: [UInt8]?, peerNamespace: FileDescriptor,
                    queues: (rx: UInt32?, tx: UInt32?) = (nil, nil)) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newLink, flags: NetlinkMessage.create | NetlinkMessage.exclusive | NetlinkMessage.acknowledge)
        message.appendLinkHeader()
        message.append(Self.ifname, string: host)
        if let mtu { message.append(Self.mtu, mtu) }
        // Queue counts for both ends (LXC's veth.n_rxqueues/n_txqueues), given at creation: the
        // kernel fixes them then. Unset, one each: the traffic gets one queue either way, but a
        // veth made without counts gets one per possible CPU and is cut down to one right after
        // it is registered, which waits for an RCU grace period for each end (a millisecond of
        // the start here when the container's first process keeps the other CPU busy).
        message.append(Self.txQueues, queues.tx ?? 1)
        message.append(Self.rxQueues, queues.rx ?? 1)
        if let bridge { message.append(Self.master, bridge) }
        message.beginNest(Self.linkinfo)
        message.append(Self.infoKind, string: "veth")
        message.beginNest(Self.infoData)
        message.beginNest(Self.vethPeer)
        message.appendLinkHeader()
        message.append(Self.ifname, string: peer)
        if let peerMAC { message.append(Self.address, bytes: peerMAC) }
        if let mtu { message.append(Self.mtu, mtu) }
        message.append(Self.txQueues, queues.tx ?? 1)
        message.append(Self.rxQueues, queues.rx ?? 1)
        message.append(Self.netnsFD, UInt32(bitPattern: peerNamespace.rawValue))
        message.endNest()
        message.endNest()
        message.endNest()
        try socket.perform(message, "creating veth \(host)")
    }

    /// A macvlan on `parent`, made directly in `namespace` with its final name.
    func createMacvlan(name: String, parent: Int32, mode: UInt32, mac: [UInt8]?, mtu: UInt32?, namespace: FileDescriptor) throws(BerthError) {
        try createOnParent("macvlan", name: name, parent: parent, mac: mac, mtu: mtu, namespace: namespace, data: [(Self.macvlanMode, mode.nativeBytes)])
    }

    /// A VLAN device with `id` on `parent`, made directly in `namespace` with its final name.
    func createVLAN(name: String, parent: Int32, id: UInt16, mac: [UInt8]?, mtu: UInt32?, namespace: FileDescriptor) throws(BerthError) {
        try createOnParent("vlan", name: name, parent: parent, mac: mac, mtu: mtu, namespace: namespace, data: [(Self.vlanID, id.nativeBytes)])
    }

    /// An ipvlan on `parent` (it shares the parent's MAC), made directly in `namespace`.
    func createIPVLAN(name: String, parent: Int32, mode: UInt16, isolation: UInt16, mtu: UInt32?, namespace: FileDescriptor) throws(BerthError) {
        try createOnParent("ipvlan", name: name, parent: parent, mac: nil, mtu: mtu, namespace: namespace,
                           data: [(Self.ipvlanMode, mode.nativeBytes), (Self.ipvlanFlags, isolation.nativeBytes)])
    }

    /// A device of `kind` stacked on `parent` and made in `namespace` with its final name, its
    /// kind's settings (IFLA_INFO_DATA) given as attributes.
    private func createOnParent(_ kind: String, name: String, parent: Int32, mac: [UInt8]?, mtu: UInt32?, namespace: FileDescriptor,
                                data: [(UInt16, [UInt8])]) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newLink, flags: NetlinkMessage.create | NetlinkMessage.exclusive | NetlinkMessage.acknowledge)
        message.appendLinkHeader()
        message.append(Self.ifname, string: name)
        message.append(Self.link, parent)
        if let mac { message.append(Self.address, bytes: mac) }
        if let mtu { message.append(Self.mtu, mtu) }
        message.append(Self.netnsFD, UInt32(bitPattern: namespace.rawValue))
        message.beginNest(Self.linkinfo)
        message.append(Self.infoKind, string: kind)
        message.beginNest(Self.infoData)
        for (type, bytes) in data { message.append(type, bytes: bytes) }
        message.endNest()
        message.endNest()
        try socket.perform(message, "creating \(kind) \(name)")
    }

    func createBridge(_ name: String) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newLink, flags: NetlinkMessage.create | NetlinkMessage.exclusive | NetlinkMessage.acknowledge)
        message.appendLinkHeader()
        message.append(Self.ifname, string: name)
        message.beginNest(Self.linkinfo)
        message.append(Self.infoKind, string: "bridge")
        message.endNest()
        try socket.perform(message, "creating bridge \(name)")
    }

    /// Changes an existing interface: what is given is set, in one request.
    /// `linkLocalIPv6` false: the interface makes no IPv6 address of its own (addrgenmode none),
    /// set in the same message as `up` so it holds before the link first comes up.
    func change(_ index: Int32, name: String? = nil, mtu: UInt32? = nil, mac: [UInt8]? = nil, up: Bool? = nil,
                master: Int32? = nil, namespace: FileDescriptor? = nil, linkLocalIPv6: Bool = true, _ what: String) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newLink, flags: NetlinkMessage.acknowledge)
        message.appendLinkHeader(index: index, flags: up == true ? Self.up : 0, change: up == nil ? 0 : Self.up)
        if let name { message.append(Self.ifname, string: name) }
        if let mtu { message.append(Self.mtu, mtu) }
        if let mac { message.append(Self.address, bytes: mac) }
        if let master { message.append(Self.master, master) }
        if let namespace { message.append(Self.netnsFD, UInt32(bitPattern: namespace.rawValue)) }
        if !linkLocalIPv6 {
            message.beginNest(Self.afSpec)
            message.beginNest(10)  // AF_INET6
            message.append(Self.inet6AddressGenerationMode, bytes: [1])  // IN6_ADDR_GEN_MODE_NONE
            message.endNest()
            message.endNest()
        }
        try socket.perform(message, what)
    }

    func delete(_ index: Int32, _ what: String) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.deleteLink, flags: NetlinkMessage.acknowledge)
        message.appendLinkHeader(index: index)
        try socket.perform(message, what)
    }

    /// Adds (or with `add` false removes) VLAN `id` on bridge port `port`, as `bridge vlan add
    /// dev PORT vid ID [pvid untagged]`: a setlink/dellink of family AF_BRIDGE carrying
    /// IFLA_AF_SPEC { IFLA_BRIDGE_VLAN_INFO { flags, vid } }.
    func bridgeVLAN(_ add: Bool, port: Int32, id: UInt16, native: Bool, _ what: String) throws(BerthError) {
        var message = NetlinkMessage(type: add ? NetlinkMessage.setLink : NetlinkMessage.deleteLink, flags: NetlinkMessage.acknowledge)
        message.appendLinkHeader(family: 7, index: port)  // AF_BRIDGE
        message.beginNest(26)  // IFLA_AF_SPEC
        let flags: UInt16 = native ? 0x2 | 0x4 : 0  // BRIDGE_VLAN_INFO_PVID | _UNTAGGED
        message.append(2, bytes: flags.nativeBytes + id.nativeBytes)  // IFLA_BRIDGE_VLAN_INFO
        message.endNest()
        try socket.perform(message, what)
    }

    // MARK: neighbours

    /// A proxy neighbour entry (`ip neigh add proxy ADDRESS dev INDEX`): the host answers ARP or
    /// NDP for `address` on that interface. `add` false removes it.
    func proxyNeighbour(_ add: Bool, family: UInt8, address: [UInt8], index: Int32, _ what: String) throws(BerthError) {
        let flags = add ? NetlinkMessage.create | NetlinkMessage.replace | NetlinkMessage.acknowledge : NetlinkMessage.acknowledge
        var message = NetlinkMessage(type: add ? NetlinkMessage.newNeighbour : NetlinkMessage.deleteNeighbour, flags: flags)
        message.appendNeighbourHeader(family: family, index: index, flags: 0x08)  // NTF_PROXY
        message.append(1, bytes: address)  // NDA_DST
        try socket.perform(message, what)
    }

    /// The port of `bridge` that holds `mac` for good: a port's own address (or the bridge's),
    /// or one an administrator added to the forwarding database. One entry asked for
    /// (RTM_GETNEIGH, AF_BRIDGE), however many ports the bridge has. nil when the bridge does
    /// not know the address, or only learned it from traffic: a learned entry stays for minutes
    /// after its sender is gone (the container's own previous boot, whose veth the kernel is
    /// still taking down, among others), so it says nothing about who has the address now.
    func bridgePort(holding mac: [UInt8], bridge: Int32) throws(BerthError) -> Int32? {
        var message = NetlinkMessage(type: NetlinkMessage.getNeighbour, flags: NetlinkMessage.request)
        message.appendNeighbourHeader(family: 7, index: 0, flags: 0, state: 0)  // AF_BRIDGE
        message.append(2, bytes: mac)  // NDA_LLADDR
        message.append(Self.neighbourMaster, UInt32(bitPattern: bridge))
        guard let (family, _) = try socket.fetch(message, familySize: 12, "looking up \(MACAddress.format(mac)) on a bridge") else { return nil }
        let state = family.readValue(UInt16.self, at: family.startIndex + 8)  // ndm_state
        // NUD_PERMANENT (a port's or the bridge's own address) or NUD_NOARP (added as static).
        guard state & (0x80 | 0x40) != 0 else { return nil }
        return family.readValue(Int32.self, at: family.startIndex + 4)  // ndm_ifindex
    }

    // MARK: addresses and routes

    /// Adds an address. IPv6 addresses skip duplicate address detection (they are assigned
    /// statically by the admin), so they are usable as soon as the container runs.
    func addAddress(_ index: Int32, family: UInt8, bytes: [UInt8], prefix: UInt8, broadcast: [UInt8]?, _ what: String) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newAddress, flags: NetlinkMessage.create | NetlinkMessage.exclusive | NetlinkMessage.acknowledge)
        let noDAD: UInt8 = family == UInt8(AF_INET6) ? 0x02 : 0  // IFA_F_NODAD
        message.appendAddressHeader(family: family, prefix: prefix, flags: noDAD, index: index)
        message.append(2, bytes: bytes)  // IFA_LOCAL
        message.append(1, bytes: bytes)  // IFA_ADDRESS
        if let broadcast { message.append(4, bytes: broadcast) }  // IFA_BROADCAST
        try socket.perform(message, what)
    }

    func addresses(family: UInt8 = 0) throws(BerthError) -> [Address] {
        var message = NetlinkMessage(type: NetlinkMessage.getAddress, flags: NetlinkMessage.dump)
        message.appendAddressHeader(family: family, prefix: 0, index: 0)
        return try socket.dump(message, familySize: 8, "listing addresses").compactMap { header, attributes in
            let base = header.startIndex
            guard let bytes = attributes[2] ?? attributes[1] else { return nil }
            return Address(index: Int32(bitPattern: header.readValue(UInt32.self, at: base + 4)), family: header[base],
                           bytes: bytes, prefix: header[base + 1])
        }
    }

    /// A route to `destination/prefix` (empty destination: the default route) through
    /// `gateway` or, without one, directly on the link `index`.
    func addRoute(family: UInt8, destination: [UInt8], prefix: UInt8, gateway: [UInt8]?, index: Int32, _ what: String) throws(BerthError) {
        var message = NetlinkMessage(type: NetlinkMessage.newRoute, flags: NetlinkMessage.create | NetlinkMessage.exclusive | NetlinkMessage.acknowledge)
        let scope: UInt8 = gateway == nil ? 253 : 0  // RT_SCOPE_LINK for on-link routes, else universe
        message.appendRouteHeader(family: family, destinationPrefix: prefix, scope: scope)
        if !destination.isEmpty { message.append(1, bytes: destination) }  // RTA_DST
        if let gateway { message.append(5, bytes: gateway) }  // RTA_GATEWAY
        message.append(4, index)  // RTA_OIF
        try socket.perform(message, what)
    }
}
