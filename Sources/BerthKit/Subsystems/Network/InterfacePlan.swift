/// One `lxc.net.N` interface as a start sets it up, checked and parsed from the config: every
/// error names the key and its line, before anything is made.
public struct InterfacePlan: Sendable, Equatable {
    public enum Kind: String, Sendable { case veth, macvlan, vlan, ipvlan, phys, empty }

    /// `ipv4.gateway` / `ipv6.gateway`: an address, `auto` (the bridge's own address) or `dev`
    /// (a default route on the link itself).
    public enum Gateway: Sendable, Equatable {
        case address([UInt8])
        case auto
        case dev
    }

    public struct Address: Sendable, Equatable {
        public let bytes: [UInt8]
        public let prefix: Int
        public let broadcast: [UInt8]?
    }

    public let index: Int
    public let kind: Kind
    /// The host interface: the bridge of a veth, the parent of a macvlan, the device of phys.
    public let link: String?
    /// The name inside the container.
    public let name: String
    public let mac: [UInt8]?
    public let mtu: UInt32?
    public let up: Bool
    public let ipv4: [Address]
    public let ipv6: [Address]
    public let ipv4Gateway: Gateway?
    public let ipv6Gateway: Gateway?
    /// `veth.pair`: the host end's name (else `vethXXXXXX`).
    public let vethPair: String?
    /// `veth.ipv4.route` / `veth.ipv6.route`: routes on the host to the container via the host end.
    public let hostRoutes: [Address]
    /// `macvlan.mode` as the kernel numbers it.
    public let macvlanMode: UInt32
    /// `vlan.id` of a vlan interface.
    public let vlanID: UInt16?
    /// `ipvlan.mode` (l2 0, l3 1, l3s 2) and `ipvlan.isolation` (bridge 0, private 1, vepa 2).
    public let ipvlanMode: UInt16
    public let ipvlanIsolation: UInt16
    /// `veth.mode = router`: the host end is on no bridge; the host routes the container's
    /// addresses to it and answers ARP/NDP for its gateway there.
    public let router: Bool
    /// `l2proxy = 1`: the host answers ARP/NDP for the container's addresses on `link`.
    public let l2proxy: Bool
    /// `veth.vlan.id`: the host end's untagged VLAN (PVID) on a VLAN-filtering bridge, or
    /// `none`: only VLAN 1, the bridge's default, taken away (LXC's `none`).
    public enum NativeVLAN: Sendable, Equatable { case id(UInt16), none }
    public let vethVLAN: NativeVLAN?
    /// `veth.vlan.tagged.id`: VLANs the host end carries tagged.
    public let vethTaggedVLANs: [UInt16]
    /// `veth.n_rxqueues` and `veth.n_txqueues`.
    public let vethRxQueues: UInt32?
    public let vethTxQueues: UInt32?
    public let scriptsUp: [String]
    public let scriptsDown: [String]

    /// The interfaces of `config`, in index order. `none` and an empty list give no interfaces.
    static func plans(_ config: ContainerConfig, origin: (String) -> String) throws(BerthError) -> [InterfacePlan] {
        var result: [InterfacePlan] = []
        for network in config.networks where network.type != "none" {
            result.append(try InterfacePlan(network, origin: origin))
        }
        var names: [String: Int] = [:]
        for plan in result where plan.kind != .empty {
            if let other = names[plan.name] {
                throw BerthError(.invalidConfig, "\(origin("lxc.net.\(plan.index).name")): interface name '\(plan.name)' is already used by lxc.net.\(other)")
            }
            names[plan.name] = plan.index
        }
        var macs: [[UInt8]: Int] = [:]
        for plan in result {
            guard let mac = plan.mac else { continue }
            if let other = macs[mac] {
                throw BerthError(.invalidConfig, "\(origin("lxc.net.\(plan.index).hwaddr")): MAC address \(MACAddress.format(mac)) is already used by lxc.net.\(other)")
            }
            macs[mac] = plan.index
        }
        return result
    }

    init(_ network: NetworkConfig, origin: (String) -> String) throws(BerthError) {
        let n = network.index
        func key(_ suffix: String) -> String { origin("lxc.net.\(n).\(suffix)") }
        guard let typeText = network.type else {
            throw BerthError(.invalidConfig, "\(key("type")): interface \(n) has settings but no type (veth, macvlan, phys, empty or none)")
        }
        guard let kind = Kind(rawValue: typeText) else {
            throw BerthError(.unsupported, "\(key("type")): network type '\(typeText)' is not supported (veth, macvlan, vlan, ipvlan, phys, empty, none)")
        }
        index = n
        self.kind = kind
        link = network.link
        name = network.name
        if [.macvlan, .vlan, .ipvlan, .phys].contains(kind), link == nil {
            throw BerthError(.invalidConfig, "\(key("link")): a \(typeText) interface needs lxc.net.\(n).link (the host interface)")
        }
        if let text = network.hwaddr {
            var generator = SystemRandomNumberGenerator()
            // `x` digits in a hand-written config get random values for this start.
            let expanded = text.lowercased().contains("x") ? MACAddress.expand(text, using: &generator) : text
            guard let bytes = MACAddress.parse(expanded) else { throw BerthError(.invalidConfig, "\(key("hwaddr")): '\(text)' is not a MAC address") }
            guard bytes[0] & 1 == 0 else { throw BerthError(.invalidConfig, "\(key("hwaddr")): \(text) is a multicast address; an interface needs a unicast one") }
            mac = bytes
        } else {
            mac = nil
        }
        if let text = network.value("mtu") {
            guard let value = UInt32(text), (68...65_535).contains(value) else { throw BerthError(.invalidConfig, "\(key("mtu")): '\(text)' is not an MTU (68-65535)") }
            mtu = value
        } else {
            mtu = nil
        }
        up = network.value("flags") == "up"

        func addresses(_ suffix: String, ipv6: Bool) throws(BerthError) -> [Address] {
            var list: [Address] = []
            for text in network.values[suffix] ?? [] {
                guard let parsed = IPAddress.parseCIDR(text, ipv6: ipv6) else {
                    throw BerthError(.invalidConfig, "\(key(suffix)): '\(text)' is not an \(ipv6 ? "IPv6" : "IPv4") address with prefix")
                }
                list.append(Address(bytes: parsed.address, prefix: parsed.prefix, broadcast: parsed.broadcast))
            }
            return list
        }
        ipv4 = try addresses("ipv4.address", ipv6: false)
        ipv6 = try addresses("ipv6.address", ipv6: true)
        func gateway(_ suffix: String, ipv6: Bool) throws(BerthError) -> Gateway? {
            guard let text = network.value(suffix) else { return nil }
            switch text {
            case "auto": return .auto
            case "dev": return .dev
            default:
                guard let bytes = ipv6 ? IPAddress.parseIPv6(text) : IPAddress.parseIPv4(text) else {
                    throw BerthError(.invalidConfig, "\(key(suffix)): '\(text)' is not an address, auto or dev")
                }
                return .address(bytes)
            }
        }
        ipv4Gateway = try gateway("ipv4.gateway", ipv6: false)
        ipv6Gateway = try gateway("ipv6.gateway", ipv6: true)
        if (ipv4Gateway != nil || ipv6Gateway != nil) && !up {
            throw BerthError(.invalidConfig, "\(key(ipv4Gateway != nil ? "ipv4.gateway" : "ipv6.gateway")): a gateway needs the interface up (lxc.net.\(n).flags = up)")
        }
        if ipv4Gateway == .auto || ipv6Gateway == .auto, kind != .veth || link == nil {
            throw BerthError(.invalidConfig, "\(key(ipv4Gateway == .auto ? "ipv4.gateway" : "ipv6.gateway")): auto takes the bridge's address, so it needs a veth with lxc.net.\(n).link")
        }
        vethPair = network.value("veth.pair")
        hostRoutes = try addresses("veth.ipv4.route", ipv6: false).map { Address(bytes: $0.bytes, prefix: $0.prefix, broadcast: nil) }
            + addresses("veth.ipv6.route", ipv6: true)
        switch network.value("macvlan.mode") ?? "private" {
        case "vepa": macvlanMode = 2
        case "bridge": macvlanMode = 4
        case "passthru": macvlanMode = 8
        default: macvlanMode = 1
        }
        if let text = network.value("vlan.id") {
            guard kind == .vlan else { throw BerthError(.invalidConfig, "\(key("vlan.id")): only a vlan interface has a VLAN id (this one is \(typeText))") }
            guard let id = UInt16(text), id <= 4094 else { throw BerthError(.invalidConfig, "\(key("vlan.id")): '\(text)' is not a VLAN id (0-4094)") }
            vlanID = id
        } else {
            if kind == .vlan { throw BerthError(.invalidConfig, "\(key("vlan.id")): a vlan interface needs its VLAN id") }
            vlanID = nil
        }
        ipvlanMode = ["l2": 0, "l3": 1, "l3s": 2][network.value("ipvlan.mode") ?? "l3"] ?? 1
        ipvlanIsolation = ["bridge": 0, "private": 1, "vepa": 2][network.value("ipvlan.isolation") ?? "bridge"] ?? 0
        if kind == .ipvlan, mac != nil {
            throw BerthError(.invalidConfig, "\(key("hwaddr")): an ipvlan interface has its parent's MAC address; it takes no hwaddr")
        }
        func queues(_ suffix: String) throws(BerthError) -> UInt32? {
            guard let text = network.value(suffix) else { return nil }
            guard kind == .veth else { throw BerthError(.invalidConfig, "\(key(suffix)): only a veth has queue counts") }
            guard let count = UInt32(text), (1...4096).contains(count) else { throw BerthError(.invalidConfig, "\(key(suffix)): '\(text)' is not a queue count (1-4096)") }
            return count
        }
        router = network.value("veth.mode") == "router"
        if router && kind != .veth { throw BerthError(.invalidConfig, "\(key("veth.mode")): only a veth has a mode") }
        l2proxy = network.value("l2proxy") == "1"
        if l2proxy && link == nil { throw BerthError(.invalidConfig, "\(key("l2proxy")): the proxy entries go on lxc.net.\(n).link, which is not set") }
        if router, ipv4Gateway == .auto || ipv6Gateway == .auto {
            throw BerthError(.invalidConfig, "\(key("veth.mode")): a router-mode veth has no bridge, so its gateway cannot be auto (give an address or dev)")
        }
        if let text = network.value("veth.vlan.id") {
            if text == "none" {
                vethVLAN = NativeVLAN.none
            } else if let id = UInt16(text), (1...4094).contains(id) {
                vethVLAN = .id(id)
            } else {
                throw BerthError(.invalidConfig, "\(key("veth.vlan.id")): '\(text)' is not a VLAN id (1-4094) or none")
            }
        } else {
            vethVLAN = nil
        }
        var tagged: [UInt16] = []
        for text in network.values["veth.vlan.tagged.id"] ?? [] {
            guard let id = UInt16(text), (1...4094).contains(id) else {
                throw BerthError(.invalidConfig, "\(key("veth.vlan.tagged.id")): '\(text)' is not a VLAN id (1-4094)")
            }
            tagged.append(id)
        }
        vethTaggedVLANs = tagged
        if vethVLAN != nil || !tagged.isEmpty {
            let which = vethVLAN != nil ? "veth.vlan.id" : "veth.vlan.tagged.id"
            guard kind == .veth, link != nil, !router else {
                throw BerthError(.invalidConfig, "\(key(which)): VLANs are set on a veth's host end on its bridge (lxc.net.\(n).link), and this interface has none")
            }
        }
        vethRxQueues = try queues("veth.n_rxqueues")
        vethTxQueues = try queues("veth.n_txqueues")
        scriptsUp = network.values["script.up"] ?? []
        scriptsDown = network.values["script.down"] ?? []
        if kind == .empty, !(ipv4.isEmpty && ipv6.isEmpty) {
            throw BerthError(.invalidConfig, "\(key("type")): an empty network has only loopback; it cannot take addresses")
        }
    }
}
