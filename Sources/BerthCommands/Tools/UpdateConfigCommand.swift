import ArgumentParser
import BerthKit

/// berth-update-config: rewrites a container config's legacy keys in place, as
/// lxc-update-config.
public struct UpdateConfigCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-update-config",
        abstract: "Rewrite the pre-LXC-3.0 keys of a config file with their current names.",
        discussion: """
            Renames every legacy key of FILE (lxc.network.* to lxc.net.N.*, lxc.utsname to \
            lxc.uts.name, lxc.rootfs to lxc.rootfs.path, ...) in place, keeping the order, the \
            comments and the blank lines, and turns keys LXC 3.0 removed into comments. The file \
            as it was is kept as FILE.backup. A file with nothing to rewrite is left alone.
            """,
        version: BerthVersion.string
    )

    @Option(name: [.customShort("c"), .customLong("config")], help: ArgumentHelp("The config file to update.", valueName: "FILE"))
    var config: String
    @OptionGroup var common: CommonOptions

    public init() {}

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-update-config", options: common)
        let changed = try ConfigUpdate.rewrite(Path.absolute(config))
        context.progress(changed == 0 ? "\(config): nothing to update" : "\(config): \(changed) lines updated; the old file is \(config).backup")
    }
}
