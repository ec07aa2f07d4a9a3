import BerthKit

/// berth-copy: copies, clones (copy-on-write), renames, or makes an ephemeral copy of a container.
public struct CopyCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-copy",
        abstract: "Copy, clone or rename a container.",
        discussion: """
                Makes NEWNAME from NAME. Without -s it is a full copy (reflinks where the filesystem \
                has them; sparse files, hard links, xattrs, ACLs, devices and owners kept). With -s \
                it is a copy-on-write clone: a dir container becomes an overlay clone (its rootfs the \
                lower layer), an overlay clone shares its origin's lower layer, a btrfs container \
                becomes a btrfs snapshot. The copy gets its own hostname, new MAC addresses (-K and \
                -M keep them) and a new address on the managed bridge, and every path of the old \
                container's directory in its config is rewritten. The new name also goes into the \
                guest's /etc/hostname (where it has one) and into its /etc/hosts, in place of the \
                old container name or lxc.uts.name wherever an entry lists it (whole names only: \
                c1 and c1.example.org, not c10, never localhost); -K leaves both. An overlay clone gets these files \
                in its upper layer, the origin's untouched. The origin of an overlay clone \
                cannot be destroyed while the clone exists. -R renames NAME instead. -e makes an \
                ephemeral clone, starts it, and destroys it when it stops. A copy interrupted at any \
                point leaves no container behind.
                """,
        options: [
            NameOption.spec,
            .value("N", "newname", "NEWNAME", "The new container's name."),
            .value("p", "newpath", "PATH", "The new container's lxcpath (default: the same)."),
            .flag("s", "snapshot", "Copy-on-write clone (overlay, btrfs snapshot)."),
            .value("B", "backingstorage", "TYPE", "Backing store of the copy: dir, overlay (aufs), btrfs."),
            .flag("K", "keepname", "Keep the hostname (and the guest's /etc/hostname and /etc/hosts)."),
            .flag("M", "keepmac", "Keep the MAC addresses."),
            .flag("R", "rename", "Rename NAME to NEWNAME instead of copying."),
            .flag("e", "ephemeral", "Make an overlay clone, start it, destroy it when it stops."),
            .flag("D", "keepdata", "With -e: keep the clone when it stops."),
            .flag("d", "daemon", "With -e: start in the background (the default)."),
            .flag("F", "foreground", "With -e: start in the foreground, with the console here."),
            .flag("a", "allowrunning", "Copy a running container, frozen for the moment of the copy."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var newName: String?
    var newPath: String?
    var snapshot: Bool
    var backingStore: String?
    var keepName: Bool
    var keepMAC: Bool
    var rename: Bool
    var ephemeral: Bool
    var keepData: Bool
    var daemon: Bool
    var foreground: Bool
    var allowRunning: Bool
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        newName = arguments.value("newname")
        newPath = arguments.value("newpath")
        snapshot = arguments.flag("snapshot")
        backingStore = arguments.value("backingstorage")
        keepName = arguments.flag("keepname")
        keepMAC = arguments.flag("keepmac")
        rename = arguments.flag("rename")
        ephemeral = arguments.flag("ephemeral")
        keepData = arguments.flag("keepdata")
        daemon = arguments.flag("daemon")
        foreground = arguments.flag("foreground")
        allowRunning = arguments.flag("allowrunning")
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        if newName == nil && !ephemeral { throw BerthError(.invalidArgument, "no new name given (use -N NEWNAME)") }
        if rename && (ephemeral || snapshot) { throw BerthError(.invalidArgument, "-R cannot be combined with -e or -s") }
        if (daemon || foreground || keepData) && !ephemeral { throw BerthError(.invalidArgument, "-d, -F and -D go with -e") }
        if daemon && foreground { throw BerthError(.invalidArgument, "-d and -F exclude each other") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let source = Container(lxcpath: context.lxcpath, name: name)
        let newLxcpath = newPath.map { Path.stripTrailingSlashes(Path.absolute($0)) } ?? context.lxcpath
        try SystemConfig.checkLxcpath(newLxcpath, option: "-p")
        let target = try ContainerName(newName ?? "\(name.value)_\(CopyCommand.randomSuffix())")
        let copier = ContainerCopier(system: context.system, warn: context.warn)
        if rename {
            let renamed = try copier.rename(source, to: target)
            context.progress("Renamed \(name) to \(renamed.name)")
            return
        }
        var request = ContainerCopier.Request(source: source, newName: target, newLxcpath: newLxcpath)
        request.snapshot = snapshot || ephemeral
        request.kind = try backingStore.map { (text: String) throws(BerthError) in try RootfsStorage.Kind(option: text, explain: context.warn) }
        if ephemeral && request.kind == nil { request.kind = .overlay }
        request.keepName = keepName
        request.keepMAC = keepMAC
        request.allowRunning = allowRunning
        if ephemeral && !keepData { request.settings.append(("lxc.ephemeral", "1")) }
        let made = try copier.copy(request)
        context.progress("Created \(made.name) as \(snapshot || ephemeral ? "a clone" : "a copy") of \(name)")
        guard ephemeral else { return }
        let starter = ContainerStarter(container: made, mode: foreground ? .foreground : .daemon(pidfile: nil),
                                       managedBridge: try context.system.managedBridge)
        do {
            let status = try starter.start(warn: context.warn)
            if status != 0 { throw ToolExit(status) }
        } catch {
            // A clone that never ran is not left behind.
            if !keepData { try? ContainerDestroyer().destroy(made, force: true, withSnapshots: true) }
            throw error
        }
        if !foreground { print(made.name.value) }
    }

    static func randomSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<6).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
