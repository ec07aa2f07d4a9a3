import ArgumentParser
import BerthKit

/// berth-copy: copies, clones (copy-on-write), renames, or makes an ephemeral copy of a container.
public struct CopyCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-copy",
        abstract: "Copy, clone or rename a container.",
        discussion: """
            Makes NEWNAME from NAME. Without -s it is a full copy (reflinks where the filesystem \
            has them; sparse files, hard links, xattrs, ACLs, devices and owners kept). With -s \
            it is a copy-on-write clone: a dir container becomes an overlay clone (its rootfs the \
            lower layer), an overlay clone shares its origin's lower layer, a btrfs container \
            becomes a btrfs snapshot. The copy gets its own hostname, new MAC addresses (-K and \
            -M keep them) and a new address on the managed bridge, and every path of the old \
            container's directory in its config is rewritten. The origin of an overlay clone \
            cannot be destroyed while the clone exists. -R renames NAME instead. -e makes an \
            ephemeral clone, starts it, and destroys it when it stops. A copy interrupted at any \
            point leaves no container behind.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("N"), .customLong("newname")], help: ArgumentHelp("The new container's name.", valueName: "NEWNAME"))
    var newName: String?
    @Option(name: [.customShort("p"), .customLong("newpath")], help: ArgumentHelp("The new container's lxcpath (default: the same).", valueName: "PATH"))
    var newPath: String?
    @Flag(name: [.customShort("s"), .customLong("snapshot")], help: "Copy-on-write clone (overlay, btrfs snapshot).")
    var snapshot = false
    @Option(name: [.customShort("B"), .customLong("backingstorage")], help: ArgumentHelp("Backing store of the copy: dir, overlay (aufs), btrfs.", valueName: "TYPE"))
    var backingStore: String?
    @Flag(name: [.customShort("K"), .customLong("keepname")], help: "Keep the hostname.")
    var keepName = false
    @Flag(name: [.customShort("M"), .customLong("keepmac")], help: "Keep the MAC addresses.")
    var keepMAC = false
    @Flag(name: [.customShort("R"), .customLong("rename")], help: "Rename NAME to NEWNAME instead of copying.")
    var rename = false
    @Flag(name: [.customShort("e"), .customLong("ephemeral")], help: "Make an overlay clone, start it, destroy it when it stops.")
    var ephemeral = false
    @Flag(name: [.customShort("D"), .customLong("keepdata")], help: "With -e: keep the clone when it stops.")
    var keepData = false
    @Flag(name: [.customShort("d"), .customLong("daemon")], help: "With -e: start in the background (the default).")
    var daemon = false
    @Flag(name: [.customShort("F"), .customLong("foreground")], help: "With -e: start in the foreground, with the console here.")
    var foreground = false
    @Flag(name: [.customShort("a"), .customLong("allowrunning")], help: "Copy a running container, frozen for the moment of the copy.")
    var allowRunning = false
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func validate() throws {
        if newName == nil && !ephemeral { throw ValidationError("no new name given (use -N NEWNAME)") }
        if rename && (ephemeral || snapshot) { throw ValidationError("-R cannot be combined with -e or -s") }
        if (daemon || foreground || keepData) && !ephemeral { throw ValidationError("-d, -F and -D go with -e") }
        if daemon && foreground { throw ValidationError("-d and -F exclude each other") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-copy", options: common)
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
                                       managedBridge: context.system.managedBridge)
        do {
            let status = try starter.start(warn: context.warn)
            if status != 0 { throw ExitCode(status) }
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
