import CBerthLinux
import SystemPackage

/// The new mount API and pivot_root, typed: detached idmapped trees, attaching them, and
/// changing the root.
enum MountCalls {
    /// A detached copy of the tree at `path`, idmapped through the user namespace `userns`:
    /// its descriptor, or nil with errno set (EINVAL where the filesystem cannot be idmapped).
    static func idmappedTree(_ path: String, userNamespace userns: FileDescriptor) -> FileDescriptor? {
        let fd = berth_idmapped_tree(path, userns.rawValue)
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }

    /// move_mount of the detached mount `fd` onto `target`.
    static func attach(_ fd: FileDescriptor, onto target: String, what: String) throws(BerthError) {
        try syscall("move_mount (\(what))", target) { berth_attach_mount(fd.rawValue, target) }
    }

    /// pivot_root(".", ".") in the current directory: it becomes `/`, the old root stacked
    /// under it to be detached.
    static func pivotHere(display: String) throws(BerthError) {
        try syscall("pivot_root", display) { berth_pivot_root(".", ".") }
    }
}

extension MountCalls {
    /// mount(2): the errno of a failure, nil on success.
    static func mount(_ source: String?, on target: String, type: String?, flags: UInt, data: String?) -> Errno? {
        Glibc.mount(source, target, type, flags, data) == 0 ? nil : currentErrno
    }

    /// mount(2) that throws, naming `display`.
    static func mount(_ source: String?, on target: String, type: String?, flags: UInt, data: String?, display: String) throws(BerthError) {
        if let error = mount(source, on: target, type: type, flags: flags, data: data) {
            throw BerthError.system("mount \(source ?? type ?? "")", display, error)
        }
    }

    /// A shared mount at `path`, as LXC makes shmounts' host end: a small tmpfs (unless
    /// something is mounted there already) made shared, so that slave copies of it (in a
    /// container) receive what is mounted below it later.
    static func sharedTree(at path: String, display: String) throws(BerthError) {
        try FileSystem.makeDirectories(path, mode: 0o711)
        if !MountTable.current().contains(path) {
            try mount("tmpfs", on: path, type: "tmpfs", flags: 0, data: "size=100k,mode=0711", display: display)
        }
        try mount(nil, on: path, type: nil, flags: UInt(MS_SHARED), data: nil, display: display + " (shared)")
    }

    /// Makes every mount of this mount namespace a slave of the one it was copied from: nothing
    /// mounted here from now on propagates back (to the host).
    static func stopPropagation() throws(BerthError) {
        try mount(nil, on: "/", type: nil, flags: UInt(MS_REC | MS_SLAVE), data: nil, display: "/ (rslave)")
    }

    /// umount2(2), detaching lazily when `detach`: the errno of a failure, nil on success.
    @discardableResult
    static func unmount(_ path: String, detach: Bool = true) -> Errno? {
        umount2(path, detach ? Int32(MNT_DETACH) : 0) == 0 ? nil : currentErrno
    }

    /// The flags of the mount at `path` that a bind remount must keep (the kernel locks them on
    /// a mount copied into a less privileged namespace): nosuid, nodev, noexec and the atime ones.
    static func lockedFlags(of path: String) -> UInt {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return 0 }
        return UInt(st.f_flag) & UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)
    }
}
