/// Where a container's files live, in LXC's on-disk layout:
/// `<lxcpath>/<name>/{config,rootfs,snaps,lxc_snapshots,lxc_rdepends}`.
/// Berth's own bookkeeping sits beside it as hidden entries: the lock `.<name>.lock`, and while a
/// create runs, its staging directory `.<name>.creating-<pid>`.
public struct ContainerPaths: Sendable {
    public let lxcpath: String
    public let name: ContainerName

    public init(lxcpath: String, name: ContainerName) {
        self.lxcpath = lxcpath
        self.name = name
    }

    public var directory: String { Path.join(lxcpath, name.value) }
    public var config: String { Path.join(directory, "config") }
    public var defaultRootfs: String { Path.join(directory, "rootfs") }
    public var snapshots: String { Path.join(directory, "snaps") }
    /// In an origin: the clones that depend on it (pairs of lines: lxcpath, name).
    public var dependents: String { Path.join(directory, "lxc_snapshots") }
    /// In a clone: the container it depends on (lxcpath, name).
    public var dependsOn: String { Path.join(directory, "lxc_rdepends") }
    /// LXC's marker of a create in progress; Berth never leaves one, but honours LXC's.
    public var partialMarker: String { Path.join(directory, "partial") }
    public var lock: String { Path.join(lxcpath, ".\(name.value).lock") }

    /// The prefix of staging directories of creates of this name.
    public var stagingPrefix: String { ".\(name.value).creating-" }
    /// Where a container goes while it is being removed, so it vanishes from listings at once.
    public var removalPrefix: String { ".\(name.value).removing-" }
}
