/// Removes a container and its rootfs. It refuses while clones depend on it, while it has
/// snapshots (unless asked to remove them too), while it runs, and while anything is mounted
/// inside it. The container first disappears with one rename, so a destroy interrupted half-way
/// never leaves a half-removed container visible.
public struct ContainerDestroyer {
    public var info: (String) -> Void
    /// The host's managed bridge: a container on it is forgotten by its DHCP and DNS server.
    public var managedBridge: ManagedBridge?

    public init(info: @escaping (String) -> Void = { _ in }, managedBridge: ManagedBridge? = nil) {
        self.info = info
        self.managedBridge = managedBridge
    }

    /// - Parameters:
    ///   - force: stop the container first if it runs (`-f`).
    ///   - withSnapshots: also remove its snapshots (`-s`).
    public func destroy(_ container: Container, force: Bool, withSnapshots: Bool) throws(BerthError) {
        let paths = container.paths
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try ContainerLock.acquire(paths)
        guard container.isDefined else {
            lock.releaseAndRemove()
            throw BerthError(.notFound, "Container is not defined: \(container.name) (no \(paths.config))")
        }
        defer { lock.release() }
        if container.queryState().isActive {
            guard force else { throw BerthError(.busy, "\(container.name) is running; stop it first or use -f") }
            try ContainerStopper(container: container).kill()
        }
        // The config, read once: the cgroup placement, the rootfs, the destroy hooks, the bridge.
        let config = try? container.loadConfig()
        // A monitor killed with SIGKILL cannot remove its cgroup; do it now, where it was.
        PayloadCgroup.sweepLeftovers(of: container, config: config)
        // And its socket and lock files in the runtime directory, and its MAC addresses' holds.
        CommandSocket(paths: paths).removeIfStale()
        MACClaim.removeStale(of: config, paths: paths)
        let clones = try container.dependents()
        guard clones.isEmpty else {
            throw BerthError(.hasDependents, "Destroying \(container.name) failed: \(container.name) has clones: \(clones.map { $0.name.value }.joined(separator: ", "))")
        }
        let snapshots = container.snapshotNames()
        guard snapshots.isEmpty || withSnapshots else {
            throw BerthError(.hasDependents, "Destroying \(container.name) failed: \(container.name) has snapshots (\(snapshots.joined(separator: ", "))); use -s to destroy them too")
        }
        let rootfs = config?.rootfs
        let managed = config?.value("lxc.rootfs.managed") != "0"
        // The rootfs may live outside the container directory (create --dir).
        var trees = [paths.directory]
        if managed, let rootfs, rootfs.backend == "dir", !rootfs.path.hasPrefix(paths.directory + "/") {
            trees.append(rootfs.path)
        }
        let mounted = trees.flatMap { MountTable.mounts(under: $0) }
        guard mounted.isEmpty else {
            throw BerthError(.busy, "Destroying \(container.name) failed: still mounted: \(mounted.joined(separator: ", ")); unmount first")
        }
        // lxc.hook.destroy before anything goes; a failing hook keeps the container, as in LXC.
        if let config {
            do throws(BerthError) {
                try HookRunner.runOutsideStart("destroy", container: container, config: config, rootfs: rootfs?.path ?? paths.defaultRootfs)
            } catch {
                throw BerthError(error.code, "Destroying \(container.name) failed: \(error.message)", errno: error.errno)
            }
        }
        if let origin = try container.origin() {
            try removeDependent(container, from: origin)
        }
        // Vanish first (one rename), then remove at leisure: readers never see half a container.
        let doomed = Path.join(paths.lxcpath, paths.removalPrefix + String(CurrentProcess.id))
        try FileSystem.rename(paths.directory, to: doomed)
        for tree in trees.dropFirst() { try FileSystem.removeTree(tree) }
        if !CurrentProcess.isRoot, let maps = try? IDMap.parse(config?.values("lxc.idmap") ?? [], origin: "lxc.idmap"), !maps.isEmpty {
            // A user's container holds files of its root's ids, which only that root may
            // remove: the removal runs in the container's user namespace.
            try UserNamespaceRunner.run(maps) { () throws(BerthError) in try FileSystem.removeTree(doomed) }
        } else {
            try FileSystem.removeTree(doomed)
        }
        lock.releaseAndRemove()
        if let managedBridge, config?.networks.contains(where: { $0.type == "veth" && $0.link == managedBridge.name }) == true {
            ManagedNetwork(bridge: managedBridge).forget(name: container.name.value)
        }
        info("Destroyed container \(container.name)")
    }

    /// Drops `clone` from its origin's `lxc_snapshots`.
    func removeDependent(_ clone: Container, from origin: Container) throws(BerthError) {
        let lock = try FileLock.acquire(Path.join(origin.paths.directory, ".lxc_snapshots.lock"), timeout: 30, what: "the clone list of \(origin.name)")
        defer { lock.release() }
        let file = origin.paths.dependents
        guard FileSystem.exists(file) else { return }
        let lines = try FileSystem.readText(file).split(separator: "\n").map(String.init)
        var kept: [String] = []
        var index = 0
        while index + 1 < lines.count {
            if !(lines[index] == clone.paths.lxcpath && lines[index + 1] == clone.name.value) {
                kept += [lines[index], lines[index + 1]]
            }
            index += 2
        }
        if kept.isEmpty {
            try FileSystem.removeFile(file)
        } else {
            try FileSystem.writeAtomically(file, text: kept.joined(separator: "\n") + "\n", mode: 0o644)
        }
    }
}
