/// NAT from the managed bridge's subnet to the outside, when berth.conf asks for it
/// (`berth.net.nat = 1`): an nftables table of Berth's own (`ip berth_BRIDGE`), so Berth adds
/// and removes its rule without touching anyone else's, and IPv4 forwarding switched on as LXC's
/// lxc-net does. Off (the default), the table is removed if it is there; forwarding is left as
/// it is, since other things on the host may rely on it.
struct NATTable {
    let bridge: ManagedBridge
    /// Where the rule file is written for `nft -f`.
    let runDirectory: String

    /// The table's name: the bridge's with what nft does not take in a name made `_`.
    var name: String {
        "berth_" + String(bridge.name.unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic && scalar.value < 128) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        })
    }

    static func program() -> String? { FileSystem.program("nft") }

    /// The rules: masquerade what leaves the subnet for elsewhere. Written as "make the table,
    /// delete it, make it with its chain" in one file, which nft applies as one transaction:
    /// an older version of the table is replaced, never doubled, and never half there.
    func rules() -> String {
        let subnet = bridge.subnet
        return """
            table ip \(name)
            delete table ip \(name)
            table ip \(name) {
                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr \(subnet) ip daddr != \(subnet) masquerade
                }
            }

            """
    }

    /// Puts the table in place and turns IPv4 forwarding on.
    func apply() throws(BerthError) {
        guard let nft = Self.program() else {
            throw BerthError(.notFound, "berth.net.nat = 1: nft is not installed (Debian package nftables); install it, or set berth.net.nat = 0")
        }
        try FileSystem.makeDirectories(runDirectory)
        let file = Path.join(runDirectory, "nat.nft")
        try FileSystem.writeAtomically(file, text: rules(), mode: 0o644)
        try ChildProcess.check(nft, ["-f", file], what: "adding the NAT table \(name)")
        let forwarding = "/proc/sys/net/ipv4/ip_forward"
        let fd = try FileSystem.open(forwarding, O_WRONLY)
        defer { fd.closeQuietly() }
        try FileSystem.writeOnce(fd, Array("1\n".utf8), forwarding)
    }

    /// Removes the table if it is there.
    func remove() throws(BerthError) {
        guard let nft = Self.program(), isPresent(nft) else { return }
        try ChildProcess.check(nft, ["delete", "table", "ip", name], what: "removing the NAT table \(name)")
        try? FileSystem.removeFile(Path.join(runDirectory, "nat.nft"))
    }

    /// True when the table exists.
    func isPresent(_ nft: String? = program()) -> Bool {
        guard let nft, let (ended, _) = try? ChildProcess.output(nft, arguments: ["list", "table", "ip", name], withErrors: true) else { return false }
        return ended.succeeded
    }
}
