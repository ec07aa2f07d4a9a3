/// berth-cgroup: reads or sets one controller file of a running container, in the hierarchy
/// where that controller really lives on this host. A file named for the other cgroup version is
/// translated as container config keys are (`memory.limit_in_bytes` on a v2 host writes
/// `memory.max`); reading names the file as the host has it.
public struct CgroupAccess {
    public let container: Container
    public let layout: CgroupLayout

    public init(container: Container, layout: CgroupLayout = .current()) {
        self.container = container
        self.layout = layout
    }

    /// The container's cgroup, after checking that it runs.
    private func runningCgroup() throws(BerthError) -> PayloadCgroup {
        let status = MonitorClient(paths: container.paths).status()
        guard status.state != .stopped else {
            throw BerthError(.notRunning, "\(container.name) is not running")
        }
        return PayloadCgroup.of(running: container.name.value, lxcpath: container.paths.lxcpath, status: status, layout: layout)
    }

    /// The contents of `file` (`memory.usage_in_bytes`, `pids.current`, ...).
    public func read(_ file: String) throws(BerthError) -> String {
        let cgroup = try runningCgroup()
        let controller = String(file.split(separator: ".", maxSplits: 1).first ?? "")
        guard let directory = cgroup.directory(for: controller) else {
            throw BerthError(.unsupported, "the \(controller) controller is not available on this host (cgroup layout: \(layout.kind.rawValue))")
        }
        let path = Path.join(directory, file)
        guard FileSystem.exists(path) else { throw BerthError(.notFound, "no \(file) in \(directory)") }
        return try FileSystem.readText(path)
    }

    /// Writes `value` to `file`, translated for the version the controller runs on.
    public func write(_ file: String, _ value: String) throws(BerthError) {
        let cgroup = try runningCgroup()
        let controller = String(file.split(separator: ".", maxSplits: 1).first ?? "")
        // Which version the name belongs to: that of the hierarchy holding the controller when
        // the file exists there, else the other one (so the name is translated).
        var version: CgroupWrite.Version = .v2
        if case .v1? = layout.location(of: controller) { version = .v1 }
        if let directory = cgroup.directory(for: controller), !FileSystem.exists(Path.join(directory, file)) {
            version = version == .v1 ? .v2 : .v1
        }
        let setting = CgroupTranslator.Setting(version, file, value, origin: "\(file)")
        let writes = try CgroupTranslator(layout: layout).writes(for: [setting])
        try cgroup.apply(writes)
    }
}
