/// The namespaces a container gets, as clone flags, with LXC's names for them.
public struct NamespaceSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    // The CLONE_NEW* values from <linux/sched.h>; Swift does not import them.
    public static let mount = NamespaceSet(rawValue: 0x0002_0000)
    public static let uts = NamespaceSet(rawValue: 0x0400_0000)
    public static let ipc = NamespaceSet(rawValue: 0x0800_0000)
    public static let user = NamespaceSet(rawValue: 0x1000_0000)
    public static let pid = NamespaceSet(rawValue: 0x2000_0000)
    public static let net = NamespaceSet(rawValue: 0x4000_0000)
    public static let cgroup = NamespaceSet(rawValue: 0x0200_0000)
    public static let time = NamespaceSet(rawValue: 0x0000_0080)

    /// LXC's names (`lxc.namespace.keep = net ipc`) and the `/proc/PID/ns/` entry of each.
    public static let names: [(name: String, set: NamespaceSet, proc: String)] = [
        ("user", .user, "user"), ("mnt", .mount, "mnt"), ("pid", .pid, "pid"), ("uts", .uts, "uts"),
        ("ipc", .ipc, "ipc"), ("net", .net, "net"), ("cgroup", .cgroup, "cgroup"), ("time", .time, "time"),
    ]

    /// Parses a space-separated list of names; `where` names the config line in errors.
    public init(parsing text: String, where origin: String) throws(BerthError) {
        self = []
        for word in text.split(separator: " ").map(String.init) {
            let name = word == "mount" ? "mnt" : word
            guard let entry = NamespaceSet.names.first(where: { $0.name == name }) else {
                throw BerthError(.invalidConfig, "\(origin): unknown namespace '\(word)' (user mnt pid uts ipc net cgroup time)")
            }
            insert(entry.set)
        }
    }

    /// The members' LXC names, in a fixed order.
    public var nameList: [String] { NamespaceSet.names.filter { contains($0.set) }.map(\.name) }
}
