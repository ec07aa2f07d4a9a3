import ArgumentParser
import BerthKit

/// berth-attach: runs a command inside a running container.
public struct AttachCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-attach",
        abstract: "Run a command inside a running container.",
        discussion: """
            Enters every namespace of the container's init and its cgroup, drops to the \
            container's capability bounding set (unless -e), and runs COMMAND, or the user's \
            shell from the container's /etc/passwd. The exit status is the command's (128 + \
            signal when it was killed). Pipes and files pass through byte for byte; on a \
            terminal the command gets a pty of the container's own.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Flag(name: [.customShort("e"), .customLong("elevated-privileges")], help: "Keep this process's capabilities.")
    var elevated = false
    @Flag(name: .customLong("clear-env"), help: "Start from an empty environment.")
    var clearEnv = false
    @Flag(name: .customLong("keep-env"), help: "Keep this process's environment (the default).")
    var keepEnv = false
    @Option(name: .customLong("keep-var"), help: ArgumentHelp("With --clear-env, keep this variable (repeatable).", valueName: "NAME"))
    var keepVariables: [String] = []
    @Option(name: [.customShort("v"), .customLong("set-var")], help: ArgumentHelp("Set VAR=VALUE (repeatable).", valueName: "VAR=VALUE"))
    var variables: [String] = []
    @Option(name: [.customShort("u"), .long], help: ArgumentHelp("Run as this user id.", valueName: "UID"))
    var uid: UInt32 = 0
    @Option(name: [.customShort("g"), .long], help: ArgumentHelp("Run as this group id.", valueName: "GID"))
    var gid: UInt32 = 0
    @Option(name: [.customShort("s"), .long], help: ArgumentHelp("Namespaces to enter, separated by | (MOUNT|PID|UTSNAME|IPC|NETWORK|USER|CGROUP).", valueName: "NAMESPACES"))
    var namespaces: String?
    @Flag(name: [.customShort("t"), .customLong("pty")], help: "Use a pty even when stdin and stdout are not terminals.")
    var pty = false
    @Flag(name: .customLong("no-pty"), help: "Never use a pty.")
    var noPty = false
    @Flag(name: [.customShort("R"), .customLong("remount-sys-proc")], help: "With -s without MOUNT: give the command its own /proc and /sys, showing the namespaces it entered.")
    var remountSysProc = false
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    public init() {}

    public func validate() throws {
        for variable in variables where !variable.contains("=") {
            throw ValidationError("-v '\(variable)': expected VAR=VALUE")
        }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-attach", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        var options = AttachOptions()
        options.command = command
        options.clearEnvironment = clearEnv
        options.keepVariables = keepVariables
        options.setVariables = variables
        options.uid = uid
        options.gid = gid
        options.elevated = elevated
        options.terminal = pty ? true : (noPty ? false : nil)
        options.remountSysProc = remountSysProc
        if let namespaces {
            let names: [String: String] = ["MOUNT": "mnt", "PID": "pid", "UTSNAME": "uts", "IPC": "ipc", "NETWORK": "net", "USER": "user", "CGROUP": "cgroup", "TIME": "time"]
            var words: [String] = []
            for word in namespaces.split(whereSeparator: { $0 == "|" || $0 == "," || $0 == " " }) {
                guard let mapped = names[word.uppercased()] else {
                    throw BerthError(.invalidArgument, "-s: unknown namespace '\(word)' (\(names.keys.sorted().joined(separator: "|")))")
                }
                words.append(mapped)
            }
            options.namespaces = try NamespaceSet(parsing: words.joined(separator: " "), where: "-s")
        }
        let status = try Attacher(container: target).run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
