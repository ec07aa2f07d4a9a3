/// A defined container: its name, where its files are, and what its config says.
public struct Container: Sendable {
    public let paths: ContainerPaths
    public var name: ContainerName { paths.name }

    public init(lxcpath: String, name: ContainerName) {
        paths = ContainerPaths(lxcpath: lxcpath, name: name)
    }

    /// True when `<lxcpath>/<name>/config` exists: LXC's definition of a defined container.
    public var isDefined: Bool { FileSystem.isFile(paths.config) }

    /// The container's effective config.
    public func loadConfig(warn: @escaping (String) -> Void = { _ in }) throws(BerthError) -> ContainerConfig {
        guard isDefined else { throw BerthError(.notFound, "\(name) doesn't exist (no \(paths.config))") }
        return try ConfigLoader.load(paths.config, warn: warn)
    }

    /// The container's state and init's pid, asked from its monitor over its socket (one
    /// connection each call): a container without a running monitor is STOPPED, however its
    /// monitor ended.
    public func queryStatus() -> MonitorStatus { MonitorClient(paths: paths).status() }

    /// The container's state, asked from its monitor.
    public func queryState() -> ContainerState { queryStatus().state }

    /// Init's pid on the host while running, asked from its monitor.
    public func queryInitPID() -> Int32? { queryStatus().pid }

    /// The clones that depend on this container, from `lxc_snapshots` (pairs of lines:
    /// lxcpath, name). Entries whose clone no longer exists are left out.
    public func dependents() throws(BerthError) -> [Container] {
        guard FileSystem.exists(paths.dependents) else { return [] }
        let lines = try FileSystem.readText(paths.dependents).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var result: [Container] = []
        var index = 0
        while index + 1 < lines.count {
            if let name = try? ContainerName(lines[index + 1]) {
                let clone = Container(lxcpath: lines[index], name: name)
                if clone.isDefined { result.append(clone) }
            }
            index += 2
        }
        return result
    }

    /// The container this one is a clone of, from `lxc_rdepends`.
    public func origin() throws(BerthError) -> Container? {
        guard FileSystem.exists(paths.dependsOn) else { return nil }
        let lines = try FileSystem.readText(paths.dependsOn).split(separator: "\n").map(String.init)
        guard lines.count >= 2, let name = try? ContainerName(lines[1]) else { return nil }
        return Container(lxcpath: lines[0], name: name)
    }

    /// Snapshot names under `snaps/` (`snap0`, `snap1`, …), in number order.
    public func snapshotNames() -> [String] {
        let names = ((try? FileSystem.list(paths.snapshots)) ?? []).filter {
            FileSystem.isDirectory(Path.join(paths.snapshots, $0)) && !$0.hasPrefix(".")
        }
        return names.sorted { a, b in
            let na = Int(a.dropFirst(4)) ?? Int.max, nb = Int(b.dropFirst(4)) ?? Int.max
            return na != nb ? na < nb : a < b
        }
    }
}
