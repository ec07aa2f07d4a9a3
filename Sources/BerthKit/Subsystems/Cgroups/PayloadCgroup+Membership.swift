import SystemPackage

/// Who is in a container's cgroup and who may manage it: its processes joined (by the monitor
/// for others, or by the first process for itself) and the cgroup delegated to the container's
/// root.
extension PayloadCgroup {
    /// Moves the calling process (the container's first process, a monitor, berth-attach's
    /// helper: each with a single thread) into every process directory ("0" names the writer).
    ///
    /// Why `tasks` in the v1 hierarchies: a write to cgroup.procs (or of another pid) takes the
    /// kernel's global lock on every thread group, whose write side first waits for an RCU grace
    /// period once the lock has been idle for a while (6 to 14 ms on the test VM: the first
    /// start after a pause spent two thirds of its time there), and holds up every fork and
    /// exit on the host meanwhile. The writer moving only itself through `tasks` is exempt from
    /// that lock, and with one thread it moves the whole process. cgroup2 has no such file
    /// outside threaded subtrees: a process is born in its v2 cgroup where it can be
    /// (CLONE_INTO_CGROUP, then `skippingV2`), else pays the lock there.
    /// `everywhere`: a hierarchy that refuses does not stop the others (the first refusal is
    /// thrown at the end), for a monitor leaving its cgroup.
    public func joinSelf(skippingV2: Bool = false, everywhere: Bool = false) throws(BerthError) {
        var refusal: BerthError?
        // `tasks` would move only the calling thread: a process with more (or one /proc does
        // not describe) goes through cgroup.procs, and the lock, instead.
        let alone = CurrentProcess.threadCount == 1
        for directory in processDirectories where !(skippingV2 && directory == processV2Directory) {
            let file = directory == processV2Directory || !alone ? "cgroup.procs" : "tasks"
            do throws(BerthError) { try PayloadCgroup.write(Path.join(directory, file), "0") } catch {
                guard everywhere else { throw error }
                refusal = refusal ?? error
            }
        }
        if let refusal { throw refusal }
    }

    /// Moves `pid` into the v2 process directory only: cgroup2 lets a process be moved only by
    /// one that may write the cgroup.procs of both cgroups' common ancestor, which a container's
    /// root may not; in v1 hierarchies it joins its delegated cgroups itself.
    public func joinV2(pid: pid_t) throws(BerthError) {
        guard let directory = processV2Directory else { return }
        try PayloadCgroup.write(Path.join(directory, "cgroup.procs"), "\(pid)")
    }

    /// Gives the container's root the cgroup its processes live in (for a user namespace): the
    /// directories and the files that make and fill child cgroups become its own, so an init
    /// such as systemd can manage its subtree, as LXC delegates it. The limits stay the host's
    /// (with an inner cgroup, the whole payload cgroup does).
    public func delegate(uid: UInt32, gid: UInt32) throws(BerthError) {
        for directory in processDirectories {
            // Through the directory's descriptor: one path walk per directory, not per file,
            // and a file this hierarchy does not have is simply not there (ENOENT).
            let fd = try CgroupMountsDirectory.open(directory, O_RDONLY | O_DIRECTORY)
            defer { fd.closeQuietly() }
            if let error = FileSystem.setOwner(of: fd, uid: uid, gid: gid) { throw BerthError.system("chown", directory, error) }
            // Each hierarchy's own files: asking for the other version's costs a failed
            // chown per file and directory, on every start.
            let files = directory == processV2Directory ? PayloadCgroup.delegatedV2Files : PayloadCgroup.delegatedV1Files
            for file in files {
                if let error = FileSystem.setOwner(file, in: fd, uid: uid, gid: gid), error != .noSuchFileOrDirectory {
                    throw BerthError.system("chown", Path.join(directory, file), error)
                }
            }
        }
    }

    /// The files of a v1 and of a v2 cgroup whose owner may make and fill child cgroups.
    static let delegatedV1Files = ["cgroup.procs", "tasks", "cgroup.clone_children", "notify_on_release"]
    static let delegatedV2Files = ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"]
}
