/// One `lxc.mount.entry` (or `lxc.mount.fstab` line): fstab fields, with the target relative to
/// the container's root and LXC's extra options `create=dir|file`, `optional` and `relative`
/// taken out of the options the kernel sees.
public struct MountEntry: Sendable, Equatable {
    public let source: String
    /// Relative to the rootfs (a leading `/` is dropped, as LXC does).
    public let target: String
    public let fstype: String
    public let flags: UInt
    /// Options the kernel gets as mount data (`size=64m`, `mode=755`).
    public let data: String
    public let create: Create?
    public let optional: Bool
    /// A bind mount with `ro` (or other flags) needs a remount to apply them.
    public var needsRemount: Bool { flags & UInt(MS_BIND) != 0 && flags & ~UInt(MS_BIND | MS_REC) != 0 }

    public enum Create: String, Sendable { case dir, file }

    /// Parses `source target fstype options [dump pass]`. `where` names the config line in errors.
    public init(parsing line: String, where origin: String) throws(BerthError) {
        let fields = line.splitWords().map(String.init)
        guard fields.count >= 3 else {
            throw BerthError(.invalidConfig, "\(origin): mount entry '\(line)' needs at least source, target and type")
        }
        source = MountTable.unescape(Substring(fields[0]))
        var rawTarget = MountTable.unescape(Substring(fields[1]))
        while rawTarget.hasPrefix("/") { rawTarget.removeFirst() }
        target = rawTarget
        fstype = fields[2]
        var flags: UInt = 0
        // The filesystem's own options, comma-joined as mount(2) takes them. (Built as a String:
        // `joined(separator:)` here went through the generic, unspecialised path, resolving
        // its associated types at run time on every start.)
        var data = ""
        var create: Create?
        var optional = false
        for option in (fields.count > 3 ? fields[3] : "defaults").splitBytes(UInt8(ascii: ",")).map(String.init) {
            if let flag = MountEntry.flagOptions[option] {
                flags |= flag
            } else if let clear = MountEntry.clearingOptions[option] {
                flags &= ~clear
            } else if option == "defaults" || option == "relative" || option == "auto" || option == "noauto" {
                continue
            } else if option == "optional" {
                optional = true
            } else if option.hasPrefix("create=") {
                guard let kind = Create(rawValue: String(option.dropFirst(7))) else {
                    throw BerthError(.invalidConfig, "\(origin): '\(option)' in mount entry '\(line)': use create=dir or create=file")
                }
                create = kind
            } else {
                data += data.isEmpty ? option : "," + option
            }
        }
        self.flags = flags
        self.data = data
        self.create = create
        self.optional = optional
    }

    static let flagOptions: [String: UInt] = [
        "ro": UInt(MS_RDONLY), "nosuid": UInt(MS_NOSUID), "nodev": UInt(MS_NODEV), "noexec": UInt(MS_NOEXEC),
        "sync": UInt(MS_SYNCHRONOUS), "dirsync": UInt(MS_DIRSYNC), "noatime": UInt(MS_NOATIME),
        "nodiratime": UInt(MS_NODIRATIME), "relatime": UInt(MS_RELATIME), "strictatime": UInt(MS_STRICTATIME),
        "bind": UInt(MS_BIND), "rbind": UInt(MS_BIND | MS_REC), "remount": UInt(MS_REMOUNT),
        "mand": UInt(MS_MANDLOCK), "silent": UInt(MS_SILENT),
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE | MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
    ]
    static let clearingOptions: [String: UInt] = [
        "rw": UInt(MS_RDONLY), "suid": UInt(MS_NOSUID), "dev": UInt(MS_NODEV), "exec": UInt(MS_NOEXEC),
        "async": UInt(MS_SYNCHRONOUS), "atime": UInt(MS_NOATIME), "diratime": UInt(MS_NODIRATIME),
    ]
}
