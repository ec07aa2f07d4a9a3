/// berth-copy and berth-clone: a new container from an existing one, as a full copy or a
/// copy-on-write clone (overlay, btrfs), and the building block of snapshots and restores.
///
/// The new container is built in a hidden staging directory `<lxcpath>/.<new>.creating-<pid>`
/// and published with one rename, so a copy killed half-way leaves the source as it was and no
/// half-made container that berth-ls would show (the next create or copy of that name sweeps
/// the staging directory). A clone gets its own hostname, new MAC addresses, a new address on
/// the managed bridge, and every path of the source's directory in its config (also in files
/// it includes from there) rewritten to its own.
public struct ContainerCopier {
    public struct Request {
        public var source: Container
        public var newName: ContainerName
        public var newLxcpath: String
        /// `-s`: copy-on-write where the store allows (dir sources become overlay clones).
        public var snapshot = false
        /// `-B`: the new container's backing store.
        public var kind: RootfsStorage.Kind?
        /// `-K`: keep the hostname; `-M`: keep the MAC addresses (and managed addresses).
        public var keepName = false
        public var keepMAC = false
        /// `-a`: copy a running source, frozen for the moment of the copy.
        public var allowRunning = false
        /// Settings written into the new config (`lxc.ephemeral = 1` for -e).
        public var settings: [(String, String)] = []

        public init(source: Container, newName: ContainerName, newLxcpath: String) {
            self.source = source
            self.newName = newName
            self.newLxcpath = newLxcpath
        }
    }

    public let system: SystemConfig
    public var warn: (String) -> Void

    public init(system: SystemConfig, warn: @escaping (String) -> Void = { _ in }) {
        self.system = system
        self.warn = warn
    }

    /// Makes the new container and returns it.
    public func copy(_ request: Request) throws(BerthError) -> Container {
        try Self.requireRoot("copies and clones")
        let target = Container(lxcpath: request.newLxcpath, name: request.newName)
        if target.paths.directory == request.source.paths.directory {
            throw BerthError(.invalidArgument, "the new name must differ from \(request.source.name) (or give another lxcpath with -p)")
        }
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let sourceLock = try ContainerLock.acquire(request.source.paths, timeout: 30)
        defer { sourceLock.release() }
        guard request.source.isDefined else {
            throw BerthError(.notFound, "\(request.source.name) doesn't exist (no \(request.source.paths.config))")
        }
        let targetLock = try ContainerLock.acquire(target.paths)
        defer { FileSystem.exists(target.paths.directory) ? targetLock.release() : targetLock.releaseAndRemove() }
        guard !FileSystem.exists(target.paths.directory) else {
            throw BerthError(.alreadyExists, "Container already exists: \(target.paths.directory)")
        }
        ContainerCreator(system: system).sweepLeftovers(target.paths)
        let hold = try holdIfRunning(request.source, allowed: request.allowRunning)
        defer { hold?.release() }

        let staging = Path.join(target.paths.lxcpath, target.paths.stagingPrefix + String(CurrentProcess.id))
        var registered: Container?
        do throws(BerthError) {
            try FileSystem.makeDirectories(target.paths.lxcpath)
            try FileSystem.makeDirectory(staging, mode: 0o770)
            let made = try build(request, source: request.source, staging: staging, final: target.paths.directory)
            if let lower = made.lowerOwner {
                // Recorded before the clone appears: an origin is never without the record of a
                // clone that exists (a record of one that does not is ignored).
                try Self.addDependent(target, to: lower)
                registered = lower
                try FileSystem.writeAtomically(Path.join(staging, "lxc_rdepends"), text: "\(lower.paths.lxcpath)\n\(lower.name.value)\n", mode: 0o644)
            }
            // lxc.hook.clone, on the copy before it appears (as LXC runs them on the new
            // container): a failing hook leaves no copy.
            try runCloneHooks(target, source: request.source, staging: staging)
            if let sig = signals.pendingSignal() {
                throw BerthError.interrupted(sig, "interrupted by signal \(sig); nothing was copied")
            }
            try FileSystem.renameNoReplace(staging, to: target.paths.directory)
        } catch {
            try? FileSystem.removeTree(staging)
            if let registered { try? ContainerDestroyer().removeDependent(target, from: registered) }
            throw error
        }
        // The copy's new static address is reserved with the bridge's DHCP server at once (its
        // start would do it too; until then a lease could take it).
        if let bridge = try system.managedBridge, let config = try? target.loadConfig() {
            try? ManagedNetwork(bridge: bridge).reserve(name: target.name.value, config: config)
        }
        return target
    }

    /// Runs the copy's `lxc.hook.clone` commands with LXC's arguments (`NAME lxc clone`) and
    /// environment (LXC_SRC_NAME the original), its rootfs where it is being built: the copy's
    /// tree (for an overlay clone its upper layer, what the clone adds).
    private func runCloneHooks(_ target: Container, source: Container, staging: String) throws(BerthError) {
        let configPath = Path.join(staging, "config")
        let config = try ConfigLoader.load(configPath)
        guard !config.values("lxc.hook.clone").isEmpty else { return }
        let rootfs = config.rootfs?.path ?? target.paths.defaultRootfs
        // The config names the copy's final place; while it is built it is in the staging directory.
        let building = rootfs.hasPrefix(target.paths.directory + "/") ? staging + rootfs.dropFirst(target.paths.directory.count) : rootfs
        do throws(BerthError) {
            try HookRunner.runOutsideStart("clone", container: target, config: config, rootfs: building, configPath: configPath, sourceName: source.name.value)
        } catch {
            throw BerthError(error.code, "Copying \(source.name) to \(target.name) failed: \(error.message); nothing was copied", errno: error.errno)
        }
    }

    /// `-R`: gives `source` the name `newName` in its lxcpath: its directory is renamed and
    /// every path of it in its config, its snapshots' configs and its origin's clone list follows.
    /// Refused while it runs or while clones depend on it.
    public func rename(_ source: Container, to newName: ContainerName) throws(BerthError) -> Container {
        try Self.requireRoot("renames")
        let target = Container(lxcpath: source.paths.lxcpath, name: newName)
        guard target.paths.directory != source.paths.directory else {
            throw BerthError(.invalidArgument, "\(source.name) already has that name")
        }
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let sourceLock = try ContainerLock.acquire(source.paths, timeout: 30)
        let targetLock = try ContainerLock.acquire(target.paths)
        defer { FileSystem.exists(target.paths.directory) ? targetLock.release() : targetLock.releaseAndRemove() }
        guard source.isDefined else {
            sourceLock.release()
            throw BerthError(.notFound, "\(source.name) doesn't exist (no \(source.paths.config))")
        }
        defer { FileSystem.exists(source.paths.directory) ? sourceLock.release() : sourceLock.releaseAndRemove() }
        guard !FileSystem.exists(target.paths.directory) else {
            throw BerthError(.alreadyExists, "Container already exists: \(target.paths.directory)")
        }
        guard source.queryState() == .stopped else { throw BerthError(.busy, "\(source.name) is running; stop it before renaming it") }
        let clones = try source.dependents()
        guard clones.isEmpty else {
            throw BerthError(.hasDependents, "\(source.name) has clones (\(clones.map(\.name.value).joined(separator: ", "))); they name its rootfs, so it cannot be renamed")
        }
        let origin = try source.origin()
        // The new config is ready before the directory moves, so the moment the new name exists
        // its config names the new place.
        let old = source.paths.directory, new = target.paths.directory
        func rewritten(_ file: String, uts: Bool) throws(BerthError) -> String {
            var document = ConfigDocument(text: try FileSystem.readText(file), file: file)
            try document.rewriteValues { _, value in value.contains(old) ? value.replacingOccurrences(of: old, with: new) : nil }
            if uts { try document.set("lxc.uts.name", newName.value) }
            return document.render()
        }
        let staged = Path.join(old, ".config.renaming")
        try FileSystem.writeAtomically(staged, text: try rewritten(source.paths.config, uts: true))
        // The guest's own /etc/hostname and /etc/hosts follow too (its init may set the
        // hostname from the first; programs look their own name up in the second).
        let sourceConfig = try source.loadConfig()
        if let spec = sourceConfig.rootfs {
            try GuestNameFiles(oldNames: Self.guestNames(source, sourceConfig), newName: newName.value)
                .write(rootfs: spec.path, layers: OverlayLayers(spec).map { ($0.lower, $0.upper) })
        }
        try FileSystem.renameNoReplace(old, to: new)
        try FileSystem.rename(Path.join(new, ".config.renaming"), to: target.paths.config)
        for snapshot in target.snapshotNames() {
            let file = Path.join(Path.join(target.paths.snapshots, snapshot), "config")
            if FileSystem.isFile(file) { try FileSystem.writeAtomically(file, text: try rewritten(file, uts: false)) }
        }
        if let origin {
            try ContainerDestroyer().removeDependent(source, from: origin)
            try Self.addDependent(target, to: origin)
        }
        // The old name's runtime files (the lock file a stopped container keeps) go, as a
        // destroy of that name would remove them.
        CommandSocket(paths: source.paths).removeIfStale()
        return target
    }

    /// A hold on a running source; refused without `allowed`.
    func holdIfRunning(_ source: Container, allowed: Bool) throws(BerthError) -> FreezeHold? {
        guard source.queryState() != .stopped else { return nil }
        guard allowed else {
            throw BerthError(.busy, "\(source.name) is running; stop it first or use -a to copy it frozen for the moment of the copy")
        }
        return try FreezeHold.take(source.paths)
    }

    /// Fills `staging` with the new container: rootfs, the source directory's other files, and
    /// the rewritten config. `final` is where it will be published.
    func build(_ request: Request, source: Container, staging: String, final: String) throws(BerthError) -> RootfsStorage.Made {
        let config = try source.loadConfig(warn: warn)
        guard let spec = config.rootfs else {
            throw BerthError(.invalidConfig, "\(source.paths.config): lxc.rootfs.path is not set; there is no root filesystem to copy")
        }
        let sourceKind = RootfsStorage.kind(of: spec)
        let kind = RootfsStorage.kindForCopy(source: sourceKind, requested: request.kind, snapshot: request.snapshot)
        let made = try RootfsStorage.make(kind, from: spec, staging: staging, final: final)

        // Everything else of the source's directory (hook scripts, fstab, included configs), not
        // its rootfs, snapshots, bookkeeping or config.
        let skipped: Set<String> = ["rootfs", "overlay", "delta0", "olwork", "snaps", "config", "lxc_snapshots", "lxc_rdepends", "ts", "comment"]
        let oldDirectory = source.paths.directory
        for name in try FileSystem.list(oldDirectory) where !skipped.contains(name) && !name.hasPrefix(".") {
            let from = Path.join(oldDirectory, name), to = Path.join(staging, name)
            if FileSystem.isDirectory(from) {
                try TreeCopier.copy(from, to: to)
            } else if FileSystem.kind(from) == .file {
                try FileSystem.copyFile(from, to: to)
            }
            // Configs it includes from its own directory name its paths too.
            if name.hasSuffix(".conf"), FileSystem.isFile(to) {
                let text = try FileSystem.readText(to)
                if text.contains(oldDirectory) { try FileSystem.writeAtomically(to, text: text.replacingOccurrences(of: oldDirectory, with: final), mode: 0o644) }
            }
        }

        var document = ConfigDocument(text: try FileSystem.readText(source.paths.config), file: source.paths.config)
        try document.rewriteValues { _, value in
            value.contains(oldDirectory) ? value.replacingOccurrences(of: oldDirectory, with: final) : nil
        }
        try document.set("lxc.rootfs.path", made.spec)
        let newName = String(final.split(separator: "/").last ?? "")
        if !request.keepName {
            try document.set("lxc.uts.name", newName)
            let layers = OverlayLayers(RootfsSpec(parsing: made.spec)).map { ($0.lower, Path.join(staging, "overlay/delta")) }
            try GuestNameFiles(oldNames: Self.guestNames(source, config), newName: newName)
                .write(rootfs: Path.join(staging, "rootfs"), layers: layers)
        }
        if !request.keepMAC {
            try document.rewriteValues { key, value in
                guard key.hasSuffix(".hwaddr"), let mac = MACAddress.parse(value) else { return nil }
                // The vendor part stays, the rest is new; expand keeps the address unicast and
                // locally administered where the pattern allows.
                return MACAddress.expand(MACAddress.format(Array(mac.prefix(3))) + ":xx:xx:xx")
            }
        }
        for (key, value) in request.settings { try document.set(key, value) }
        let configPath = Path.join(staging, "config")
        var written = false
        if !request.keepMAC, let bridge = try system.managedBridge {
            // A clone on the managed bridge gets an address of its own.
            let allocator = AddressAllocator(bridge: bridge, lxcpaths: [request.newLxcpath] + system.allLxcpaths.filter { $0 != request.newLxcpath })
            let owned = allocator.addressed(document)
            if !owned.isEmpty {
                for index in owned { document.remove("lxc.net.\(index).ipv4.address") }
                let lock = try AddressAllocator.lock(request.newLxcpath)
                defer { lock.release() }
                try allocator.assign(&document)
                // Written while the lock is held: the allocator reads the staging directory's
                // config too, so a copy made at the same time sees this address as taken.
                try FileSystem.writeAtomically(configPath, text: document.render())
                written = true
            }
        }
        // Each write is a temporary file, an fsync and a rename: done once.
        if !written { try FileSystem.writeAtomically(configPath, text: document.render()) }
        _ = try ConfigLoader.load(configPath, warn: { _ in })
        return made
    }

    /// The names the guest of `source` may know itself by: the container's name and its
    /// `lxc.uts.name`.
    static func guestNames(_ source: Container, _ config: ContainerConfig) -> Set<String> {
        var names: Set<String> = [source.name.value]
        if let uts = config.utsName, !uts.isEmpty { names.insert(uts) }
        return names
    }

    /// Copies and snapshots of a user's container would have to run in its user namespace (its
    /// files belong to its root's ids): not done yet, so refused clearly.
    static func requireRoot(_ what: String) throws(BerthError) {
        guard CurrentProcess.isRoot else {
            throw BerthError(.unsupported, "\(what) of containers need root for now (a user's container's files belong to its subordinate ids)")
        }
    }

    /// Appends `clone` to `origin`'s `lxc_snapshots` (lxcpath and name lines, as LXC).
    static func addDependent(_ clone: Container, to origin: Container) throws(BerthError) {
        // Under the origin's lock: clones of one origin may be made at once.
        let lock = try FileLock.acquire(Path.join(origin.paths.directory, ".lxc_snapshots.lock"), timeout: 30, what: "the clone list of \(origin.name)")
        defer { lock.release() }
        let file = origin.paths.dependents
        let old = FileSystem.exists(file) ? try FileSystem.readText(file) : ""
        let text = (old.isEmpty || old.hasSuffix("\n") ? old : old + "\n") + "\(clone.paths.lxcpath)\n\(clone.name.value)\n"
        try FileSystem.writeAtomically(file, text: text, mode: 0o644)
    }
}
