/// What `berth-create` was asked to make.
public struct CreateRequest: Sendable {
    public var name: ContainerName
    public var lxcpath: String
    /// Template name (`busybox`, `debian`, `none`, or a path).
    public var template: String
    /// Arguments for the template (what follows `--`).
    public var templateArguments: [String] = []
    /// `-f FILE`: replaces the default config.
    public var configFile: String?
    /// `-B`: the backing store.
    public var backingStore: String = "dir"
    /// `--dir`: put the rootfs here instead of `<lxcpath>/<name>/rootfs`.
    public var rootfsDirectory: String?
    /// `-s KEY=VALUE`, applied after the template.
    public var overrides: [String] = []
    /// `--unprivileged`: a user namespace (lxc.idmap from /etc/subuid and /etc/subgid), which is
    /// also the default unless berth.conf says `berth.unprivileged = 0`.
    public var unprivileged = false
    /// `--privileged`: no user namespace, whatever the default.
    public var privileged = false
    /// `--shift-ids`: also chown the rootfs into that range (for filesystems without idmapped
    /// mounts).
    public var shiftIDs = false

    public init(name: ContainerName, lxcpath: String, template: String) {
        self.name = name
        self.lxcpath = lxcpath
        self.template = template
    }
}
