/// The checks a plan makes of the host and the config before anything exists: LSMs, the
/// seccomp policy, the capability drops, and whether the container's root can reach its rootfs
/// while other users cannot.
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

    /// The first directory above `directory` (the container's own, which the monitor opens to
    /// its root) that host user `uid`/`gid` may not pass through, going by the mode bits; nil
    /// when all let it through. A directory with an ACL is taken to let it through.
    static func closedAncestor(of directory: String, uid: UInt32, gid: UInt32) -> String? {
        var path = Path.parent(directory)
        var ancestors: [String] = []
        while path != "/" && !path.isEmpty {
            ancestors.append(path)
            path = Path.parent(path)
        }
        for ancestor in ancestors.reversed() {
            var st = stat()
            guard stat(ancestor, &st) == 0 else { continue }
            let mode = st.st_mode
            let passes = (st.st_uid == uid && mode & 0o100 != 0) || (st.st_gid == gid && mode & 0o010 != 0) || mode & 0o001 != 0
            if !passes && !ExtendedAttributes.has(ancestor, "system.posix_acl_access") { return ancestor }
        }
        return nil
    }

    /// The directory to name when every directory above `tree` lets all local users through
    /// (mode o+x on each, up to `/`): its parent. nil when one of them is closed to others.
    /// A missing directory counts as open (it would be made 0755). A container's root writes
    /// its tree as host root (privileged) or through an idmapped mount as uid 0 on disk, so a
    /// setuid-root file it makes there would be runnable by any host user who can reach it.
    /// Root's containers only: a user's container writes files of the user's subordinate ids,
    /// never of root.
    public static func exposingDirectory(of tree: String) -> String? {
        guard geteuid() == 0 else { return nil }
        var path = Path.parent(tree)
        while true {
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & 0o001 == 0 { return nil }
            if path == "/" || path.isEmpty { break }
            path = Path.parent(path)
        }
        return Path.parent(tree)
    }

    /// Why a tree that every local user can reach is refused, and what to do.
    public static func exposureMessage(_ tree: String, _ directory: String) -> String {
        "every directory above \(tree) lets all local users through (\(directory) and each above it has o+x), so any of them could run a setuid-root file the container's root puts there; close one to others (chmod o-x \(directory), and for an unprivileged container give its root an ACL: setfacl -m u:ROOTUID:x \(directory)), or keep the rootfs in the container's directory"
    }

    /// What a container may not do unless its config says otherwise: load kernel modules, set
    /// the host's clock, touch raw I/O ports and devices, or change the host's LSM policy.
    public static let defaultCapabilityDrops = "sys_module sys_time sys_rawio mac_admin mac_override"

    /// `lxc.seccomp.profile`: a policy file in LXC's format, `none` for no filter, unset for
    /// Berth's default policy (SeccompPolicy.defaultText). Parsed now, so a bad file fails the
    /// start before anything is made.
    static func seccompPolicy(_ config: ContainerConfig, origin: (String) -> String) throws(BerthError) -> (SeccompPolicy?, String) {
        guard let path = config.value("lxc.seccomp.profile") else {
            return (try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "Berth's default seccomp policy"), "Berth's default seccomp policy")
        }
        if path == "none" { return (nil, origin("lxc.seccomp.profile")) }
        let text: String
        do throws(BerthError) { text = try FileSystem.readText(path) } catch {
            throw BerthError(error.code, "\(origin("lxc.seccomp.profile")): \(error.message)", errno: error.errno)
        }
        return (try SeccompPolicy(parsing: text, origin: path), path)
    }

    /// The highest capability number this kernel knows.
    static func lastCapability() -> Int32 {
        let text = (try? FileSystem.readText("/proc/sys/kernel/cap_last_cap")) ?? "40"
        return Int32(text.split(separator: "\n").first ?? "40") ?? 40
    }
}
