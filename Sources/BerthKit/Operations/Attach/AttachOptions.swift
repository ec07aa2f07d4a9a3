/// What berth-attach runs inside a container, and how.
public struct AttachOptions: Sendable {
    /// The command; empty runs the user's login shell from the container's /etc/passwd.
    public var command: [String] = []
    /// Start from an empty environment (`--clear-env`) instead of the caller's.
    public var clearEnvironment = false
    /// Variables kept from the caller with `--clear-env` (`--keep-var`).
    public var keepVariables: [String] = []
    /// `VAR=value` set on top (`-v`).
    public var setVariables: [String] = []
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    /// The namespaces to enter; nil enters all of init's.
    public var namespaces: NamespaceSet?
    /// Keep the caller's capabilities (`-e`) instead of dropping to the container's.
    public var elevated = false
    /// `-R`: in a mount namespace of its own, the command gets a new /proc and /sys, so that
    /// with `-s PID|NETWORK` (and not MOUNT) they show the namespaces it entered.
    public var remountSysProc = false
    /// Use a pty: nil decides by whether stdin or stdout is a terminal.
    public var terminal: Bool?
    /// `-L FILE`: everything the command writes to its pty is appended to FILE too.
    public var ptyLog: String?
    /// `-f FILE`: the config that says which seccomp policy and no_new_privs apply, instead of
    /// the container's own.
    public var configFile: String?

    public init() {}
}
