/// The device list a privileged container gets when its config has none of its own: its root
/// is the host's root, and with every device allowed (a new cgroup's default) it could make
/// and open the host's disks. As LXC's shipped common.conf: everything denied, then making any
/// node allowed (not opening it), then the pseudo devices, terminals and fuse. An unprivileged
/// container needs no list: its root cannot open a host device node at all. A config with any
/// lxc.cgroup.devices.* or lxc.cgroup2.devices.* line decides itself (`lxc.cgroup.devices.allow
/// = a` gives every device back).
enum DefaultDevices {
    /// `(file, value)` rules, in the order they are applied.
    static let rules: [(String, String)] = [
        ("devices.deny", "a"),
        ("devices.allow", "c *:* m"), ("devices.allow", "b *:* m"),
        ("devices.allow", "c 1:3 rwm"),    // null
        ("devices.allow", "c 1:5 rwm"),    // zero
        ("devices.allow", "c 1:7 rwm"),    // full
        ("devices.allow", "c 1:8 rwm"),    // random
        ("devices.allow", "c 1:9 rwm"),    // urandom
        ("devices.allow", "c 5:0 rwm"),    // tty
        ("devices.allow", "c 5:1 rwm"),    // console
        ("devices.allow", "c 5:2 rwm"),    // ptmx
        ("devices.allow", "c 136:* rwm"),  // the pts terminals
        ("devices.allow", "c 10:229 rwm"), // fuse
        ("devices.allow", "c 10:200 rwm"), // net/tun
    ]

    static let origin = "Berth's device list for a privileged container without one (set lxc.cgroup.devices.* to choose)"

    /// The settings to add for `settings` of a privileged container: the default list when none
    /// of them is a device rule, else nothing.
    static func settings(adding settings: [CgroupTranslator.Setting]) -> [CgroupTranslator.Setting] {
        guard !settings.contains(where: { $0.file.hasPrefix("devices.") }) else { return [] }
        return rules.map { CgroupTranslator.Setting(.v1, $0.0, $0.1, origin: origin) }
    }
}
