import BerthKit

/// berth-usernsexec: runs a command as root of a new user namespace with given maps, as
/// lxc-usernsexec does (to work on a container's files as its root would).
public struct UsernsexecCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-usernsexec",
        abstract: "Run a command as root of a new user namespace.",
        discussion: """
            Runs COMMAND (default /bin/sh) as root of a new user and mount namespace whose ids map \
            as the -m options say, in lxc-usernsexec's form u|g|b:NSID:HOSTID:RANGE (b: both uids \
            and gids); without -m, the ranges /etc/subuid and /etc/subgid give the caller, as ids \
            0-65535. A user other than root maps through newuidmap and newgidmap, which allow \
            only ranges delegated to that user. The exit status is the command's.
            """,
        options: [
            .value("m", "map", "MAP", "A mapping u|g|b:NSID:HOSTID:RANGE (repeatable)."),
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("COMMAND", "The command and its arguments (default /bin/sh).", kind: .afterTerminator)]
    )

    var maps: [String]
    let common: CommonOptions
    var command: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        maps = arguments.values("map")
        common = try CommonOptions(arguments)
        command = arguments.rest.isEmpty ? arguments.positionals : arguments.rest
        if command.isEmpty { command = ["/bin/sh"] }
    }

    public func run() throws {
        _ = try ToolContext(program: Self.spec.name, options: common)
        var unsharer = Unsharer(namespaces: [.user, .mount], command: command)
        if maps.isEmpty {
            do throws(BerthError) { unsharer.maps = try Unsharer.delegatedMaps() } catch {
                throw BerthError(.invalidArgument, "no -m given, and \(error.message); give -m u|g|b:NSID:HOSTID:RANGE")
            }
        } else {
            unsharer.maps = try IDMap.parse(colonForm: maps, origin: "-m")
        }
        let status = try unsharer.run()
        if status != 0 { throw ToolExit(status) }
    }
}
