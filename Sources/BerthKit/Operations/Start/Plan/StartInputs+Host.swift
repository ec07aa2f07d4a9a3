/// The host side of a start's inputs: the facts `StartInputs.host` reads from this machine for
/// the plan (a container root's way to its rootfs, trees every local user can reach, the
/// kernel's capabilities).
extension StartInputs {
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
            guard let st = FileSystem.status(ancestor) else { continue }
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
        guard CurrentProcess.isRoot else { return nil }
        var path = Path.parent(tree)
        while true {
            if let st = FileSystem.status(path), st.st_mode & 0o001 == 0 { return nil }
            if path == "/" || path.isEmpty { break }
            path = Path.parent(path)
        }
        return Path.parent(tree)
    }

    /// The highest capability number this kernel knows.
    static func lastCapability() -> Int32 {
        let text = (try? FileSystem.readText("/proc/sys/kernel/cap_last_cap")) ?? "40"
        return Int32(text.split(separator: "\n").first ?? "40") ?? 40
    }
}
