import Glibc

/// A network interface's hardware address, asked of the kernel by name.
enum InterfaceHardware {
    /// ARPHRD_ETHER (linux/if_arp.h): the hardware type whose address is six bytes.
    private static let ethernet: sa_family_t = 1

    /// The six-byte address of the Ethernet-type interface `name` in this process's network
    /// namespace; nil when there is no such interface, or it is of another type (loopback, a
    /// tunnel). Why an ioctl (SIOCGIFHWADDR on a throwaway datagram socket, as if_nametoindex
    /// makes one) and not `/sys/class/net/NAME/address`: the kernel answers by name under the
    /// device-address lock only, while a sysfs walk waits for every network device that other
    /// processes are registering at that moment.
    static func address(named name: String) -> [UInt8]? {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count < Int(IFNAMSIZ), !nameBytes.contains(0) else { return nil }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { buffer in
            for (offset, byte) in nameBytes.enumerated() { buffer[offset] = byte }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        guard ioctl(fd, UInt(SIOCGIFHWADDR), &request) == 0, request.ifr_ifru.ifru_hwaddr.sa_family == ethernet else { return nil }
        return withUnsafeBytes(of: request.ifr_ifru.ifru_hwaddr.sa_data) { Array($0.prefix(6)) }
    }
}
