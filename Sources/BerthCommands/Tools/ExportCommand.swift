import BerthKit

/// berth-export: a container, or one of its snapshots, written as an image.
public struct ExportCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-export",
        abstract: "Write a container or one of its snapshots as an image.",
        discussion: """
                Writes the new directory DIR: rootfs.tar.xz (what the container sees as its root; an \
                overlay clone's merged layers) and meta.tar.xz (config, templates, expiry) in LXC's \
                image format, with SHA256SUMS beside them as a download server's build directory has \
                them, and config for berth-create -t local -- --file DIR/rootfs.tar.xz. With --oci, \
                also an OCI layout in DIR/oci (tag latest; umoci makes it) for berth-create -t oci \
                -- --url oci:DIR/oci:latest. /etc/hostname and /etc/hosts carry LXC_NAME where the \
                container's name was and are the image's templates, so a container made from it gets \
                its own name. Host-specific keys (rootfs path, hostname, id maps, networks) are left \
                out of the image's config. A running container is frozen while it is read. DIR must \
                not exist; it appears complete or not at all.
                """,
        options: [
            NameOption.spec,
            .value(nil, "snapshot", "SNAP", "Export this snapshot of the container (snapN) instead of the container."),
            .value("o", "output", "DIR", "The directory to write (must not exist)."),
            .flag(nil, "oci", "Also write an OCI layout in DIR/oci."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    let common: CommonOptions
    var positionalName: String?
    var snapshot: String?
    var output: String
    var oci: Bool

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        snapshot = arguments.value("snapshot")
        guard let output = arguments.value("output"), !output.isEmpty else { throw BerthError(.invalidArgument, "-o DIR is required: the directory to write the image to") }
        self.output = output
        oci = arguments.flag("oci")
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        try ContainerExporter(info: context.progress).export(.init(container: target, snapshot: snapshot, output: output, oci: oci))
    }
}
