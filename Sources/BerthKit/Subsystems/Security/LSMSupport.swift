import CAppArmor

/// Which Linux security modules this kernel runs.
public enum LSMSupport {
    /// AppArmor is enabled (libapparmor's aa_is_enabled).
    public static var apparmorEnabled: Bool { aa_is_enabled() == 1 }
    /// SELinux is mounted (selinuxfs).
    public static var selinuxEnabled: Bool { FileSystem.exists("/sys/fs/selinux/enforce") }
}
