import BerthKit

/// berth-attach: runs a command inside a running container.
public struct AttachCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-attach",
        abstract: "Run a command inside a running container.",
        discussion: """
                Enters every namespace of the container's init and its cgroup, drops to the \
                container's capability bounding set (unless -e), and runs COMMAND, or the user's \
                shell from the container's /etc/passwd. The exit status is the command's (128 + \
                signal when it was killed). Pipes and files pass through byte for byte; on a \
                terminal the command gets a pty of the container's own.
                """,
        options: [
            NameOption.spec,
            .flag("e", "elevated-privileges", "Keep this process's capabilities."),
            .flag(nil, "clear-env", "Start from an empty environment."),
            .flag(nil, "keep-env", "Keep this process's environment (the default)."),
            .value(nil, "keep-var", "NAME", "With --clear-env, keep this variable (repeatable)."),
            .value("v", "set-var", "VAR=VALUE", "Set VAR=VALUE (repeatable)."),
            .value("u", "uid", "UID", "Run as this user id."),
            .value("g", "gid", "GID", "Run as this group id."),
            .value("s", "namespaces", "NAMESPACES", "Namespaces to enter, separated by | (MOUNT|PID|UTSNAME|IPC|NETWORK|USER|CGROUP)."),
            .flag("t", "pty", "Use a pty even when stdin and stdout are not terminals."),
            .flag(nil, "no-pty", "Never use a pty."),
            .flag("R", "remount-sys-proc", "With -s without MOUNT: give the command its own /proc and /sys, showing the namespaces it entered."),
            .value("L", "pty-log", "FILE", "Append everything the command writes to its pty to FILE (with a pty only)."),
            .value("f", "rcfile", "FILE", "Take the seccomp policy and lxc.no_new_privs from this config instead of the container's."),
        ] + CommonOptions.specs,
        positionals: [.containerName, PositionalSpec("COMMAND", "The command and its arguments.", kind: .afterTerminator)]
    )

    let container: NameOption
    var elevated: Bool
    var clearEnv: Bool
    var keepEnv: Bool
    var keepVariables: [String]
    var variables: [String]
    var uid: UInt32
    var gid: UInt32
    var namespaces: String?
    var pty: Bool
    var noPty: Bool
    var remountSysProc: Bool
    var ptyLog: String?
    var configFile: String?
    let common: CommonOptions
    var positionalName: String?
    var command: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        elevated = arguments.flag("elevated-privileges")
        clearEnv = arguments.flag("clear-env")
        keepEnv = arguments.flag("keep-env")
        keepVariables = arguments.values("keep-var")
        variables = arguments.values("set-var")
        uid = try arguments.number("uid", as: UInt32.self) ?? 0
        gid = try arguments.number("gid", as: UInt32.self) ?? 0
        namespaces = arguments.value("namespaces")
        pty = arguments.flag("pty")
        noPty = arguments.flag("no-pty")
        remountSysProc = arguments.flag("remount-sys-proc")
        ptyLog = arguments.value("pty-log")
        configFile = arguments.value("rcfile")
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        command = arguments.rest
        try validate()
    }

    func validate() throws(BerthError) {
        for variable in variables where !variable.contains("=") {
            throw BerthError(.invalidArgument, "-v '\(variable)': expected VAR=VALUE")
        }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
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
        options.ptyLog = ptyLog.map(Path.absolute)
        options.configFile = configFile.map(Path.absolute)
        if let namespaces { options.namespaces = try NamespaceNames.parse(namespaces, option: "-s") }
        let status = try Attacher(container: target).run(options)
        if status != 0 { throw ToolExit(status) }
    }
}
