import BerthKit

/// berth-update-config: rewrites a container config's legacy keys in place, as
/// lxc-update-config.
public struct UpdateConfigCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-update-config",
        abstract: "Rewrite the pre-LXC-3.0 keys of a config file with their current names.",
        discussion: """
                Renames every legacy key of FILE (lxc.network.* to lxc.net.N.*, lxc.utsname to \
                lxc.uts.name, lxc.rootfs to lxc.rootfs.path, ...) in place, keeping the order, the \
                comments and the blank lines, and turns keys LXC 3.0 removed into comments. The file \
                as it was is kept as FILE.backup. A file with nothing to rewrite is left alone.
                """,
        options: [
            .value("c", "config", "FILE", "The config file to update."),
        ] + CommonOptions.specs,
        positionals: []
    )

    var config: String
    let common: CommonOptions

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        guard let config = arguments.value("config") else { throw BerthError(.invalidArgument, "-c FILE is required (the config file to update)") }
        self.config = config
        common = try CommonOptions(arguments)
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let changed = try ConfigUpdate.rewrite(Path.absolute(config))
        context.progress(changed == 0 ? "\(config): nothing to update" : "\(config): \(changed) lines updated; the old file is \(config).backup")
    }
}
