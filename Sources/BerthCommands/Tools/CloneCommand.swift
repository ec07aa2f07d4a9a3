import BerthKit

/// berth-clone: LXC's retired lxc-clone, for old scripts: `berth-clone [-s] [-B TYPE] ORIG NEW`.
public struct CloneCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-clone",
        abstract: "Clone a container (the legacy lxc-clone interface).",
        discussion: """
                The interface of lxc-clone, which LXC removed in 3.0, kept for scripts and guides \
                that use it: berth-clone [-s] [-B overlay|aufs|btrfs|dir] ORIG NEW does what \
                berth-copy -n ORIG -N NEW [-s] [-B TYPE] does. --orig ORIG and -n NEW name the containers \
                as flags.
                """,
        options: [
            .flag("s", "snapshot", "Copy-on-write clone (overlay, btrfs snapshot)."),
            .value("B", "backingstore", "TYPE", "Backing store of the clone: dir, overlay (aufs), btrfs."),
            .flag("K", "keepname", "Keep the hostname (and the guest's /etc/hostname and /etc/hosts)."),
            .flag("M", "keepmac", "Keep the MAC addresses."),
            .value(nil, "orig", "ORIG", "The container to clone."),
            .value("n", "new", "NEW", "The clone's name."),
            .value(nil, "newpath", "PATH", "The clone's lxcpath (default: the same)."),
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("ORIG NEW", "The container to clone and the clone's name (instead of --orig and -n).", kind: .several)]
    )

    // lxc-clone's -o ORIG would clash with every tool's -o LOGFILE: --orig only.

    var snapshot: Bool
    var backingStore: String?
    var keepName: Bool
    var keepMAC: Bool
    var origFlag: String?
    var newFlag: String?
    var newPath: String?
    let common: CommonOptions
    var names: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        snapshot = arguments.flag("snapshot")
        backingStore = arguments.value("backingstore")
        keepName = arguments.flag("keepname")
        keepMAC = arguments.flag("keepmac")
        origFlag = arguments.value("orig")
        newFlag = arguments.value("new")
        newPath = arguments.value("newpath")
        common = try CommonOptions(arguments)
        names = arguments.positionals
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        var positional = names
        guard let original = origFlag ?? (positional.isEmpty ? nil : positional.removeFirst()),
              let new = newFlag ?? (positional.isEmpty ? nil : positional.removeFirst()), positional.isEmpty else {
            throw BerthError(.invalidArgument, "usage: berth-clone [-s] [-B TYPE] ORIG NEW")
        }
        var request = ContainerCopier.Request(source: Container(lxcpath: context.lxcpath, name: try ContainerName(original)),
                                              newName: try ContainerName(new),
                                              newLxcpath: newPath.map { Path.stripTrailingSlashes(Path.absolute($0)) } ?? context.lxcpath)
        request.snapshot = snapshot
        request.kind = try backingStore.map { (text: String) throws(BerthError) in try RootfsStorage.Kind(option: text, explain: context.warn) }
        request.keepName = keepName
        request.keepMAC = keepMAC
        let made = try ContainerCopier(system: context.system, warn: context.warn).copy(request)
        context.progress("Created \(made.name) as \(snapshot ? "a clone" : "a copy") of \(original)")
    }
}
