import ArgumentParser
import BerthKit

/// berth-clone: LXC's retired lxc-clone, for old scripts: `berth-clone [-s] [-B TYPE] ORIG NEW`.
public struct CloneCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-clone",
        abstract: "Clone a container (the legacy lxc-clone interface).",
        discussion: """
            The interface of lxc-clone, which LXC removed in 3.0, kept for scripts and guides \
            that use it: berth-clone [-s] [-B overlay|aufs|btrfs|dir] ORIG NEW does what \
            berth-copy -n ORIG -N NEW [-s] [-B TYPE] does. --orig ORIG and -n NEW name the containers \
            as flags.
            """,
        version: BerthVersion.string
    )

    @Flag(name: [.customShort("s"), .customLong("snapshot")], help: "Copy-on-write clone (overlay, btrfs snapshot).")
    var snapshot = false
    @Option(name: [.customShort("B"), .customLong("backingstore")], help: ArgumentHelp("Backing store of the clone: dir, overlay (aufs), btrfs.", valueName: "TYPE"))
    var backingStore: String?
    @Flag(name: [.customShort("K"), .customLong("keepname")], help: "Keep the hostname.")
    var keepName = false
    @Flag(name: [.customShort("M"), .customLong("keepmac")], help: "Keep the MAC addresses.")
    var keepMAC = false
    // lxc-clone's -o ORIG would clash with every tool's -o LOGFILE: --orig only.
    @Option(name: [.customLong("orig")], help: ArgumentHelp("The container to clone.", valueName: "ORIG"))
    var origFlag: String?
    @Option(name: [.customShort("n"), .customLong("new")], help: ArgumentHelp("The clone's name.", valueName: "NEW"))
    var newFlag: String?
    @Option(name: [.customLong("newpath")], help: ArgumentHelp("The clone's lxcpath (default: the same).", valueName: "PATH"))
    var newPath: String?
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("ORIG and NEW.", valueName: "name"))
    var names: [String] = []

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-clone", options: common)
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
