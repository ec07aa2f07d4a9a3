import SystemPackage

/// berth-device: a host device node or network interface given to a running container, or taken
/// back, as lxc-device does.
///
/// - A device node (`/dev/...`): allowed in the container's devices cgroup (v1's devices.allow)
///   and made at the same path (or TARGET) in the container's /dev, through its root and never
///   following its symlinks. Only for privileged containers: in a user namespace a node on the
///   container's own /dev cannot be opened, and LXC refuses them too.
/// - A network interface: moved into the container's network namespace (renamed to TARGET
///   when given); `del` moves it back to the host under its name there (or TARGET).
public struct DeviceManager {
    public enum Action: String, Sendable { case add, del }

    public init() {}

    public func run(_ action: Action, device: String, target: String?, container: Container) throws(BerthError) {
        guard container.isDefined else { throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))") }
        let status = MonitorClient(paths: container.paths).status()
        guard status.state == .running || status.state == .frozen, let pid = status.pid, pid > 0 else {
            throw BerthError(.notRunning, "\(container.name) is not running")
        }
        if device.hasPrefix("/") {
            let cgroup = PayloadCgroup.of(running: container.name.value, lxcpath: container.paths.lxcpath, status: status)
            try node(action, device, target: target ?? device, container: container, pid: pid, cgroup: cgroup)
        } else {
            try interface(action, device, target: target, container: container, pid: pid)
        }
    }

    private func node(_ action: Action, _ device: String, target: String, container: Container, pid: Int32, cgroup: PayloadCgroup) throws(BerthError) {
        guard target.hasPrefix("/dev/"), !target.split(separator: "/").contains("..") else {
            throw BerthError(.invalidArgument, "'\(target)': a device goes under /dev in the container")
        }
        let config = try container.loadConfig()
        guard config.values("lxc.idmap").isEmpty else {
            throw BerthError(.unsupported, "\(container.name) is unprivileged: a device node made in its /dev cannot be opened in its user namespace (add it with lxc.mount.entry and restart)")
        }
        guard let st = FileSystem.status(device) else { throw BerthError(.notFound, "\(device) does not exist on the host") }
        let type = st.st_mode & S_IFMT
        guard type == S_IFCHR || type == S_IFBLK else { throw BerthError(.invalidArgument, "\(device) is not a device node") }
        guard let devices = cgroup.directory(for: "devices"), cgroup.layout.v1.contains(where: { $0.controllers.contains("devices") }) else {
            throw BerthError(.unsupported, "the devices controller is on cgroup v2 here: berth-device cannot change a running container's device rules there yet (add lxc.cgroup2.devices.allow and restart)")
        }
        let rule = "\(type == S_IFCHR ? "c" : "b") \(FileSystem.major(st.st_rdev)):\(FileSystem.minor(st.st_rdev)) rwm"
        // The container's root through its init: /proc/PID/root is a magic link (followed on
        // purpose, once); every path below it is resolved inside that root.
        let rootFD = try FileSystem.open("/proc/\(pid)/root", O_RDONLY | O_DIRECTORY)
        let root = RootedDirectory(fd: rootFD, path: "/proc/\(pid)/root", display: { "/\($0) in \(container.name)" })
        defer { root.close() }
        let relative = String(target.dropFirst())
        switch action {
        case .add:
            try PayloadCgroup.write(Path.join(devices, "devices.allow"), rule)
            try root.makeNode(relative, like: st)
        case .del:
            try root.removeFile(relative)
            try PayloadCgroup.write(Path.join(devices, "devices.deny"), rule)
        }
    }

    private func interface(_ action: Action, _ name: String, target: String?, container: Container, pid: Int32) throws(BerthError) {
        for candidate in [name, target].compactMap({ $0 }) {
            if let problem = ValueKind.interfaceName.check(candidate) { throw BerthError(.invalidArgument, "'\(candidate)': \(problem)") }
        }
        let containerNamespace = try FileSystem.open("/proc/\(pid)/ns/net", O_RDONLY)
        defer { containerNamespace.closeQuietly() }
        let hostNamespace = try FileSystem.open("/proc/self/ns/net", O_RDONLY)
        defer { hostNamespace.closeQuietly() }
        let host = try NetworkControl.host(), inside = try NetworkControl.inNamespace(containerNamespace)
        switch action {
        case .add:
            guard let link = try host.link(named: name) else { throw BerthError(.notFound, "the host has no interface \(name)") }
            if try inside.link(named: target ?? name) != nil { throw BerthError(.alreadyExists, "\(container.name) has an interface \(target ?? name) already") }
            try host.change(link.index, name: target, namespace: containerNamespace, "moving \(name) into \(container.name)")
        case .del:
            guard let link = try inside.link(named: name) else { throw BerthError(.notFound, "\(container.name) has no interface \(name)") }
            if try host.link(named: target ?? name) != nil { throw BerthError(.alreadyExists, "the host has an interface \(target ?? name) already") }
            // Down first, as a phys device at a stop: it left the host as the host had it.
            try? inside.change(link.index, up: false, "taking \(name) down")
            try inside.change(link.index, name: target, namespace: hostNamespace, "moving \(name) back to the host")
        }
    }
}
