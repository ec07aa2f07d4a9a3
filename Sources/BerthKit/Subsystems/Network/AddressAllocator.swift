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
                    guard let bytes = try? FileSystem.readBytes(Path.join(directory, "config")) else {
                        if !FileSystem.exists(directory) { moved = true }
                        continue
                    }
                    taken.formUnion(Self.addresses(inConfig: bytes))
                }
                if !moved { break }
            }
        }
        return taken
    }

    /// The IPv4 addresses a config's own lines name (`lxc.net.N.ipv4.address`, and LXC's older
    /// `lxc.network.ipv4`). This runs over every config of the lxcpaths at each create and copy,
    /// so only a line that mentions `ipv4` is taken apart: parsing whole configs made a copy
    /// take 34 ms with 1,000 containers beside it.
    static func addresses(inConfig bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        let needle: [UInt8] = Array("ipv4".utf8)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            // A line of a CRLF file loses its carriage return, as the config parser's do.
            let stop = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            if Self.contains(bytes, needle, from: start, to: stop),
               case .entry(let key, let value) = bytes.withUnsafeBufferPointer({ ConfigParser.classify(bytes: UnsafeBufferPointer(rebasing: $0[start..<stop])) }),
               key.hasSuffix(".ipv4.address") || key == "lxc.network.ipv4",
               let parsed = IPAddress.parseCIDR(value, ipv6: false) {
                result.append(parsed.address)
            }
            start = end + 1
        }
        return result
    }

    /// Whether `bytes[from..<to]` holds `needle`.
    private static func contains(_ bytes: [UInt8], _ needle: [UInt8], from: Int, to: Int) -> Bool {
        guard let first = needle.first, to - from >= needle.count else { return false }
        var index = from
        while index <= to - needle.count {
            if bytes[index] == first {
                var matched = 1
                while matched < needle.count && bytes[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}
