/// What init's own process gets besides its command, read from the config when the start is
/// planned and applied by the container's first process just before it execs init:
/// `lxc.prlimit.*`, `lxc.proc.*`, `lxc.sysctl.*`, `lxc.init.groups`, `lxc.keyring.session`,
/// `lxc.arch`, `lxc.monitor.signal.pdeath` and `lxc.rootfs.options`.
public struct ProcessSettings: Sendable {
    public struct Limit: Sendable, Equatable {
        public let name: String
        public let resource: Int32
        public let soft: UInt64
        public let hard: UInt64
    }

    /// `lxc.prlimit.NAME = SOFT[:HARD]` (unlimited as UInt64.max).
    public let limits: [Limit]
    /// `lxc.proc.FILE = VALUE`: written to /proc/self/FILE (oom_score_adj, ...).
    public let procWrites: [(file: String, value: String)]
    /// `lxc.sysctl.KEY = VALUE`: written to /proc/sys/KEY in the container's namespaces.
    public let sysctls: [(key: String, value: String)]
    /// `lxc.init.groups`: init's supplementary groups (with lxc.init.uid/gid).
    public let groups: [UInt32]
    /// `lxc.keyring.session` (default 1): init gets a new session keyring.
    public let newSessionKeyring: Bool
    /// `lxc.arch`: the personality for a 32-bit userland on this 64-bit host, nil for native.
    public let personality: UInt?
    /// `lxc.sched.core = 1`: init (and all it forks) in a core-scheduling domain of its own.
    public let coreSchedulingDomain: Bool
    /// `lxc.monitor.signal.pdeath` (default SIGKILL): what init gets when its monitor dies.
    public let deathSignal: Int32
    /// `lxc.rootfs.options`: mount flags applied to the rootfs mount (ro, nosuid, ...).
    public let rootfsFlags: UInt

    /// RLIMIT_* numbers by LXC's names.
    static let resources: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
        "memlock": 8, "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13,
        "rtprio": 14, "rttime": 15,
    ]

    /// sysctl families that belong to a namespace the container has, so a write never changes
    /// the host: the key prefix and the namespace that must be the container's own.
    static let namespacedSysctls: [(prefix: String, namespace: NamespaceSet)] = [
        ("net.", .net), ("kernel.shm", .ipc), ("kernel.msg", .ipc), ("kernel.sem", .ipc),
        ("fs.mqueue.", .ipc), ("kernel.hostname", .uts), ("kernel.domainname", .uts),
    ]

    /// Mount flags `lxc.rootfs.options` may name.
    static let rootfsOptions: [String: UInt] = [
        "ro": UInt(MS_RDONLY), "rw": 0, "nosuid": UInt(MS_NOSUID), "nodev": UInt(MS_NODEV),
        "noexec": UInt(MS_NOEXEC), "noatime": UInt(MS_NOATIME), "nodiratime": UInt(MS_NODIRATIME),
        "relatime": UInt(MS_RELATIME), "strictatime": UInt(MS_STRICTATIME), "defaults": 0,
    ]

    init(_ config: ContainerConfig, namespaces: NamespaceSet, origin: (String) -> String) throws(BerthError) {
        var limits: [Limit] = []
        var procWrites: [(String, String)] = []
        var sysctls: [(String, String)] = []
        for key in config.setKeys {
            guard let value = config.value(key) else { continue }
            if key.hasPrefix("lxc.prlimit.") {
                let name = String(key.dropFirst("lxc.prlimit.".count))
                guard let resource = Self.resources[name] else {
                    throw BerthError(.invalidConfig, "\(origin(key)): unknown resource '\(name)' (\(Self.resources.keys.sorted().joined(separator: ", ")))")
                }
                let parts = value.split(separator: ":").map { $0 == "unlimited" ? UInt64.max : UInt64($0) ?? 0 }
                let soft = parts.first ?? 0, hard = parts.count > 1 ? parts[1] : soft
                guard soft <= hard else { throw BerthError(.invalidConfig, "\(origin(key)): the soft limit \(value) is above the hard one") }
                limits.append(Limit(name: name, resource: resource, soft: soft, hard: hard))
            } else if key.hasPrefix("lxc.proc.") {
                let file = String(key.dropFirst("lxc.proc.".count))
                guard !file.isEmpty, !file.split(separator: "/").contains(".."), !file.hasPrefix("/") else {
                    throw BerthError(.invalidConfig, "\(origin(key)): '\(file)' is not a file of /proc/PID")
                }
                procWrites.append((file, value))
            } else if key.hasPrefix("lxc.sysctl.") {
                let name = String(key.dropFirst("lxc.sysctl.".count))
                guard !name.contains("/"), !name.split(separator: ".").contains(".."),
                      let family = Self.namespacedSysctls.first(where: { name.hasPrefix($0.prefix) }) else {
                    throw BerthError(.unsupported, "\(origin(key)): \(name) is not a namespaced sysctl (net.*, kernel.shm*/msg*/sem, fs.mqueue.*, kernel.hostname/domainname); writing it would change the host")
                }
                guard namespaces.contains(family.namespace) else {
                    throw BerthError(.unsupported, "\(origin(key)): the container shares the host's \(family.namespace.nameList.joined()) namespace; writing \(name) would change the host")
                }
                sysctls.append((name, value))
            }
        }
        self.limits = limits
        self.procWrites = procWrites
        self.sysctls = sysctls
        var groups: [UInt32] = []
        for value in config.values("lxc.init.groups") {
            for word in value.split(whereSeparator: { $0 == "," || $0 == " " }) {
                guard let gid = UInt32(word) else { throw BerthError(.invalidConfig, "\(origin("lxc.init.groups")): '\(word)' is not a group id") }
                groups.append(gid)
            }
        }
        self.groups = groups
        newSessionKeyring = config.boolean("lxc.keyring.session")
        coreSchedulingDomain = config.boolean("lxc.sched.core")
        switch config.value("lxc.arch") {
        case nil, "x86_64"?, "amd64"?, "linux64"?: personality = nil
        case "x86"?, "i386"?, "i486"?, "i586"?, "i686"?, "linux32"?: personality = 0x0008  // PER_LINUX32
        case let other?:
            throw BerthError(.unsupported, "\(origin("lxc.arch")): a \(other) userland cannot run on this x86_64 host (x86_64, or i686 with a 32-bit personality)")
        }
        guard let death = try config.signal("lxc.monitor.signal.pdeath") else {
            throw BerthError(.invalidConfig, "lxc.monitor.signal.pdeath has no default")
        }
        deathSignal = death
        var flags: UInt = 0
        for option in (config.value("lxc.rootfs.options") ?? "").split(separator: ",").map(String.init) where !option.isEmpty {
            guard let flag = Self.rootfsOptions[option] else {
                throw BerthError(.unsupported, "\(origin("lxc.rootfs.options")): '\(option)' is not supported (\(Self.rootfsOptions.keys.sorted().joined(separator: ", ")))")
            }
            flags |= flag
        }
        rootfsFlags = flags
    }
}
