/// Where a container's cgroups go in each hierarchy, as LXC's placement keys say:
///
/// - default: `berth.payload.NAME` (plus the lxcpath's hash outside the default lxcpath) below
///   the host init's cgroup, and `berth.monitors` beside it, one cgroup every monitor shares;
/// - `lxc.cgroup.dir = X`: `X/berth.payload.NAME` and `X/berth.monitor.NAME`;
/// - `lxc.cgroup.dir.container = C` with `lxc.cgroup.dir.monitor = M`: exactly C and M;
/// - with any of these placement keys, or lxc.cgroup.relative, the monitor's cgroup is its own
///   (made at start, removed at stop, as LXC's);
/// - `lxc.cgroup.dir.container.inner = I`: the container's processes (and its cgroup namespace's
///   root) in `PAYLOAD/I`, the limits on PAYLOAD, out of the container's reach;
/// - `lxc.cgroup.dir.monitor.pivot = P`: where the monitor moves before removing its own cgroup
///   (else back where it came from);
/// - `lxc.cgroup.relative = 1`: below the starting process's cgroups instead of init's.
///
/// Paths are relative, without `..`, whitespace or `:` (the monitor hands the directories to
/// other commands as one word). Made from the config with no I/O.
public struct CgroupPlacement: Sendable, Equatable {
    /// The payload (limits) cgroup, below the base.
    public let payload: String
    /// The monitor's cgroup, below the base.
    public let monitor: String
    /// Whether `monitor` is the cgroup all monitors share (`berth.monitors`): made when missing
    /// and never removed by a monitor. A cgroup of its own per monitor would cost a memory
    /// cgroup per running container (about 120 kB of kernel memory each where memory is a v1
    /// controller, some 200 kB across a hybrid host's hierarchies) for no limit anyone sets.
    public let monitorShared: Bool
    /// The processes' cgroup below the payload, when lxc.cgroup.dir.container.inner is set.
    public let inner: String?
    /// lxc.cgroup.dir.monitor.pivot, below the base.
    public let monitorPivot: String?
    /// lxc.cgroup.relative: the base is the caller's cgroup, not init's.
    public let relative: Bool

    /// The keys this placement reads.
    public static let keys = ["lxc.cgroup.dir", "lxc.cgroup.dir.container", "lxc.cgroup.dir.container.inner",
                              "lxc.cgroup.dir.monitor", "lxc.cgroup.dir.monitor.pivot", "lxc.cgroup.relative"]

    /// The cgroup the monitors share, below the base (or lxc.cgroup.dir).
    public static let sharedMonitor = "berth.monitors"

    /// A monitor's cgroup of its own (a placement key asks for one, and earlier Berths always
    /// made one): `berth.monitor.NAME`, with the lxcpath's hash as the payload's.
    public static func ownMonitor(name: String, lxcpath: String) -> String {
        PayloadCgroup.leaf(prefix: "berth.monitor.", name: name, lxcpath: lxcpath)
    }

    /// Berth's own placement for `name` in `lxcpath`.
    public static func standard(name: String, lxcpath: String) -> CgroupPlacement {
        CgroupPlacement(payload: PayloadCgroup.leaf(prefix: "berth.payload.", name: name, lxcpath: lxcpath),
                        monitor: sharedMonitor, inner: nil, monitorPivot: nil, relative: false, monitorShared: true)
    }

    /// Whether other commands find the cgroups from the name alone (else the monitor tells them).
    public func isStandard(name: String, lxcpath: String) -> Bool { self == .standard(name: name, lxcpath: lxcpath) }

    public init(payload: String, monitor: String, inner: String?, monitorPivot: String?, relative: Bool, monitorShared: Bool = false) {
        self.payload = payload
        self.monitor = monitor
        self.monitorShared = monitorShared
        self.inner = inner
        self.monitorPivot = monitorPivot
        self.relative = relative
    }

    /// The placement `config` asks for; an error names the key and what is wrong with it.
    public init(config: ContainerConfig, name: String, lxcpath: String, origin: (String) -> String) throws(BerthError) {
        func path(_ key: String) throws(BerthError) -> String? {
            guard let value = config.value(key), !value.isEmpty else { return nil }
            try CgroupPlacement.check(value, origin: origin(key))
            return Path.stripTrailingSlashes(value)
        }
        let dir = try path("lxc.cgroup.dir")
        let container = try path("lxc.cgroup.dir.container")
        let monitorDir = try path("lxc.cgroup.dir.monitor")
        let standard = CgroupPlacement.standard(name: name, lxcpath: lxcpath)
        relative = config.boolean("lxc.cgroup.relative")
        if dir != nil, container != nil || monitorDir != nil {
            throw BerthError(.invalidConfig, "\(origin("lxc.cgroup.dir")): set either lxc.cgroup.dir or lxc.cgroup.dir.container with lxc.cgroup.dir.monitor, not both (as LXC)")
        }
        switch (container, monitorDir) {
        case let (c?, m?):
            guard c != m, !c.hasPrefix(m + "/"), !m.hasPrefix(c + "/") else {
                throw BerthError(.invalidConfig, "\(origin("lxc.cgroup.dir.container")): the container's cgroup '\(c)' and the monitor's '\(m)' must be apart (neither inside the other)")
            }
            payload = c
            monitor = m
            monitorShared = false
        case (nil, nil):
            // Under lxc.cgroup.dir, or below the caller's cgroup, each monitor has its own, as
            // LXC's: nothing of Berth's stays in the cgroups a placement names once they stop.
            let own = CgroupPlacement.ownMonitor(name: name, lxcpath: lxcpath)
            payload = dir.map { $0 + "/" + standard.payload } ?? standard.payload
            monitorShared = dir == nil && !relative
            monitor = dir.map { $0 + "/" + own } ?? (monitorShared ? standard.monitor : own)
        case (_?, nil):
            throw BerthError(.invalidConfig, "\(origin("lxc.cgroup.dir.container")): needs lxc.cgroup.dir.monitor too (as LXC: both or neither)")
        case (nil, _?):
            throw BerthError(.invalidConfig, "\(origin("lxc.cgroup.dir.monitor")): needs lxc.cgroup.dir.container too (as LXC: both or neither)")
        }
        inner = try path("lxc.cgroup.dir.container.inner")
        monitorPivot = try path("lxc.cgroup.dir.monitor.pivot")
        if let pivot = monitorPivot, pivot == monitor || pivot.hasPrefix(monitor + "/") || pivot == payload || pivot.hasPrefix(payload + "/") {
            throw BerthError(.invalidConfig, "\(origin("lxc.cgroup.dir.monitor.pivot")): '\(pivot)' is inside the cgroup it is to leave")
        }
    }

    /// A usable cgroup path: relative, no `.`/`..` part, no empty part, no whitespace or `:`.
    static func check(_ value: String, origin: String) throws(BerthError) {
        if value.hasPrefix("/") {
            throw BerthError(.invalidConfig, "\(origin): '\(value)' must be relative (to the cgroup Berth places containers below)")
        }
        if value.contains(where: { $0.isWhitespace || $0 == ":" || $0.asciiValue.map { $0 < 0x20 } == true }) {
            throw BerthError(.invalidConfig, "\(origin): '\(PrintableText.escaped(value))' has a space, control character or ':', which a cgroup path here may not have")
        }
        let parts = Path.stripTrailingSlashes(value).split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw BerthError(.invalidConfig, "\(origin): '\(value)' has an empty, '.' or '..' part")
        }
    }
}
