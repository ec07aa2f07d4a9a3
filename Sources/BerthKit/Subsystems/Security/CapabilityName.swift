/// Capability names as `lxc.cap.drop`/`lxc.cap.keep` spell them (`sys_admin`, case-insensitive,
/// with or without `CAP_`), numbered as in linux/capability.h.
///
/// A table of Berth's own rather than libcap's cap_from_name(3): the binary is static, so
/// libcap's list was fixed at build time all the same, and linking libcap ran its constructor
/// (probing the bounding set, six prctl calls) before main in every command.
public enum CapabilityName {
    /// Every capability the kernel has defined, in number order (CAP_CHOWN is 0).
    public static let all = [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
        "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
        "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
        "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
    ]

    /// The capability number, or nil when the name is not a capability.
    public static func number(_ name: String) -> Int32? {
        var lower = name.lowercased()
        if lower.hasPrefix("cap_") { lower.removeFirst(4) }
        return all.firstIndex(of: lower).map { Int32($0) }
    }
}
