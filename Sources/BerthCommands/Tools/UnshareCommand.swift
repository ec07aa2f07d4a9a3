import BerthKit

/// berth-unshare: runs a command in new namespaces, as lxc-unshare does.
public struct UnshareCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-unshare",
        abstract: "Run a command in new namespaces.",
        discussion: """
            Runs COMMAND in the new namespaces -s names (MOUNT, PID, UTSNAME, IPC, NETWORK, USER, \
            CGROUP, TIME, separated by |), as lxc-unshare does: -u as another user, -H with its own \
            hostname (with UTSNAME), -i with a host interface moved into its network namespace \
            (with NETWORK; it goes back to the host when the namespace ends), -M with a /proc of \
            its own pid namespace (with MOUNT and PID). With USER, the caller's user and group are \
            root inside. The exit status is the command's.
            """,
        options: [
            .value("s", "namespaces", "NAMESPACES", "The namespaces to make, separated by | (e.g. 'MOUNT|PID|UTSNAME')."),
            .value("u", "user", "USER", "Run the command as this user (a name from /etc/passwd, or a uid)."),
            .value("H", "hostname", "NAME", "Set this hostname in the new UTS namespace."),
            .value("i", "ifname", "IFNAME", "Move this host interface into the new network namespace (repeatable)."),
            .flag("M", "remount", "Mount a new /proc for the new pid namespace."),
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("COMMAND", "The command and its arguments.", kind: .afterTerminator)]
    )

    var namespaces: NamespaceSet
    var user: uid_t?
    var hostname: String?
    var interfaces: [String]
    var remount: Bool
    let common: CommonOptions
    var command: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        guard let text = arguments.value("namespaces") else {
            throw BerthError(.invalidArgument, "-s NAMESPACES is required (the namespaces to make)")
        }
        namespaces = try NamespaceNames.parse(text, option: "-s")
        if let name = arguments.value("user") {
            guard let uid = uid_t(name) ?? UserDatabase.uid(of: name) else {
                throw BerthError(.invalidArgument, "-u: no user '\(name)' in /etc/passwd")
            }
            user = uid
        }
        hostname = arguments.value("hostname")
        interfaces = arguments.values("ifname")
        remount = arguments.flag("remount")
        common = try CommonOptions(arguments)
        command = arguments.rest
    }

    public func run() throws {
        _ = try ToolContext(program: Self.spec.name, options: common)
        var unsharer = Unsharer(namespaces: namespaces, command: command)
        unsharer.user = user
        unsharer.hostname = hostname
        unsharer.interfaces = interfaces
        unsharer.remountProc = remount
        let status = try unsharer.run()
        if status != 0 { throw ToolExit(status) }
    }
}
