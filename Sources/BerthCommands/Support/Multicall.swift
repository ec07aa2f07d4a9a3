import BerthKit

/// The installed `berth` binary: every tool in one statically linked executable, picked by the
/// name it was run as. `make install` links `berth-ls`, `berth-create`, ... to it, so the tools
/// cost one copy of the Swift runtime on disk instead of one each. `berth TOOL ARGS` (with or
/// without the `berth-` prefix) runs a tool too, `berth --list-tools` names them all, and
/// `berth --completion bash` prints their bash completion.
public enum Multicall {
    /// Every tool, in the order `--list-tools` prints them.
    public static let tools: [any BerthTool.Type] = [
        CreateCommand.self, DestroyCommand.self, ListCommand.self, InfoCommand.self,
        CheckConfigCommand.self, StartCommand.self, StopCommand.self, AttachCommand.self,
        ConsoleCommand.self, WaitCommand.self, ExecuteCommand.self, FreezeCommand.self,
        UnfreezeCommand.self, CgroupCommand.self, TopCommand.self, CopyCommand.self, CloneCommand.self,
        SnapshotCommand.self, AutostartCommand.self, UpdateConfigCommand.self, ConfigCommand.self, MonitorCommand.self, UnshareCommand.self, UsernsexecCommand.self, NetCommand.self, ExportCommand.self, DiffCommand.self, DeviceCommand.self,
    ]

    /// Each tool's name, in `tools`' order: finding the tool a process was run as looks here,
    /// so it does not build every tool's spec (options and help text) on the way; `berth
    /// --version` built all of them. CommandParsingTests checks the names against the specs.
    public static let names = [
        "berth-create", "berth-destroy", "berth-ls", "berth-info", "berth-checkconfig",
        "berth-start", "berth-stop", "berth-attach", "berth-console", "berth-wait",
        "berth-execute", "berth-freeze", "berth-unfreeze", "berth-cgroup", "berth-top",
        "berth-copy", "berth-clone", "berth-snapshot", "berth-autostart", "berth-update-config",
        "berth-config", "berth-monitor", "berth-unshare", "berth-usernsexec", "berth-net",
        "berth-export", "berth-diff", "berth-device",
    ]

    /// The tool a name selects: `berth-ls` or `ls`.
    public static func tool(named name: String) -> (any BerthTool.Type)? {
        let full = name.hasPrefix("berth-") ? name : "berth-" + name
        return names.firstIndex(of: full).map { tools[$0] }
    }

    public static func main() -> Never {
        let arguments = CommandLine.arguments
        // Path.base works on the bytes: a split into Characters took about 4% of a `berth-wait`.
        let invokedAs = arguments.first.map(Path.base) ?? "berth"
        if let tool = tool(named: invokedAs), invokedAs != "berth" {
            tool.runAsTool(Array(arguments.dropFirst()))
        }
        guard arguments.count > 1 else { usage(to: 1) }
        let requested = arguments[1]
        switch requested {
        case "--list-tools":
            for name in names { print(name) }
            exit(0)
        case "-h", "--help", "help":
            usage(to: 0)
        case "--version":
            print(BerthVersion.string)
            exit(0)
        case "--completion":
            guard arguments.count == 3, arguments[2] == "bash" else {
                Terminal.writeError("berth: --completion takes the shell: bash\n")
                exit(1)
            }
            print(BashCompletion.script(tools: tools.map { $0.spec }), terminator: "")
            exit(0)
        default:
            guard let tool = tool(named: requested) else {
                Terminal.writeError("berth: unknown tool '\(requested)' (berth --list-tools names them)\n")
                exit(1)
            }
            tool.runAsTool(Array(arguments.dropFirst(2)))
        }
    }

    private static func usage(to status: Int32) -> Never {
        var text = "usage: berth TOOL [ARGS...]   (or run a tool by its own name, e.g. berth-ls)\n\ntools:\n"
        for tool in tools {
            text += "  " + tool.spec.name.padding(to: 20) + tool.spec.abstract + "\n"
        }
        if status == 0 { print(text, terminator: "") } else { Terminal.writeError(text) }
        exit(status)
    }
}

extension String {
    /// The string followed by spaces up to `width` characters.
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
