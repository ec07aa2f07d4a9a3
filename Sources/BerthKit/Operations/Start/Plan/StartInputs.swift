/// What a start learns from the host besides the container's config: the caller's variables,
/// the cgroup layout, who runs it, the LSMs, and the few files and directories the config points
/// at (the rootfs, an fstab, a seccomp profile). `StartPlan` reads the host only through this,
/// so the plan is a function of the config and these facts; `host(managedBridge:)` gathers them
/// from the running system, and a test can hand in a made-up host instead.
public struct StartInputs: Sendable {
    /// One of the caller's environment variables, for `lxc.environment = NAME` (LXC's way to
    /// pass the caller's value on). Asked for by name: a start whose config names none reads
    /// none, rather than taking the whole environment apart (about 80,000 instructions of a
    /// `berth-start` with forty variables, and a dictionary the monitor would keep for life).
    public var callerVariable: @Sendable (String) -> String?
    public var cgroupLayout: CgroupLayout
    public var managedBridge: ManagedBridge?
    /// Started by root (else: a user's container, with no cgroup and no host interfaces).
    public var asRoot: Bool
    public var apparmor: Bool
    public var selinux: Bool
    /// The starting process runs under a seccomp filter already (Berth in a container): what
    /// lxc.seccomp.allow_nesting decides on.
    public var seccompConfined: Bool = false
    /// The highest capability number the kernel knows (read only when lxc.cap.keep needs it).
    public var lastCapability: @Sendable () -> Int32
    /// Whether a path names a directory (symlinks followed).
    public var isDirectory: @Sendable (String) -> Bool
    /// A whole text file (an fstab, a seccomp profile), or an error naming it.
    public var readFile: @Sendable (String) throws(BerthError) -> String
    /// The directory to name when every directory above a tree lets all local users through
    /// (see `StartInputs.exposingDirectory`), nil when one of them is closed.
    public var exposingDirectory: @Sendable (String) -> String?
    /// The first directory above a container's directory that a host uid/gid cannot pass
    /// (see `StartInputs.closedAncestor`), nil when all let it through.
    public var closedAncestor: @Sendable (String, UInt32, UInt32) -> String?

    /// The running host's facts, read when asked for.
    public static func host(managedBridge: ManagedBridge? = nil) -> StartInputs {
        StartInputs(
            callerVariable: { ProcessEnvironment.value($0) }, cgroupLayout: .current(), managedBridge: managedBridge,
            asRoot: CurrentProcess.isRoot, apparmor: LSMSupport.apparmorEnabled, selinux: LSMSupport.selinuxEnabled,
            seccompConfined: CurrentProcess.seccompMode != 0,
            lastCapability: { StartInputs.lastCapability() }, isDirectory: { FileSystem.isDirectory($0) },
            readFile: { (path) throws(BerthError) in try FileSystem.readText(path) },
            exposingDirectory: { StartInputs.exposingDirectory(of: $0) },
            closedAncestor: { StartInputs.closedAncestor(of: $0, uid: $1, gid: $2) })
    }
}
