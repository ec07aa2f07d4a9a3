import Testing
@testable import BerthKit

/// The network plan from config text, address arithmetic and netlink message layout, without
/// touching the host.
struct NetworkPlanTests {
    func plans(_ text: String) throws -> [InterfacePlan] {
        let config = try ConfigLoader.load(text: text, file: "test.conf")
        return try InterfacePlan.plans(config, origin: { "test.conf: \($0)" })
    }

    @Test func vethWithAddresses() throws {
        let plan = try #require(try plans("""
            lxc.net.0.type = veth
            lxc.net.0.link = br0
            lxc.net.0.flags = up
            lxc.net.0.hwaddr = 10:66:6a:01:02:03
            lxc.net.0.mtu = 1400
            lxc.net.0.ipv4.address = 10.0.3.50/24
            lxc.net.0.ipv4.address = 192.168.7.9/30 192.168.7.11
            lxc.net.0.ipv4.gateway = auto
            lxc.net.0.ipv6.address = fd00::5/64
            lxc.net.0.ipv6.gateway = fd00::1
            lxc.net.0.veth.pair = vethweb
            lxc.net.0.veth.ipv4.route = 10.9.0.0/16
            """).first)
        #expect(plan.kind == .veth && plan.link == "br0" && plan.name == "eth0" && plan.up && plan.mtu == 1400)
        #expect(plan.mac == [0x10, 0x66, 0x6a, 1, 2, 3])
        // The broadcast LXC 5.0.2 gets wrong (0.0.0.255) is computed from address and prefix.
        #expect(plan.ipv4 == [InterfacePlan.Address(bytes: [10, 0, 3, 50], prefix: 24, broadcast: [10, 0, 3, 255]),
                              InterfacePlan.Address(bytes: [192, 168, 7, 9], prefix: 30, broadcast: [192, 168, 7, 11])])
        #expect(plan.ipv4Gateway == .auto)
        #expect(plan.ipv6Gateway == .address([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
        #expect(plan.vethPair == "vethweb" && plan.hostRoutes.first?.prefix == 16)
    }

    @Test func randomMACDigitsAtStartAndMacvlanModes() throws {
        let list = try plans("""
            lxc.net.0.type = macvlan
            lxc.net.0.link = eth0
            lxc.net.0.macvlan.mode = bridge
            lxc.net.0.hwaddr = 10:66:6a:xx:xx:xx
            lxc.net.1.type = phys
            lxc.net.1.link = eth9
            lxc.net.2.type = empty
            lxc.net.3.type = none
            """)
        #expect(list.map(\.kind) == [.macvlan, .phys, .empty])
        #expect(list[0].macvlanMode == 4)
        let mac = try #require(list[0].mac)
        #expect(mac.prefix(3) == [0x10, 0x66, 0x6a] && mac[0] & 1 == 0)
    }

    @Test func errorsNameTheKey() throws {
        func failure(_ text: String) -> String {
            do { _ = try plans(text); return "no error" } catch { return (error as? BerthError)?.message ?? "\(error)" }
        }
        #expect(failure("lxc.net.0.type = vlan\n").contains("lxc.net.0.link"))
        #expect(failure("lxc.net.0.type = vlan\nlxc.net.0.link = eth0\n").contains("lxc.net.0.vlan.id"))
        #expect(failure("lxc.net.0.type = macvlan\n").contains("lxc.net.0.link"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.0.ipv4.gateway = 10.0.0.1\n").contains("flags = up"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.ipv4.gateway = auto\n").contains("needs a veth with lxc.net.0.link"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.0.mtu = 20\n").contains("lxc.net.0.mtu"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.0.hwaddr = 11:22:33:44:55:66\n").contains("multicast"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.1.type = veth\nlxc.net.1.name = eth0\n").contains("already used by lxc.net.0"))
        #expect(failure("lxc.net.0.type = veth\nlxc.net.0.hwaddr = 10:66:6a:00:00:01\nlxc.net.1.type = veth\nlxc.net.1.hwaddr = 10:66:6a:00:00:01\n").contains("lxc.net.1.hwaddr"))
        #expect(failure("lxc.net.0.type = empty\nlxc.net.0.ipv4.address = 10.1.1.1/24\n").contains("only loopback"))
    }

    @Test func legacyNetworkKeys() throws {
        let list = try plans("""
            lxc.network.type = veth
            lxc.network.link = br0
            lxc.network.flags = up
            lxc.network.ipv4 = 10.0.3.7/24
            """)
        #expect(list.first?.ipv4.first?.bytes == [10, 0, 3, 7])
    }

    @Test func addressText() {
        #expect(IPAddress.formatIPv6(IPAddress.parseIPv6("fd01:201::2") ?? []) == "fd01:201::2")
        #expect(IPAddress.formatIPv6(IPAddress.parseIPv6("2001:db8:0:0:1:0:0:1") ?? []) == "2001:db8::1:0:0:1")
        #expect(IPAddress.formatIPv6(IPAddress.parseIPv6("::") ?? []) == "::")
        #expect(IPAddress.broadcast([10, 0, 3, 50], prefix: 24) == [10, 0, 3, 255])
        #expect(IPAddress.broadcast([10, 0, 3, 50], prefix: 31) == nil)
        #expect(IPAddress.contains(network: [10, 0, 3, 0], prefix: 24, [10, 0, 3, 200]))
        #expect(!IPAddress.contains(network: [10, 0, 3, 0], prefix: 24, [10, 0, 4, 1]))
    }

    @Test func nestedAttributesCarryTheirLengths() {
        var message = NetlinkMessage(type: NetlinkMessage.newLink, flags: NetlinkMessage.acknowledge)
        message.appendLinkHeader()
        message.beginNest(18)
        message.append(1, string: "veth")
        message.endNest()
        let bytes = message.finished(sequence: 7)
        #expect(bytes.count == 16 + 16 + 4 + 12)
        #expect(bytes[0] == UInt8(bytes.count) && bytes[8] == 7)
        // The nest: its length covers "veth\0" (9 bytes with header, padded to 12) plus its own 4.
        #expect(bytes[32] == 16 && bytes[34] == 18 && bytes[35] == 0x80)
        let parsed = NetlinkAttributes(bytes[32...])
        #expect(NetlinkAttributes((parsed[18] ?? [])[...]).string(1) == "veth")
    }

    @Test func allocatorSeesOnlyVethsOnTheBridge() throws {
        let bridge = ManagedBridge(name: "berthbr0", ipv4: InterfacePlan.Address(bytes: [10, 0, 13, 1], prefix: 24, broadcast: nil))
        let allocator = AddressAllocator(bridge: bridge, lxcpaths: [])
        let document = ConfigDocument(text: """
            lxc.net.0.type = veth
            lxc.net.0.link = berthbr0
            lxc.net.1.type = veth
            lxc.net.1.link = other0
            lxc.net.2.type = veth
            lxc.net.2.link = berthbr0
            lxc.net.2.ipv4.address = 10.0.13.9/24
            """, file: "t")
        #expect(allocator.needs(document) == [0])
        var assigned = document
        try allocator.assign(&assigned)
        #expect(assigned.values("lxc.net.0.ipv4.address") == ["10.0.13.2/24"])
        #expect(assigned.values("lxc.net.0.ipv4.gateway") == ["auto"])
    }

    /// The addresses a config takes, read from the lines that mention ipv4 only: entries (with
    /// blanks, quotes, a CRLF line and LXC's older key) count, comments, gateways and IPv6
    /// addresses do not.
    @Test func addressesInUseAreReadFromTheirLines() {
        let text = "# lxc.net.0.ipv4.address = 10.0.13.50/24\n"
            + "lxc.net.0.type = veth\n"
            + "  lxc.net.0.ipv4.address =  10.0.13.7/24  \n"
            + "lxc.net.0.ipv4.gateway = 10.0.13.1\n"
            + "lxc.net.1.ipv4.address = \"10.0.14.8/24\"\r\n"
            + "lxc.net.1.ipv6.address = fd00::8/64\n"
            + "lxc.network.ipv4 = 10.0.15.9/24\n"
            + "lxc.net.2.ipv4.address = not-an-address"
        let found = AddressAllocator.addresses(inConfig: Array(text.utf8))
        #expect(found == [[10, 0, 13, 7], [10, 0, 14, 8], [10, 0, 15, 9]])
        #expect(AddressAllocator.addresses(inConfig: []).isEmpty)
    }
}

