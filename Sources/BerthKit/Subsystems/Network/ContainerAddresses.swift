import SystemPackage

/// The addresses a running container has, read with one netlink dump in its network namespace
/// (no process is started in the container). Loopback and IPv6 link-local addresses are left out,
/// as lxc-info does.
public enum ContainerAddresses {
    /// IPv4 and IPv6 addresses of the container whose init is `pid`; empty when they cannot be
    /// read (the container shares the host's network, or the caller may not enter it).
    public static func read(pid: Int32) -> (ipv4: [String], ipv6: [String]) {
        guard let netns = try? FileSystem.open("/proc/\(pid)/ns/net", O_RDONLY) else { return ([], []) }
        defer { netns.closeQuietly() }
        // A container without its own network namespace would list the host's addresses.
        if let own = FileSystem.status("/proc/self/ns/net"), let theirs = try? FileSystem.status(of: netns, display: "netns"),
           FileSystem.sameFile(own, theirs) { return ([], []) }
        guard let control = try? NetworkControl.inNamespace(netns),
              let links = try? control.links(), let addresses = try? control.addresses() else { return ([], []) }
        let loopback = Set(links.filter { $0.name == "lo" }.map(\.index))
        var ipv4: [String] = [], ipv6: [String] = []
        for address in addresses where !loopback.contains(address.index) {
            if address.family == UInt8(AF_INET) {
                ipv4.append(address.text)
            } else if !(address.bytes[0] == 0xfe && address.bytes[1] & 0xc0 == 0x80) {
                ipv6.append(address.text)
            }
        }
        return (ipv4, ipv6)
    }
}
