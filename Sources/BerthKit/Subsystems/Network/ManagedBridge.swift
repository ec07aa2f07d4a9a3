/// The bridge Berth looks after (`berthbr0` unless `/etc/berth/berth.conf` says otherwise): a
/// start whose veth names it creates it when it is missing, with the address and subnet of
/// `berth.net.ipv4` (and `berth.net.ipv6`), and create hands each new container on it a free
/// static address from that subnet (`berth.net.static`). Its services (`ManagedNetwork`): a
/// DHCP and DNS server for the subnet (`berth.net.dhcp`, names under `berth.net.domain`) and,
/// only when asked for, NAT to the outside (`berth.net.nat`).
public struct ManagedBridge: Sendable, Equatable {
    public static let defaultName = "berthbr0"
    public static let defaultIPv4 = "10.0.13.1/24"
    public static let defaultDomain = "berth"

    public let name: String
    /// The bridge's own address and the subnet's prefix.
    public let ipv4: InterfacePlan.Address
    public let ipv6: InterfacePlan.Address?
    /// `berth.net.dhcp`: dnsmasq serves leases and names on the bridge.
    public var dhcp = true
    /// True when berth.conf sets `berth.net.dhcp = 1` itself: then a missing dnsmasq is an
    /// error, where the default only warns.
    public var dhcpRequired = false
    /// `berth.net.domain`: containers are NAME.DOMAIN in the server's DNS.
    public var domain = defaultDomain
    /// `berth.net.nat`: masquerade the subnet's traffic to the outside (off by default).
    public var nat = false
    /// `berth.net.static`: create hands new containers a static address (else they use DHCP).
    public var staticAddresses = true

    public init(name: String = defaultName, ipv4: InterfacePlan.Address, ipv6: InterfacePlan.Address? = nil) {
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    /// The subnet's network address (`10.0.13.0` for 10.0.13.1/24).
    var network: [UInt8] { zip(ipv4.bytes, IPAddress.mask(ipv4.prefix)).map { $0 & $1 } }
    /// The subnet as ADDRESS/PREFIX, for messages and rules.
    var subnet: String { "\(IPAddress.formatIPv4(network))/\(ipv4.prefix)" }
    /// How many addresses the subnet has, the network and broadcast addresses among them.
    var subnetSize: UInt32 { UInt32(1) << UInt32(32 - ipv4.prefix) }

    /// The address `offset` places after the network address.
    func address(at offset: UInt32) -> [UInt8] {
        let value = network.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } + offset
        return [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// True when `address` is in the subnet.
    func contains(_ address: [UInt8]) -> Bool { IPAddress.contains(network: ipv4.bytes, prefix: ipv4.prefix, address) }

    /// The `berth.net.*` keys berth.conf may set.
    static let keys = ["berth.net.bridge", "berth.net.ipv4", "berth.net.ipv6", "berth.net.dhcp", "berth.net.domain", "berth.net.nat", "berth.net.static"]

    /// From the `berth.net.*` settings of berth.conf (`keys`); `where` names the file and line for
    /// errors.
    static func parse(_ settings: [String: String], where origin: (String) -> String) throws(BerthError) -> ManagedBridge? {
        guard var bridge = try parse(name: settings["berth.net.bridge"], ipv4: settings["berth.net.ipv4"], ipv6: settings["berth.net.ipv6"], where: origin) else {
            return nil
        }
        func flag(_ key: String, default value: Bool) throws(BerthError) -> Bool {
            guard let text = settings[key] else { return value }
            guard text == "0" || text == "1" else { throw BerthError(.invalidConfig, "\(origin(key)) must be 0 or 1, not '\(text)'") }
            return text == "1"
        }
        bridge.dhcp = try flag("berth.net.dhcp", default: true)
        bridge.dhcpRequired = settings["berth.net.dhcp"] == "1"
        bridge.nat = try flag("berth.net.nat", default: false)
        bridge.staticAddresses = try flag("berth.net.static", default: true)
        if let domain = settings["berth.net.domain"] {
            // One DNS label or more, each of letters, digits and hyphens: the name goes on
            // dnsmasq's command line and into its answers.
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            let valid = !domain.isEmpty && domain.count <= 200 && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { ($0.value < 128 && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" }
            }
            guard valid else { throw BerthError(.invalidConfig, "\(origin("berth.net.domain")): '\(PrintableText.escaped(domain))' is not a DNS domain (labels of letters, digits and hyphens, dot-separated)") }
            bridge.domain = domain
        }
        return bridge
    }

    /// From `berth.net.bridge`, `berth.net.ipv4` and `berth.net.ipv6`; `where` names the file and
    /// line for errors.
    static func parse(name: String?, ipv4: String?, ipv6: String?, where origin: (String) -> String) throws(BerthError) -> ManagedBridge? {
        let bridgeName = name ?? defaultName
        if bridgeName.isEmpty { return nil }  // `berth.net.bridge =` turns the managed bridge off
        if let problem = ValueKind.interfaceName.check(bridgeName) {
            throw BerthError(.invalidConfig, "\(origin("berth.net.bridge")): \(problem)")
        }
        guard let v4 = IPAddress.parseCIDR(ipv4 ?? defaultIPv4, ipv6: false), v4.prefix <= 30 else {
            throw BerthError(.invalidConfig, "\(origin("berth.net.ipv4")): '\(ipv4 ?? "")' is not ADDRESS/PREFIX with a prefix of at most 30")
        }
        var v6: InterfacePlan.Address?
        if let ipv6 {
            guard let parsed = IPAddress.parseCIDR(ipv6, ipv6: true) else {
                throw BerthError(.invalidConfig, "\(origin("berth.net.ipv6")): '\(ipv6)' is not an IPv6 ADDRESS/PREFIX")
            }
            v6 = InterfacePlan.Address(bytes: parsed.address, prefix: parsed.prefix, broadcast: nil)
        }
        return ManagedBridge(name: bridgeName, ipv4: InterfacePlan.Address(bytes: v4.address, prefix: v4.prefix, broadcast: v4.broadcast), ipv6: v6)
    }

    /// Makes the bridge when it is missing and returns its index. Two starts may race to make
    /// it: the loser finds it made and uses it.
    func ensure(_ host: NetworkControl) throws(BerthError) -> Int32 {
        if let existing = try host.link(named: name) { return existing.index }
        do throws(BerthError) { try host.createBridge(name) } catch {
            guard error.errno == .fileExists else { throw error }
        }
        guard let made = try host.link(named: name) else {
            throw BerthError(.system, "the bridge \(name) vanished right after it was made")
        }
        do throws(BerthError) {
            try host.addAddress(made.index, family: 2, bytes: ipv4.bytes, prefix: UInt8(ipv4.prefix), broadcast: ipv4.broadcast, "adding \(IPAddress.formatIPv4(ipv4.bytes)) to \(name)")
        } catch {
            guard error.errno == .fileExists else { throw error }
        }
        if let ipv6 {
            do throws(BerthError) {
                try host.addAddress(made.index, family: 10, bytes: ipv6.bytes, prefix: UInt8(ipv6.prefix), broadcast: nil, "adding \(IPAddress.formatIPv6(ipv6.bytes)) to \(name)")
            } catch {
                guard error.errno == .fileExists else { throw error }
            }
        }
        try host.change(made.index, up: true, "bringing \(name) up")
        return made.index
    }
}
