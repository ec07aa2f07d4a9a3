/// What `berth-ls -f` and `berth-info` show about one container, gathered once.
public struct ContainerSummary: Sendable {
    public let name: String
    /// What the monitor said: the state, init's pid and where the container's cgroup is.
    public let status: MonitorStatus
    public var state: ContainerState { status.state }
    public var pid: Int32? { status.pid }
    public let autostart: Bool
    public let groups: [String]
    public let ipv4: [String]
    public let ipv6: [String]
    public let unprivileged: Bool
    public let interfaces: [String]
    /// The config problem, when the container's config does not load.
    public let configError: String?

    /// A summary made elsewhere (a nested container's, read inside its parent).
    public init(name: String, state: ContainerState, pid: Int32?, autostart: Bool, groups: [String], ipv4: [String], ipv6: [String],
                unprivileged: Bool, interfaces: [String]) {
        self.name = name
        status = MonitorStatus(state: state, pid: pid)
        self.autostart = autostart
        self.groups = groups
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.unprivileged = unprivileged
        self.interfaces = interfaces
        configError = nil
    }

    /// Reads the container's config and state (`status`, when the caller asked the monitor
    /// already; `loaded`, when it has read the config already: berth-info read it twice). A
    /// broken config does not hide the container; the problem is reported in `configError`.
    public init(_ container: Container, status: MonitorStatus? = nil, config loaded: ContainerConfig? = nil) {
        name = container.name.value
        self.status = status ?? container.queryStatus()
        var config = loaded
        var problem: String?
        if config == nil {
            do throws(BerthError) { config = try container.loadConfig() } catch { problem = error.message }
        }
        configError = problem
        autostart = config?.autostart ?? false
        groups = config?.groups ?? []
        unprivileged = config?.isUnprivileged ?? false
        interfaces = config?.networks.compactMap { nic in nic.type == "veth" ? nic.value("veth.pair") ?? nic.link : nic.link } ?? []
        // Addresses are those the running container has; a stopped one has none.
        if let pid = self.status.pid, self.status.state == .running || self.status.state == .frozen {
            (ipv4, ipv6) = ContainerAddresses.read(pid: pid)
        } else {
            ipv4 = []
            ipv6 = []
        }
    }

    public var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("state", .string(state.rawValue)),
            ("pid", pid.map { .number(Int64($0)) } ?? .null),
            ("autostart", .bool(autostart)),
            ("groups", .array(groups.map(JSONValue.string))),
            ("ipv4", .array(ipv4.map(JSONValue.string))),
            ("ipv6", .array(ipv6.map(JSONValue.string))),
            ("unprivileged", .bool(unprivileged)),
        ] + (configError.map { [("config_error", JSONValue.string($0))] } ?? []))
    }
}
