import SystemPackage

/// The backing stores behind one interface: how a new container's root filesystem is made from
/// an existing one, for copies, clones, snapshots and restores.
///
/// - `dir`: a plain directory; a copy is a full copy (TreeCopier: reflinks where the filesystem
///   has them, sparse files, hard links, xattrs, ACLs, devices and owners kept).
/// - `overlay`: the source's rootfs as the lower layer and an upper layer of the new container's
///   own (`<container>/overlay/delta`); made in constant time. A clone of an overlay container
///   shares its lower layer and gets a copy of its upper layer.
/// - `btrfs`: a subvolume; copies and snapshots are btrfs snapshots, constant time.
public enum RootfsStorage {
    public enum Kind: String, Sendable, CaseIterable {
        case dir, overlay, btrfs

        /// `-B` values: LXC's names, `aufs` and `overlayfs` meaning overlay (current kernels have
        /// no AUFS). `explain` receives the note for `aufs`.
        public init(option: String, explain: (String) -> Void = { _ in }) throws(BerthError) {
            switch option {
            case "dir": self = .dir
            case "overlay", "overlayfs": self = .overlay
            case "aufs":
                explain("-B aufs: current kernels have no AUFS; the clone uses overlayfs (the same copy-on-write layering)")
                self = .overlay
            case "btrfs": self = .btrfs
            case "lvm", "zfs", "loop", "rbd", "nbd":
                throw BerthError(.unsupported, "backing store '\(option)' is not supported (dir, overlay, btrfs)")
            default:
                throw BerthError(.invalidArgument, "unknown backing store '\(option)' (dir, overlay, aufs, btrfs)")
            }
        }
    }

    /// The kind of an existing container's rootfs.
    static func kind(of spec: RootfsSpec) -> Kind {
        switch spec.backend {
        case "overlay": return .overlay
        case "btrfs": return .btrfs
        default: return BtrfsVolume.isSubvolume(spec.path) ? .btrfs : .dir
        }
    }

    /// What a new rootfs is: its `lxc.rootfs.path` value (with the container's final directory)
    /// and, for overlay, the container whose rootfs is the lower layer (it must outlive the new
    /// one).
    struct Made {
        let spec: String
        let lowerOwner: Container?
    }

    /// The kind a copy gets: `-B` if given; else a snapshot (`-s`) of a dir container becomes an
    /// overlay and every other copy keeps the source's kind.
    static func kindForCopy(source: Kind, requested: Kind?, snapshot: Bool) -> Kind {
        if let requested { return requested }
        if snapshot && source == .dir { return .overlay }
        return source
    }

    /// Makes the rootfs of a new container in `staging` (its directory while being built), from
    /// the rootfs `source`. `final` is the directory the container will have once published.
    static func make(_ kind: Kind, from source: RootfsSpec, staging: String, final: String) throws(BerthError) -> Made {
        let sourceKind = Self.kind(of: source)
        let rootfs = Path.join(staging, "rootfs")
        switch kind {
        case .overlay:
            let lower: String
            let upper = Path.join(staging, "overlay/delta")
            try FileSystem.makeDirectory(Path.join(staging, "overlay"), mode: 0o755)
            if let layers = OverlayLayers(source) {
                // A clone of an overlay container: the same lower layer, a copy of its upper one.
                lower = layers.lower
                try TreeCopier.copy(layers.upper, to: upper)
            } else {
                lower = source.path
                try FileSystem.makeDirectory(upper, mode: 0o755)
                try copyOwnerAndMode(from: lower, to: upper)
            }
            try FileSystem.makeDirectory(Path.join(staging, "overlay/work"), mode: 0o700)
            try FileSystem.makeDirectory(rootfs, mode: 0o755)
            return Made(spec: OverlayLayers(lower: lower, upper: Path.join(final, "overlay/delta")).spec, lowerOwner: owner(of: lower))
        case .btrfs:
            guard BtrfsVolume.isBtrfs(staging) else {
                throw BerthError(.unsupported, "-B btrfs: \(Path.parent(final)) is not on a btrfs filesystem")
            }
            if sourceKind == .btrfs {
                try BtrfsVolume.snapshot(source.path, to: rootfs)
            } else {
                try BtrfsVolume.create(rootfs)
                try copyMerged(source, into: rootfs)
            }
            return Made(spec: "btrfs:\(Path.join(final, "rootfs"))", lowerOwner: nil)
        case .dir:
            if sourceKind == .btrfs && BtrfsVolume.isBtrfs(staging) {
                // On btrfs a snapshot is the cheapest independent copy there is.
                try BtrfsVolume.snapshot(source.path, to: rootfs)
                return Made(spec: "btrfs:\(Path.join(final, "rootfs"))", lowerOwner: nil)
            }
            try FileSystem.makeDirectory(rootfs, mode: 0o700)
            try copyMerged(source, into: rootfs)
            return Made(spec: "dir:\(Path.join(final, "rootfs"))", lowerOwner: nil)
        }
    }

    /// Copies what the container sees as its root (for overlay: the merged layers) into the
    /// existing empty directory `destination`.
    static func copyMerged(_ source: RootfsSpec, into destination: String) throws(BerthError) {
        try withMergedView(source, beside: destination) { (root: String) throws(BerthError) in try copyContents(root, into: destination) }
    }

    /// Runs `body` with the path of what the container sees as its root: the directory itself,
    /// or for overlay the merged layers mounted read-only at a directory beside `beside` (by
    /// default beside the upper layer) for the time of `body`.
    static func withMergedView(_ source: RootfsSpec, beside: String? = nil, _ body: (String) throws(BerthError) -> Void) throws(BerthError) {
        guard let layers = OverlayLayers(source) else {
            try body(source.path)
            return
        }
        // The merged view exists only when mounted: mount it in a mount namespace of this
        // process's own, so nothing is ever mounted on the host and nothing outlives the call.
        // (unshare of the mount namespace works because the tools are single-threaded.)
        try Namespaces.unshare(.mount)
        try MountCalls.stopPropagation()
        let merged = (beside ?? layers.upper) + ".merged-\(CurrentProcess.id)"
        try FileSystem.makeDirectory(merged, mode: 0o700)
        defer { try? FileSystem.removeDirectory(merged) }
        // Read-only, without an upper-layer work dir: a view of the layers as they are.
        let options = "lowerdir=\(layers.upper):\(layers.lower)"
        try MountCalls.mount("overlay", on: merged, type: "overlay", flags: UInt(MS_RDONLY), data: options, display: merged)
        // Detached before the directory is removed (defers run in reverse order).
        defer { MountCalls.unmount(merged) }
        try body(merged)
    }

    /// Copies the contents and the metadata of directory `source` into the existing `destination`.
    static func copyContents(_ source: String, into destination: String) throws(BerthError) {
        try TreeCopier.copy(source, to: destination, into: true)
    }

    static func copyOwnerAndMode(from source: String, to destination: String) throws(BerthError) {
        guard let st = FileSystem.status(source) else { throw BerthError.system("stat", source, currentErrno) }
        try FileSystem.setOwner(destination, uid: st.st_uid, gid: st.st_gid)
        try FileSystem.setMode(destination, st.st_mode & 0o7777)
    }

    /// The container whose rootfs is `lower` (`<lxcpath>/<name>/rootfs`, or a snapshot's), when
    /// there is one.
    static func owner(of lower: String) -> Container? {
        let directory = Path.parent(lower)
        guard Path.join(directory, "rootfs") == lower, let name = try? ContainerName(String(directory.split(separator: "/").last ?? "")) else { return nil }
        let container = Container(lxcpath: Path.parent(directory), name: name)
        return container.isDefined ? container : nil
    }
}
