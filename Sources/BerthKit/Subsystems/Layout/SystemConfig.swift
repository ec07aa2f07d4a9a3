/// Berth's host-wide settings, read from `/etc/berth/berth.conf` (LXC's `lxc.conf`
/// counterpart), and where its other files are.
///
/// `BERTH_CONFIG_DIR` replaces `/etc/berth` (tests use it to stay off the host's settings) and
/// `BERTH_TEMPLATE_DIR` replaces the template directory.
public struct SystemConfig: Sendable {
    public static let defaultLXCPath = "/var/lib/berth"

    /// The directory of `berth.conf` and `default.conf`.
    public var configDirectory: String
    /// The default lxcpath (`lxc.lxcpath`).
    public var lxcpath: String
    /// The config applied to new containers (`lxc.default_config`).
    public var defaultConfig: String
    /// Where templates are looked up: `BERTH_TEMPLATE_DIR`, else beside the executable (looked
    /// for only by the commands that use templates).
    public var templateDirectory: String { templateOverride ?? SystemConfig.installedTemplateDirectory() }
    var templateOverride: String?
    /// `berth.unprivileged`: new containers get a user namespace unless created with
    /// --privileged (on by default).
    public var unprivilegedByDefault = true
    /// Where `subuid` and `subgid` are (`/etc`; `BERTH_SUBID_DIR` for tests).
    public var subordinateDirectory: String = ProcessEnvironment.value("BERTH_SUBID_DIR") ?? "/etc"
    /// The bridge Berth creates and hands addresses on (`berth.net.*`); nil when turned off.
    /// Its settings are checked when a command asks for it (start, create, copy, destroy,
    /// berth-net...): the other commands never pay for reading addresses and names they do not
    /// use. A bad value is an error naming berth.conf's line, as from `load`.
    public var managedBridge: ManagedBridge? {
        get throws(BerthError) {
            try ManagedBridge.parse(bridgeSettings.mapValues(\.value), where: { key in
                bridgeSettings[key].map { "\(configFile):\($0.line): \(key)" } ?? "\(configFile): \(key)"
            })
        }
    }
    /// The `berth.net.*` lines of berth.conf, as written, with their line numbers.
    var bridgeSettings: [String: (value: String, line: Int)] = [:]
    var configFile = ""
    /// `berth.lxcpaths`: further lxcpaths of this host, walked with lxc.lxcpath by
    /// berth-autostart without -P and by address allocation on the managed bridge.
    public var extraLxcpaths: [String] = []

    /// Every lxcpath this host keeps containers in: lxc.lxcpath, then berth.lxcpaths.
    public var allLxcpaths: [String] { [lxcpath] + extraLxcpaths.filter { $0 != lxcpath } }

    /// Reads the host's settings. A missing `berth.conf` means defaults; a bad one is an error
    /// that names the file and line.
    public static func load(environment: (String) -> String? = ProcessEnvironment.value) throws(BerthError) -> SystemConfig {
        // A user other than root has its own settings and containers, as LXC's users do:
        // ~/.config/berth and ~/.local/share/berth (or the XDG directories).
        let home = environment("HOME") ?? "/"
        let asUser = !CurrentProcess.isRoot
        let directory = environment("BERTH_CONFIG_DIR")
            ?? (asUser ? Path.join(environment("XDG_CONFIG_HOME") ?? Path.join(home, ".config"), "berth") : "/etc/berth")
        var result = SystemConfig(
            configDirectory: directory,
            lxcpath: asUser ? Path.join(environment("XDG_DATA_HOME") ?? Path.join(home, ".local/share"), "berth") : defaultLXCPath,
            defaultConfig: Path.join(directory, "default.conf"),
            templateOverride: environment("BERTH_TEMPLATE_DIR")
        )
        let file = Path.join(directory, "berth.conf")
        result.configFile = file
        guard FileSystem.exists(file) else { return result }
        let text = try FileSystem.readText(file)
        var net: [String: (value: String, line: Int)] = [:]
        for line in ConfigParser.parse(text, file: file, settingsOnly: true) {
            if case .foreign = line.content, let (key, value) = ConfigParser.anyAssignment(line.raw), key.hasPrefix("berth.") {
                if key == "berth.unprivileged" {
                    guard value == "0" || value == "1" else {
                        throw BerthError(.invalidConfig, "\(file):\(line.number): berth.unprivileged must be 0 or 1, not '\(value)'")
                    }
                    result.unprivilegedByDefault = value == "1"
                    continue
                }
                if key == "berth.lxcpaths" {
                    let paths = value.split(separator: " ").map(String.init)
                    for path in paths where !path.hasPrefix("/") || path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                        throw BerthError(.invalidConfig, "\(file):\(line.number): berth.lxcpaths takes absolute paths separated by spaces, not '\(PrintableText.escaped(path))'")
                    }
                    result.extraLxcpaths = paths.map(Path.stripTrailingSlashes)
                    continue
                }
                guard ManagedBridge.keys.contains(key) else {
                    throw BerthError(.invalidConfig, "\(file):\(line.number): unknown key '\(key)' (known: berth.unprivileged, berth.lxcpaths, \(ManagedBridge.keys.joined(separator: ", ")))")
                }
                net[key] = (value, line.number)
                continue
            }
            guard case .entry(let key, let value) = line.content else { continue }
            switch key {
            case "lxc.lxcpath":
                guard value.hasPrefix("/") else {
                    throw BerthError(.invalidConfig, "\(file):\(line.number): lxc.lxcpath must be an absolute path, not '\(value)'")
                }
                result.lxcpath = Path.stripTrailingSlashes(value)
            case "lxc.default_config":
                result.defaultConfig = value
            case "lxc.bdev.lvm.vg", "lxc.bdev.lvm.thin_pool", "lxc.bdev.zfs.root", "lxc.bdev.rbd.rbdpool",
                 "lxc.bdev.rbd.rbduser", "lxc.cgroup.use", "lxc.cgroup.pattern":
                continue  // LXC settings for backends and cgroup layouts Berth does not use
            default:
                throw BerthError(.invalidConfig, "\(file):\(line.number): unknown key '\(key)' (known: lxc.lxcpath, lxc.default_config)")
            }
        }
        result.bridgeSettings = net
        return result
    }

    /// `<prefix>/share/berth/templates` beside the running executable (`<prefix>/bin`), else the
    /// packaged location.
    static func installedTemplateDirectory() -> String {
        if let exe = try? FileSystem.readLink("/proc/self/exe") {
            let candidate = Path.join(Path.parent(Path.parent(exe)), "share/berth/templates")
            if FileSystem.isDirectory(candidate) { return candidate }
        }
        return "/usr/share/berth/templates"
    }

    /// The lxcpath a command works on: `-P` if given, else the configured one.
    public func lxcpath(override: String?) -> String {
        guard let override, !override.isEmpty else { return lxcpath }
        return Path.stripTrailingSlashes(Path.absolute(override))
    }

    /// An lxcpath is written into configs (every path of a container) and into the clone
    /// bookkeeping (one path a line): one with a control character would end a line early and
    /// add a setting of its own, so it is refused, naming the option it came from.
    public static func checkLxcpath(_ path: String, option: String) throws(BerthError) {
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw BerthError(.invalidArgument, "\(option) '\(PrintableText.escaped(path))': an lxcpath may not contain control characters (newlines, tabs)")
        }
    }
}
