import BerthKit

/// The options berth-start and berth-execute share with lxc-start and lxc-execute beyond
/// `-s KEY=VALUE`: each is a config key set for this start, so it acts exactly as that key does
/// (and is checked as it is).
struct StartOptions: Sendable {
    static let specs: [OptionSpec] = [
        .value(nil, "share-net", "NAME|PID", "Join the network namespace of this container or pid (lxc.namespace.share.net)."),
        .value(nil, "share-ipc", "NAME|PID", "Join its IPC namespace (lxc.namespace.share.ipc)."),
        .value(nil, "share-uts", "NAME|PID", "Join its UTS namespace (lxc.namespace.share.uts)."),
        .value(nil, "share-pid", "NAME|PID", "Join its pid namespace (lxc.namespace.share.pid)."),
    ]

    /// The `-s` defines these options stand for, in the order given.
    let defines: [String]

    init(_ arguments: ParsedArguments) {
        var defines: [String] = []
        for kind in ["net", "ipc", "uts", "pid"] {
            if let target = arguments.value("share-\(kind)") { defines.append("lxc.namespace.share.\(kind)=\(target)") }
        }
        self.defines = defines
    }
}
