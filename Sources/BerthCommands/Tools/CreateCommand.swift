import BerthKit

/// berth-create: builds a container's rootfs and config from a template.
public struct CreateCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-create",
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
        options: [
            NameOption.spec,
            .value("t", "template", "TEMPLATE", "Template: busybox, debian, local, none, or a path."),
            .value("f", "config", "FILE", "Start from this config file instead of the default config."),
            .value("B", "bdev", "TYPE", "Backing store: dir (default), btrfs (a subvolume; the lxcpath must be on btrfs) or best (btrfs where possible, else dir). Overlay containers are made with berth-copy -s."),
            .value(nil, "dir", "DIR", "Put the rootfs in this directory; one of the directories above it must be closed to other users (as root), since files the container makes there are root's."),
            .value("s", "define", "KEY=VALUE", "Set KEY=VALUE in the new config (repeatable)."),
            .flag(nil, "unprivileged", "Run the container in a user namespace (the default unless berth.conf sets berth.unprivileged = 0): lxc.idmap from root's range in /etc/subuid and /etc/subgid, else 65536 ids from 1000000000 up that no range there names."),
            .flag(nil, "privileged", "No user namespace: the container's root is the host's root (LXC's default)."),
            .flag(nil, "shift-ids", "Also chown the rootfs into the user namespace's host range, for filesystems without idmapped mounts."),
        ] + CommonOptions.specs,
        positionals: [.containerName, PositionalSpec("TEMPLATE-ARGS", "Arguments for the template.", kind: .afterTerminator)]
    )

    let container: NameOption
    var template: String?
    var config: String?
    var backingStore: String
    var rootfsDirectory: String?
    var define: [String]
    var unprivileged: Bool
    var privileged: Bool
    var shiftIDs: Bool
    let common: CommonOptions
    var positionalName: String?
    var templateArguments: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        template = arguments.value("template")
        config = arguments.value("config")
        backingStore = arguments.value("bdev") ?? "dir"
        rootfsDirectory = arguments.value("dir")
        define = arguments.values("define")
        unprivileged = arguments.flag("unprivileged")
        privileged = arguments.flag("privileged")
        shiftIDs = arguments.flag("shift-ids")
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        templateArguments = arguments.rest
        try validate()
    }

    func validate() throws(BerthError) {
        if privileged && (unprivileged || shiftIDs) { throw BerthError(.invalidArgument, "--privileged excludes --unprivileged and --shift-ids") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
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
        guard let made = try creator.create(request) else {
            // The template did what it was asked (a listing, its help) and made nothing.
            context.logger.info("the template made no container")
            return
        }
        context.logger.info("created \(made.name) in \(context.lxcpath)")
    }
}
