/// berth-snapshot: snapshots in `<lxcpath>/<name>/snaps/snapN/{config,ts,comment,rootfs...}`,
/// LXC's layout, made for cron.
///
/// - A snapshot costs what the backing store makes it cost: a btrfs snapshot, or for an overlay
///   clone a copy of its upper layer only (the shared lower layer is not copied); a dir
///   container is copied in full (reflinks where the filesystem has them).
/// - A running container is frozen by its monitor for the moment of the copy and thawed after,
///   also if this process is killed meanwhile.
/// - Runs on one container serialise on its lock, waiting at most `lockTimeout` seconds.
/// - Everything is built in a hidden staging directory and appears with one rename; a restore
///   over the container swaps the finished copy in with one atomic exchange and keeps the
///   snapshots. Whatever is killed half-way, the old state stays intact.
public struct SnapshotManager {
    public let system: SystemConfig
    public var lockTimeout: Double = 60
    public var warn: (String) -> Void

    public struct Snapshot: Sendable {
        public let name: String
        /// The `snaps` directory it is in (LXC prints it in parentheses).
        public let directory: String
        public let timestamp: String
        public let comment: String?
    }

    public init(system: SystemConfig, warn: @escaping (String) -> Void = { _ in }) {
        self.system = system
        self.warn = warn
    }

    // MARK: create

    /// Takes a snapshot of `container`; returns its name (`snapN`). `comment` is the text of
    /// the comment file.
    public func create(_ container: Container, comment: String?) throws(BerthError) -> String {
        try ContainerCopier.requireRoot("snapshots")
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try lockContainer(container)
        defer { lock.release() }
        try recover(container)
        let snaps = container.paths.snapshots
        let index = (container.snapshotNames().compactMap { Int($0.dropFirst(4)) }.max() ?? -1) + 1
        let name = "snap\(index)"
        try FileSystem.makeDirectories(snaps)
        let staging = Path.join(snaps, ".\(name).creating-\(CurrentProcess.id)")
        do throws(BerthError) {
            try FileSystem.makeDirectory(staging, mode: 0o770)
            var request = ContainerCopier.Request(source: container, newName: try ContainerName(name), newLxcpath: snaps)
            request.keepName = true
            request.keepMAC = true
            let copier = ContainerCopier(system: system, warn: warn)
            // Frozen for the copy only: the hold is released as soon as build returns.
            let hold = try FreezeHold.take(container.paths)
            defer { hold?.release() }
            _ = try copier.build(request, source: container, staging: staging, final: Path.join(snaps, name))
            hold?.release()
            try FileSystem.writeAtomically(Path.join(staging, "ts"), text: Timestamp.localSnapshotTime() + "\n", mode: 0o644)
            if let comment { try FileSystem.writeAtomically(Path.join(staging, "comment"), text: comment, mode: 0o644) }
            if let sig = signals.pendingSignal() {
                throw BerthError.interrupted(sig, "interrupted by signal \(sig); no snapshot was made")
            }
            try FileSystem.renameNoReplace(staging, to: Path.join(snaps, name))
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        return name
    }

    /// The container's lock, waited for at most `lockTimeout` seconds.
    func lockContainer(_ container: Container) throws(BerthError) -> FileLock {
        let lock = try ContainerLock.acquire(container.paths, timeout: lockTimeout)
        guard container.isDefined else {
            lock.release()
            throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))")
        }
        return lock
    }

    /// Puts right what a killed run left (call under the container's lock): staging and removal
    /// directories of snapshots go; a restore killed between its exchange and moving the
    /// snapshots over gets its snapshots moved back.
    func recover(_ container: Container) throws(BerthError) {
        let snaps = container.paths.snapshots
        for entry in (try? FileSystem.list(snaps)) ?? [] where entry.hasPrefix(".snap") && (entry.contains(".creating-") || entry.contains(".removing-")) {
            try FileSystem.removeTree(Path.join(snaps, entry))
        }
        let prefix = restoringPrefix(container)
        for entry in (try? FileSystem.list(container.paths.lxcpath)) ?? [] where entry.hasPrefix(prefix) {
            let leftover = Path.join(container.paths.lxcpath, entry)
            let kept = Path.join(leftover, "snaps")
            if FileSystem.isDirectory(kept) && !FileSystem.exists(snaps) {
                try FileSystem.rename(kept, to: snaps)
            }
            try FileSystem.removeTree(leftover)
        }
    }

    func restoringPrefix(_ container: Container) -> String { ".\(container.name.value).restoring-" }

    // MARK: list

    public func list(_ container: Container) throws(BerthError) -> [Snapshot] {
        guard container.isDefined else { throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))") }
        return container.snapshotNames().map { name in
            let directory = Path.join(container.paths.snapshots, name)
            let ts = (try? FileSystem.readText(Path.join(directory, "ts")))?.split(separator: "\n").first.map(String.init) ?? ""
            return Snapshot(name: name, directory: container.paths.snapshots, timestamp: ts,
                            comment: try? FileSystem.readText(Path.join(directory, "comment")))
        }
    }

    // MARK: restore

    /// Restores `snapshot` of `container`: over the container itself (nil or the same name), or
    /// as the new container `newName`.
    public func restore(_ container: Container, snapshot: String, as newName: ContainerName?) throws(BerthError) -> Container {
        try ContainerCopier.requireRoot("snapshot restores")
        let source = try snapshotContainer(container, snapshot)
        if let newName, newName != container.name {
            var request = ContainerCopier.Request(source: source, newName: newName, newLxcpath: container.paths.lxcpath)
            request.keepName = false
            return try ContainerCopier(system: system, warn: warn).copy(request)
        }
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try lockContainer(container)
        defer { lock.release() }
        try recover(container)
        guard container.queryState() == .stopped else { throw BerthError(.busy, "\(container.name) is running; stop it before restoring a snapshot over it") }
        let clones = try container.dependents()
        guard clones.isEmpty else {
            throw BerthError(.hasDependents, "\(container.name) has clones (\(clones.map(\.name.value).joined(separator: ", "))); restoring over it would change their lower layer")
        }
        let directory = container.paths.directory
        let staging = Path.join(container.paths.lxcpath, restoringPrefix(container) + String(CurrentProcess.id))
        do throws(BerthError) {
            try FileSystem.makeDirectory(staging, mode: 0o770)
            var request = ContainerCopier.Request(source: source, newName: container.name, newLxcpath: container.paths.lxcpath)
            request.keepName = true
            request.keepMAC = true
            let made = try ContainerCopier(system: system, warn: warn).build(request, source: source, staging: staging, final: directory)
            if let lower = made.lowerOwner {
                try FileSystem.writeAtomically(Path.join(staging, "lxc_rdepends"), text: "\(lower.paths.lxcpath)\n\(lower.name.value)\n", mode: 0o644)
            }
            if let sig = signals.pendingSignal() {
                throw BerthError.interrupted(sig, "interrupted by signal \(sig); \(container.name) was not changed")
            }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        // The one step that replaces: an atomic exchange, so the name always holds a complete
        // container (the old one until here, the restored one after). The snapshots then move
        // over; a kill between the two is mended by `recover`.
        try FileSystem.exchange(staging, directory)
        let oldSnaps = Path.join(staging, "snaps")
        if FileSystem.isDirectory(oldSnaps) { try FileSystem.rename(oldSnaps, to: container.paths.snapshots) }
        try FileSystem.removeTree(staging)
        return container
    }

    /// The snapshot as a container (LXC's view: container `snapN` in lxcpath `<name>/snaps`).
    func snapshotContainer(_ container: Container, _ snapshot: String) throws(BerthError) -> Container {
        guard container.isDefined else { throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))") }
        let known = container.snapshotNames()
        guard known.contains(snapshot), let name = try? ContainerName(snapshot) else {
            throw BerthError(.notFound, "\(container.name) has no snapshot '\(snapshot)' (\(known.isEmpty ? "it has none" : "it has " + known.joined(separator: ", "))); nothing was changed")
        }
        return Container(lxcpath: container.paths.snapshots, name: name)
    }

    // MARK: delete

    /// Deletes `snapshot` (`ALL`: every one); returns the names deleted.
    @discardableResult
    public func delete(_ container: Container, snapshot: String) throws(BerthError) -> [String] {
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try lockContainer(container)
        defer { lock.release() }
        try recover(container)
        let names = snapshot == "ALL" ? container.snapshotNames() : [try snapshotContainer(container, snapshot).name.value]
        for name in names { try deleteLocked(container, name) }
        return names
    }

    /// Deletes the oldest snapshots beyond the newest `keep`; returns their names.
    public func prune(_ container: Container, keep: Int) throws(BerthError) -> [String] {
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try lockContainer(container)
        defer { lock.release() }
        let names = container.snapshotNames()
        let doomed = Array(names.prefix(max(0, names.count - keep)))
        for name in doomed { try deleteLocked(container, name) }
        return doomed
    }

    private func deleteLocked(_ container: Container, _ name: String) throws(BerthError) {
        let snap = try snapshotContainer(container, name)
        let users = try snap.dependents()
        guard users.isEmpty else {
            throw BerthError(.hasDependents, "snapshot \(name) of \(container.name) has clones: \(users.map(\.name.value).joined(separator: ", ")); destroy them first")
        }
        // Gone from the list in one rename, then removed.
        let doomed = Path.join(container.paths.snapshots, ".\(name).removing-\(CurrentProcess.id)")
        try FileSystem.rename(snap.paths.directory, to: doomed)
        try FileSystem.removeTree(doomed)
        if container.snapshotNames().isEmpty { _ = FileSystem.removeEmptyDirectory(container.paths.snapshots) }
    }
}
