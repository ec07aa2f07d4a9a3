/// Mounts inside a container's rootfs, in the container's mount namespace before pivot_root.
///
/// Every target is opened with `openat2(RESOLVE_IN_ROOT)` below the rootfs and mounted on
/// through `/proc/self/fd/N`, so a symlink or `..` in the container's files can never point a
/// mount at the host (the CVE-2015-1335 class). Missing targets are created the same way.
struct RootfsMounter {
    /// The rootfs directory as the host sees it (for messages).
    let rootfs: String
    /// The rootfs mount (an O_PATH descriptor), every path resolved inside it.
    let tree: RootedDirectory

    init(rootfs: String) throws(BerthError) {
        self.rootfs = rootfs
        let fd = try syscall("open", rootfs) { Glibc.open(rootfs, FileSystem.pathOnly | O_DIRECTORY | O_CLOEXEC) }
        tree = RootedDirectory(fd: fd, path: rootfs, display: RootfsMounter.display)
    }

    /// Opens `relative` inside the rootfs (O_PATH unless `flags` say otherwise), or nil when it does not exist.
    func open(_ relative: String, flags: Int32 = FileSystem.pathOnly) throws(BerthError) -> Int32? {
        try tree.open(relative, flags: flags)
    }

    func display(_ relative: String) -> String { RootfsMounter.display(relative) }
    static func display(_ relative: String) -> String { "/" + relative + " in the container" }

    /// Creates `relative` (and its parents) as a directory, or as an empty file when `file`.
    func create(_ relative: String, file: Bool = false, mode: mode_t = 0o755) throws(BerthError) {
        let parts = relative.split(separator: "/").map(String.init)
        var path = ""
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            guard let parent = try open(path, flags: FileSystem.pathOnly | O_DIRECTORY) else {
                throw BerthError(.system, "cannot create \(display(relative)): \(display(path)) vanished")
            }
            defer { close(parent) }
            if last && file {
                let fd = openat(parent, part, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o644)
                if fd >= 0 { close(fd) } else if errno != EEXIST && errno != EISDIR && errno != ELOOP {
                    throw BerthError.system("creating", display(relative), currentErrno)
                }
            } else if mkdirat(parent, part, mode) != 0 && errno != EEXIST {
                throw BerthError.system("mkdir", display(path.isEmpty ? part : path + "/" + part), currentErrno)
            }
            path = path.isEmpty ? part : path + "/" + part
        }
    }

    /// Mounts onto `relative`. `create` makes a missing target; `remountFlags` are applied with
    /// a second bind remount (the kernel ignores MS_RDONLY and friends on the first bind).
    func mount(_ source: String?, on relative: String, type: String?, flags: UInt, data: String?,
               create: MountEntry.Create? = nil) throws(BerthError) {
        var fd = try open(relative)
        if fd == nil, let create {
            try self.create(relative, file: create == .file)
            fd = try open(relative)
        }
        guard let target = fd else {
            throw BerthError(.notFound, "mount target \(display(relative)) does not exist (add create=dir or create=file)")
        }
        defer { close(target) }
        let bind = flags & UInt(MS_BIND) != 0
        let firstFlags = bind ? flags & UInt(MS_BIND | MS_REC) : flags & ~UInt(MS_REMOUNT)
        let result = Glibc.mount(source, "/proc/self/fd/\(target)", type, firstFlags, data)
        guard result == 0 else {
            throw BerthError.system("mount \(source ?? type ?? "")", "on \(display(relative))", currentErrno)
        }
        if bind && flags & ~UInt(MS_BIND | MS_REC) != 0 {
            try remount(relative, flags: flags & ~UInt(MS_REC))
        }
    }

    /// Re-applies flags to the mount now on `relative` (for read-only binds).
    func remount(_ relative: String, flags: UInt) throws(BerthError) {
        guard let fd = try open(relative) else { throw BerthError(.notFound, "\(display(relative)) vanished") }
        defer { close(fd) }
        let path = "/proc/self/fd/\(fd)"
        // A bind remount must keep the locked flags of the mount it copies (nodev, nosuid... of
        // /proc), or the kernel refuses with EPERM; read them back and add them.
        var st = statvfs()
        let locked: UInt = statvfs(path, &st) == 0 ? UInt(st.f_flag) & UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME) : 0
        guard Glibc.mount(nil, path, nil, UInt(MS_REMOUNT | MS_BIND) | flags | locked, nil) == 0 else {
            throw BerthError.system("remount", display(relative), currentErrno)
        }
    }

    /// mknod inside the rootfs.
    func makeDevice(_ relative: String, major: UInt32, minor: UInt32, mode: mode_t = 0o666) throws(BerthError) {
        let parentPath = Path.parent("/" + relative)
        guard let parent = try open(String(parentPath.dropFirst()), flags: FileSystem.pathOnly | O_DIRECTORY) else {
            throw BerthError(.notFound, "\(display(parentPath)) is missing")
        }
        defer { close(parent) }
        let name = Path.base(relative)
        // glibc's makedev() layout, which Swift does not import.
        let device = dev_t((UInt64(major & 0xfff) << 8) | UInt64(minor & 0xff) | (UInt64(minor & ~0xff) << 12) | (UInt64(major & ~0xfff) << 32))
        if mknodat(parent, name, S_IFCHR | mode, device) != 0 {
            // Something of the container's is there already (it may be a symlink, which a
            // chmod would follow): left as it is.
            if errno == EEXIST { return }
            throw BerthError.system("mknod", display(relative), currentErrno)
        }
        // The umask took bits away; devices are meant to be 0666. The node was just made here.
        _ = fchmodat(parent, name, mode, AT_SYMLINK_NOFOLLOW)
    }

    func symlink(_ target: String, at relative: String) throws(BerthError) {
        let parentPath = Path.parent("/" + relative)
        guard let parent = try open(String(parentPath.dropFirst()), flags: FileSystem.pathOnly | O_DIRECTORY) else { return }
        defer { close(parent) }
        if symlinkat(target, parent, Path.base(relative)) != 0 && errno != EEXIST {
            throw BerthError.system("symlink", display(relative), currentErrno)
        }
    }
}
