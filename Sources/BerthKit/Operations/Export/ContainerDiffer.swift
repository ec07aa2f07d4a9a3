import SystemPackage

/// berth-diff: what an overlay clone changed against its origin (the seeds' `diff`), read from
/// its upper layer: a file or directory there that the origin has is changed, one it has not is
/// added, and overlayfs's whiteouts (character devices 0:0) are deleted files. An opaque
/// directory (its origin's contents hidden) is changed, and everything in it added.
///
/// The upper layer belongs to the container's root: it is walked through descriptors, never
/// following a symlink, and a running container is frozen for the walk.
public struct ContainerDiffer {
    public enum Change: String, Sendable {
        case added = "A", changed = "C", deleted = "D"

        public var word: String {
            switch self {
            case .added: return "added"
            case .changed: return "changed"
            case .deleted: return "deleted"
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public let change: Change
        /// The path as the container sees it (`/etc/hostname`).
        public let path: String
    }

    public init() {}

    public func diff(_ container: Container) throws(BerthError) -> [Entry] {
        guard container.isDefined else { throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))") }
        let config = try container.loadConfig()
        guard let spec = config.rootfs, let layers = OverlayLayers(spec) else {
            throw BerthError(.unsupported, "\(container.name) is not an overlay clone (lxc.rootfs.path = \(config.value("lxc.rootfs.path") ?? "none")): berth-diff compares an overlay clone (berth-copy -s) with its origin")
        }
        let hold = try FreezeHold.take(container.paths)
        defer { hold?.release() }
        let upper = try FileSystem.open(layers.upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { upper.closeQuietly() }
        let lower = try RootedDirectory(layers.lower)
        defer { lower.close() }
        var entries: [Entry] = []
        try walk(upper, relative: FilePath(""), upperPath: layers.upper, lower: lower, insideOpaque: false, into: &entries)
        return entries.sorted { $0.path < $1.path }
    }

    /// Names are used as the directories hold them (bytes that need not be UTF-8), for every
    /// call on the upper layer and the lookup in the origin; a path is decoded only to be shown.
    private func walk(_ directory: FileDescriptor, relative: FilePath, upperPath: String, lower: RootedDirectory, insideOpaque: Bool,
                      into entries: inout [Entry]) throws(BerthError) {
        for entry in try DirectoryEntry.all(in: directory.rawValue, path: Path.join(upperPath, relative.description)) {
            let name = entry.name
            let relativePath = relative.pushing(name)
            let path = relativePath.description
            let st = try FileSystem.linkStatus(name, in: directory, display: Path.join(upperPath, path))
            let kind = FileSystem.kind(of: st.st_mode)
            if st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0 {
                entries.append(Entry(change: .deleted, path: "/" + path))
                continue
            }
            let inLower = !insideOpaque && existsInLower(lower, relativePath, path)
            entries.append(Entry(change: inLower ? .changed : .added, path: "/" + path))
            guard kind == .directory else { continue }
            // An opaque directory hides its origin's contents: what it holds is all new. Read
            // relative to the open parent (its descriptor's path, the entry not followed), never
            // through a path of the container's walked again.
            let opaque = ExtendedAttributes.value(FilePath(directory.procPath).pushing(name), "trusted.overlay.opaque") == Array("y".utf8)
            let child = try FileSystem.open(name, in: directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, display: Path.join(upperPath, path))
            defer { child.closeQuietly() }
            try walk(child, relative: relativePath, upperPath: upperPath, lower: lower, insideOpaque: insideOpaque || opaque, into: &entries)
        }
    }

    /// Whether the origin has `path` (itself, not what a symlink there points at).
    private func existsInLower(_ lower: RootedDirectory, _ path: FilePath, _ display: String) -> Bool {
        guard let fd = try? lower.open(path, named: display, flags: FileSystem.pathOnly | O_NOFOLLOW) else { return false }
        fd.closeQuietly()
        return true
    }
}
