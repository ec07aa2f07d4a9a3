/// The checks a plan makes of the config before anything exists: LSMs, the seccomp policy and
/// the capability drops. (What they need of the host comes through StartInputs.)
extension StartPlan {
    /// AppArmor and SELinux: Berth does not confine containers with either yet. Where the kernel
    /// has the LSM, or where the config asks for confinement the kernel cannot give, the start
    /// fails naming the key; a config that asks for nothing particular (unset, `unconfined`,
    /// `unchanged`, `generated` without AppArmor) starts, with a note saying what is missing.
    static func checkLSM(_ config: ContainerConfig, origin: (String) -> String, apparmor: Bool, selinux: Bool) throws(BerthError) -> [String] {
        var notes: [String] = []
        let profile = config.value("lxc.apparmor.profile")
        switch profile {
        case nil, "unconfined"?, "unchanged"?:
            if apparmor { notes.append("AppArmor is enabled but Berth does not apply AppArmor profiles yet: the container is unconfined") }
        case "generated"?:
            if apparmor {
                throw BerthError(.unsupported, "\(origin("lxc.apparmor.profile")): generated AppArmor profiles are not supported yet; set lxc.apparmor.profile = unconfined to start without one")
            }
            notes.append("this kernel has no AppArmor: the container runs without an AppArmor profile (lxc.apparmor.profile = generated)")
        case let name?:
            throw BerthError(.unsupported, apparmor
                ? "\(origin("lxc.apparmor.profile")): applying the AppArmor profile '\(name)' is not supported yet"
                : "\(origin("lxc.apparmor.profile")): the profile '\(name)' is demanded, but this kernel has no AppArmor")
        }
        if let context = config.value("lxc.selinux.context") {
            throw BerthError(.unsupported, selinux
                ? "\(origin("lxc.selinux.context")): applying the SELinux context '\(context)' is not supported yet"
                : "\(origin("lxc.selinux.context")): the context '\(context)' is demanded, but this kernel has no SELinux")
        }
        return notes
    }

    /// Why a tree that every local user can reach is refused, and what to do.
    public static func exposureMessage(_ tree: String, _ directory: String) -> String {
        "every directory above \(tree) lets all local users through (\(directory) and each above it has o+x), so any of them could run a setuid-root file the container's root puts there; close one to others (chmod o-x \(directory), and for an unprivileged container give its root an ACL: setfacl -m u:ROOTUID:x \(directory)), or keep the rootfs in the container's directory"
    }

    /// What a container may not do unless its config says otherwise: load kernel modules, set
    /// the host's clock, touch raw I/O ports and devices, or change the host's LSM policy.
    public static let defaultCapabilityDrops = "sys_module sys_time sys_rawio mac_admin mac_override"

    /// `lxc.seccomp.profile`: a policy file in LXC's format, `none` for no filter, unset for
    /// Berth's default policy (SeccompPolicy.defaultText, parsed only if its program must be
    /// generated: see SeccompPolicySource). A file is parsed now, so a bad one fails the start
    /// before anything is made.
    static func seccompPolicy(_ config: ContainerConfig, readFile: (String) throws(BerthError) -> String,
                              origin: (String) -> String) throws(BerthError) -> (SeccompPolicySource?, String) {
        guard let path = config.value("lxc.seccomp.profile") else { return (.builtIn, "Berth's default seccomp policy") }
        if path == "none" { return (nil, origin("lxc.seccomp.profile")) }
        let text: String
        do throws(BerthError) { text = try readFile(path) } catch {
            throw BerthError(error.code, "\(origin("lxc.seccomp.profile")): \(error.message)", errno: error.errno)
        }
        return (.parsed(try SeccompPolicy(parsing: text, origin: path)), path)
    }
}
