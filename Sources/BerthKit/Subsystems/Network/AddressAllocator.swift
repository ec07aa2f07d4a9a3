/// Hands a new container on the managed bridge a free static IPv4 address from the bridge's
/// subnet, at create time, so its network works with no DHCP client (`berth.net.static`).
/// Addresses in the DHCP server's leases are taken too.
///
/// An address is taken when any container config in the lxcpath (also the hidden staging
/// directories of creates under way) names it. The choice and the first write of the new
/// container's staging config happen under one lock per lxcpath, so two creates at once never
/// pick the same address.
struct AddressAllocator {
    let bridge: ManagedBridge
    let lxcpaths: [String]

    /// The interfaces of `document` that need an address: veths on the bridge without one.
    func needs(_ document: ConfigDocument) -> [Int] {
        var indexes: [Int] = []
        for line in document.lines {
            guard case .entry(let key, let value) = line.content, value == "veth",
                  let (index, suffix) = ConfigKeyTable.networkIndex(key), suffix == "type" else { continue }
            if document.values("lxc.net.\(index).link").last == bridge.name, document.values("lxc.net.\(index).ipv4.address").isEmpty {
                indexes.append(index)
            }
        }
        return indexes
    }

    /// The interfaces of `document` that are veths on the bridge with an address in its subnet
    /// (a clone's, which must not be shared with its source).
    func addressed(_ document: ConfigDocument) -> [Int] {
        var indexes: [Int] = []
        for line in document.lines {
            guard case .entry(let key, let value) = line.content, value == "veth",
                  let (index, suffix) = ConfigKeyTable.networkIndex(key), suffix == "type",
                  document.values("lxc.net.\(index).link").last == bridge.name else { continue }
            let inSubnet = document.values("lxc.net.\(index).ipv4.address").contains { text in
                IPAddress.parseCIDR(text, ipv6: false).map { bridge.contains($0.address) } ?? false
            }
            if inSubnet { indexes.append(index) }
        }
        return indexes
    }

    /// Takes the allocation lock of `lxcpath`; hold it until the config with the new address is
    /// on disk.
    static func lock(_ lxcpath: String) throws(BerthError) -> FileLock {
        try FileLock.acquire(Path.join(lxcpath, ".berth-addresses.lock"), timeout: 30, what: "the address allocation of \(lxcpath)")
    }

    /// Writes `ipv4.address` (and `ipv4.gateway = auto` unless set) into each interface of
    /// `document` that needs one. Call under `lock`.
    func assign(_ document: inout ConfigDocument) throws(BerthError) {
        let wanted = needs(document)
        guard !wanted.isEmpty else { return }
        var used = takenAddresses()
        used.insert(bridge.ipv4.bytes)
        // Addresses the bridge's DHCP server has leased belong to containers that asked for one.
        if bridge.dhcp { used.formUnion(ManagedNetwork(bridge: bridge).leasedAddresses()) }
        for index in wanted {
            // .1 upwards, skipping the network and broadcast addresses.
            let free = (1..<(bridge.subnetSize - 1)).lazy.map(bridge.address(at:)).first { !used.contains($0) }
            guard let chosen = free else {
                throw BerthError(.busy, "no free address left in \(bridge.subnet) on \(bridge.name) (berth.net.ipv4); set lxc.net.\(index).ipv4.address by hand")
            }
            used.insert(chosen)
            try document.set("lxc.net.\(index).ipv4.address", "\(IPAddress.formatIPv4(chosen))/\(bridge.ipv4.prefix)")
            if document.values("lxc.net.\(index).ipv4.gateway").isEmpty { try document.set("lxc.net.\(index).ipv4.gateway", "auto") }
        }
    }

    /// Every IPv4 address named in a container config (or a staging config) of the lxcpaths.
    /// A create that publishes while the directory is read renames its staging directory away
    /// between the listing and the read; the pass is then made again.
    func takenAddresses() -> Set<[UInt8]> {
        var taken = Set<[UInt8]>()
        for lxcpath in lxcpaths {
            for _ in 0..<20 {
                var moved = false
                for name in (try? FileSystem.list(lxcpath)) ?? [] {
                    let directory = Path.join(lxcpath, name)
                    let file = Path.join(directory, "config")
                    guard let text = try? FileSystem.readText(file) else {
                        if !FileSystem.exists(directory) { moved = true }
                        continue
                    }
                    for line in ConfigParser.parse(text, file: file) {
                        guard case .entry(let key, let value) = line.content, key.hasSuffix(".ipv4.address") || key == "lxc.network.ipv4",
                              let parsed = IPAddress.parseCIDR(value, ipv6: false) else { continue }
                        taken.insert(parsed.address)
                    }
                }
                if !moved { break }
            }
        }
        return taken
    }
}
