import ArgumentParser
import BerthKit

/// berth-cgroup: reads or sets a controller file of a running container.
public struct CgroupCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-cgroup",
        abstract: "Read or set a cgroup file of a running container.",
        discussion: """
            With KEY alone, prints the file (memory.usage_in_bytes, pids.current, cpu.stat, ...). \
            With VALUE, writes it: sizes like 256M are accepted for memory limits, and a file \
            named for the other cgroup version is translated where the meaning is the same \
            (memory.limit_in_bytes sets memory.max on a cgroup v2 host, cpu.shares sets \
            cpu.weight, and so on). The file is looked up where its controller really lives, \
            also on hybrid hosts.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The controller file, e.g. memory.limit_in_bytes or memory.max.", valueName: "KEY"))
    var key: String
    @Argument(help: ArgumentHelp("The value to write.", valueName: "VALUE"))
    var value: String?

    public init() {}

    public func validate() throws {
        if key.contains("/") || key.hasPrefix(".") || !key.contains(".") {
            throw ValidationError("'\(key)' is not a cgroup file name (controller.file, e.g. memory.max)")
        }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-cgroup", options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: nil))
        let access = CgroupAccess(container: target)
        if let value {
            try access.write(key, value)
        } else {
            let text = try access.read(key)
            print(text.hasSuffix("\n") ? String(text.dropLast()) : text)
        }
    }
}
