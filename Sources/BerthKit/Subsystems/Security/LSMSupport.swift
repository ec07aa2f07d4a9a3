import CAppArmor

/// Which Linux security modules this kernel runs.
public enum LSMSupport {
    /// AppArmor is enabled (libapparmor's aa_is_enabled), asked only of a kernel that has it:
    /// procfs lists an `apparmor` directory among a process's security attributes exactly
    /// when AppArmor is built in. Why ask procfs first: libapparmor reads AppArmor's module
    /// parameters in sysfs, four lookups where it is absent, and every sysfs lookup takes the
    /// lock that a network device's registration holds while it writes its sysfs files, so
    /// starts that make veths on the host wait for one another there.
    public static var apparmorEnabled: Bool {
        FileSystem.exists("/proc/self/attr/apparmor") && aa_is_enabled() == 1
    }
    /// SELinux is mounted (selinuxfs).
    public static var selinuxEnabled: Bool { FileSystem.exists("/sys/fs/selinux/enforce") }
}
