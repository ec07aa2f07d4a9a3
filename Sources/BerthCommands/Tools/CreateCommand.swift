import ArgumentParser
import BerthKit

/// berth-create: builds a container's rootfs and config from a template.
public struct CreateCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-create",
        abstract: "Create a container from a template.",
        discussion: """
            Creates <lxcpath>/NAME with a config and a root filesystem made by TEMPLATE. \
            Templates: busybox (built in, from the host's busybox), debian (debootstrap), \
            local (a rootfs tarball), none (a config only), any path, or an LXC template. \
            Arguments after -- go to the template. The new config starts from \
            /etc/berth/default.conf, or from -f FILE instead. The create is atomic: it \
            either finishes or leaves nothing behind, also when the template fails or the \
            command is interrupted.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Template: busybox, debian, local, none, or a path.", valueName: "TEMPLATE"))
    var template: String?
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Start from this config file instead of the default config.", valueName: "FILE"))
    var config: String?
    @Option(name: [.customShort("B"), .customLong("bdev")], help: ArgumentHelp("Backing store: dir (default), btrfs (a subvolume; the lxcpath must be on btrfs) or best (btrfs where possible, else dir). Overlay containers are made with berth-copy -s.", valueName: "TYPE"))
    var backingStore: String = "dir"
    @Option(name: .customLong("dir"), help: ArgumentHelp("Put the rootfs in this directory; one of the directories above it must be closed to other users (as root), since files the container makes there are root's.", valueName: "DIR"))
    var rootfsDirectory: String?
    @Option(name: [.customShort("s"), .customLong("define")], help: ArgumentHelp("Set KEY=VALUE in the new config (repeatable).", valueName: "KEY=VALUE"))
    var define: [String] = []
    @Flag(name: .customLong("unprivileged"), help: "Run the container in a user namespace (the default unless berth.conf sets berth.unprivileged = 0): lxc.idmap from root's range in /etc/subuid and /etc/subgid, else 65536 ids from 1000000000 up that no range there names.")
    var unprivileged = false
    @Flag(name: .customLong("privileged"), help: "No user namespace: the container's root is the host's root (LXC's default).")
    var privileged = false
    @Flag(name: .customLong("shift-ids"), help: "Also chown the rootfs into the user namespace's host range, for filesystems without idmapped mounts.")
    var shiftIDs = false
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("Arguments for the template.", valueName: "template-args"))
    var templateArguments: [String] = []

    public init() {}

    public func validate() throws {
        if privileged && (unprivileged || shiftIDs) { throw ValidationError("--privileged excludes --unprivileged and --shift-ids") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-create", options: common)
        let name = try container.resolve(positional: positionalName)
        guard let template else {
            throw BerthError(.invalidArgument, "a template must be given with -t (use -t none for a container without a rootfs)")
        }
        var request = CreateRequest(name: name, lxcpath: context.lxcpath, template: template)
        request.templateArguments = templateArguments
        request.configFile = config.map(Path.absolute)
        request.backingStore = backingStore
        request.rootfsDirectory = rootfsDirectory
        request.overrides = define
        request.unprivileged = unprivileged
        request.privileged = privileged
        request.shiftIDs = shiftIDs
        let creator = ContainerCreator(system: context.system, warn: context.warn, info: context.progress)
        let made = try creator.create(request)
        context.logger.info("created \(made.name) in \(context.lxcpath)")
    }
}
