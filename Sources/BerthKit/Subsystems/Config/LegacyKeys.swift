/// Keys from before LXC 3.0, still found in old guides and configs, and their modern names.
/// Berth reads them, translates them and warns with the modern key; it never writes them.
public struct LegacyKeys {
    static let renames: [String: String] = [
        "lxc.utsname": "lxc.uts.name", "lxc.rootfs": "lxc.rootfs.path", "lxc.id_map": "lxc.idmap",
        "lxc.pts": "lxc.pty.max", "lxc.tty": "lxc.tty.max", "lxc.devttydir": "lxc.tty.dir",
        "lxc.aa_profile": "lxc.apparmor.profile", "lxc.aa_allow_incomplete": "lxc.apparmor.allow_incomplete",
        "lxc.se_context": "lxc.selinux.context", "lxc.mount": "lxc.mount.fstab",
        "lxc.seccomp": "lxc.seccomp.profile", "lxc.console": "lxc.console.path",
        "lxc.haltsignal": "lxc.signal.halt", "lxc.rebootsignal": "lxc.signal.reboot",
        "lxc.stopsignal": "lxc.signal.stop", "lxc.syslog": "lxc.log.syslog",
        "lxc.loglevel": "lxc.log.level", "lxc.logfile": "lxc.log.file",
        "lxc.init_cmd": "lxc.init.cmd", "lxc.init_uid": "lxc.init.uid", "lxc.init_gid": "lxc.init.gid",
        "lxc.network": "lxc.net",
    ]
    /// Keys LXC 3.0 deleted outright; Berth skips them with a warning.
    static let dropped: Set<String> = ["lxc.pivotdir", "lxc.kmsg", "lxc.rootfs.backend"]

    /// What became of a key.
    public enum Translation: Equatable {
        case modern
        case renamed(String)
        case dropped
    }

    /// Un-indexed `lxc.network.*` lines: each `lxc.network.type` starts a new interface and later
    /// lines apply to the last one, so translation needs to count them.
    private var legacyNetworks = 0

    public init() {}

    /// Translates one key; throws when an un-indexed `lxc.network.*` line comes before any
    /// `lxc.network.type`.
    public mutating func translate(_ key: String) -> Result<Translation, LegacyError> {
        if LegacyKeys.dropped.contains(key) { return .success(.dropped) }
        if let modern = LegacyKeys.renames[key] { return .success(.renamed(modern)) }
        if key.hasPrefix("lxc.limit.") { return .success(.renamed("lxc.prlimit." + key.dropFirst("lxc.limit.".count))) }
        guard key.hasPrefix("lxc.network.") else { return .success(.modern) }
        let rest = key.dropFirst("lxc.network.".count)
        if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) {
            return .success(.renamed("lxc.net.\(index).\(LegacyKeys.modernSuffix(rest[rest.index(after: dot)...]))"))
        }
        if rest == "type" {
            legacyNetworks += 1
            return .success(.renamed("lxc.net.\(legacyNetworks - 1).type"))
        }
        guard legacyNetworks > 0 else { return .failure(LegacyError(key: key)) }
        return .success(.renamed("lxc.net.\(legacyNetworks - 1).\(LegacyKeys.modernSuffix(rest))"))
    }

    static func modernSuffix(_ suffix: Substring) -> String {
        switch suffix {
        case "ipv4": return "ipv4.address"
        case "ipv6": return "ipv6.address"
        default: return String(suffix)
        }
    }

    public struct LegacyError: Error {
        public let key: String
    }
}
