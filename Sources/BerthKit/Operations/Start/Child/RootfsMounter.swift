import SystemPackage

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
        tree = RootedDirectory(fd: try FileSystem.open(rootfs, FileSystem.pathOnly | O_DIRECTORY), path: rootfs, display: RootfsMounter.display)
    }

    /// Opens `relative` inside the rootfs (O_PATH unless `flags` say otherwise), or nil when it does not exist.
    func open(_ relative: String, flags: Int32 = FileSystem.pathOnly) throws(BerthError) -> FileDescriptor? {
        try tree.open(relative, flags: flags)
    }

    func display(_ relative: String) -> String { RootfsMounter.display(relative) }
    static func display(_ relative: String) -> String { "/" + relative + " in the container" }

    /// Creates `relative` (and its parents) as a directory, or as an empty file when `file`.
    /// Usually only the last component is missing (a mount point in a directory that is there):
    /// it is made in its parent, opened once; the path is walked from the top only when the
    /// parent is missing too.
    func create(_ relative: String, file: Bool = false, mode: mode_t = 0o755) throws(BerthError) {
        let parts = relative.split(separator: "/").map(String.init)
        guard let last = parts.last else { return }
        // An Array, not the slice dropLast gives: Berth's own join (see Array+Joined.swift).
        if let parent = try open(Array(parts.dropLast()).joined(separator: "/"), flags: FileSystem.pathOnly | O_DIRECTORY) {
            defer { parent.closeQuietly() }
            try make(last, in: parent, file: file, mode: mode, display: relative)
            return
        }
        var path = ""
        for (index, part) in parts.enumerated() {
            guard let parent = try open(path, flags: FileSystem.pathOnly | O_DIRECTORY) else {
                throw BerthError(.system, "cannot create \(display(relative)): \(display(path)) vanished")
            }
            defer { parent.closeQuietly() }
            path = path.isEmpty ? part : path + "/" + part
            try make(part, in: parent, file: file && index == parts.count - 1, mode: mode, display: path)
        }
    }

    /// One component of `create`: an empty file or a directory named `name` in `parent`, left
    /// as it is when something is there already.
    private func make(_ name: String, in parent: FileDescriptor, file: Bool, mode: mode_t, display relative: String) throws(BerthError) {
        if file {
            if let error = FileSystem.makeEmptyFile(name, in: parent, mode: 0o644),
               ![.fileExists, .isDirectory, .tooManySymbolicLinkLevels].contains(error) {
                throw BerthError.system("creating", display(relative), error)
            }
        } else if let error = FileSystem.makeDirectory(name, in: parent, mode: mode), error != .fileExists {
            throw BerthError.system("mkdir", display(relative), error)
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
        defer { target.closeQuietly() }
        try mount(source, onto: target, at: relative, type: type, flags: flags, data: data)
    }

    /// Mounts onto `name` in `directory` (a directory of the rootfs opened through `open`),
    /// making it first. Meant for the directories this process has just mounted empty tmpfs
    /// filesystems on (/dev, /sys/fs/cgroup): the mount point is made and opened from the
    /// directory's descriptor, one call each, where `mount` would look for it first and walk
    /// from the top of the rootfs to its parent and then to it again. A directory is opened
    /// O_DIRECTORY|O_NOFOLLOW and a file is made O_EXCL, so no symlink is ever followed; a file
    /// that is there already is left to `mount`.
    func mount(_ source: String?, onNew name: String, in directory: FileDescriptor, at parent: String, file: Bool = false,
               type: String?, flags: UInt, data: String?) throws(BerthError) {
        let relative = parent + "/" + name
        let target: FileDescriptor
        if file {
            do throws(BerthError) {
                target = try FileSystem.open(name, in: directory, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644, display: display(relative))
            } catch {
                guard error.errno == .fileExists else { throw error }
                try mount(source, on: relative, type: type, flags: flags, data: data, create: .file)
                return
            }
        } else {
            try make(name, in: directory, file: false, mode: 0o755, display: relative)
            target = try FileSystem.open(name, in: directory, FileSystem.pathOnly | O_DIRECTORY | O_NOFOLLOW, display: display(relative))
        }
        defer { target.closeQuietly() }
        try mount(source, onto: target, at: relative, type: type, flags: flags, data: data)
    }

    /// The mount itself, on the open mount point `target` (`relative` names it).
    private func mount(_ source: String?, onto target: FileDescriptor, at relative: String, type: String?, flags: UInt, data: String?) throws(BerthError) {
        let bind = flags & UInt(MS_BIND) != 0
        let firstFlags = bind ? flags & UInt(MS_BIND | MS_REC) : flags & ~UInt(MS_REMOUNT)
        try MountCalls.mount(source, on: target.procPath, type: type, flags: firstFlags, data: data, display: "on \(display(relative))")
        if bind && flags & ~UInt(MS_BIND | MS_REC) != 0 {
            try remount(relative, flags: flags & ~UInt(MS_REC))
        }
    }

    /// Re-applies flags to the mount now on `relative` (for read-only binds).
    func remount(_ relative: String, flags: UInt) throws(BerthError) {
        guard let fd = try open(relative) else { throw BerthError(.notFound, "\(display(relative)) vanished") }
        defer { fd.closeQuietly() }
        let path = fd.procPath
        // A bind remount must keep the locked flags of the mount it copies (nodev, nosuid... of
        // /proc), or the kernel refuses with EPERM; read them back and add them.
        let locked = MountCalls.lockedFlags(of: path)
        if let error = MountCalls.mount(nil, on: path, type: nil, flags: UInt(MS_REMOUNT | MS_BIND) | flags | locked, data: nil) {
            throw BerthError.system("remount", display(relative), error)
        }
    }

    /// mknod inside the rootfs.
    func makeDevice(_ relative: String, major: UInt32, minor: UInt32, mode: mode_t = 0o666) throws(BerthError) {
        let parentPath = Path.parent("/" + relative)
        guard let parent = try open(String(parentPath.dropFirst()), flags: FileSystem.pathOnly | O_DIRECTORY) else {
            throw BerthError(.notFound, "\(display(parentPath)) is missing")
        }
        defer { parent.closeQuietly() }
        let name = Path.base(relative)
        if let error = FileSystem.makeCharacterDevice(name, in: parent, mode: mode, major: major, minor: minor) {
            // Something of the container's is there already (it may be a symlink, which a
            // chmod would follow): left as it is.
            if error == .fileExists { return }
            throw BerthError.system("mknod", display(relative), error)
        }
        // The umask took bits away; devices are meant to be 0666. The node was just made here.
        _ = FileSystem.setMode(name, in: parent, mode)
    }

    func symlink(_ target: String, at relative: String) throws(BerthError) {
        let parentPath = Path.parent("/" + relative)
        guard let parent = try open(String(parentPath.dropFirst()), flags: FileSystem.pathOnly | O_DIRECTORY) else { return }
        defer { parent.closeQuietly() }
        try symlink(target, named: Path.base(relative), in: parent, at: String(parentPath.dropFirst()))
    }

    /// A symlink `name` in `directory` (opened through `open`; `parent` names it), left as it
    /// is when something is there already.
    func symlink(_ target: String, named name: String, in directory: FileDescriptor, at parent: String) throws(BerthError) {
        if let error = FileSystem.makeSymlink(name, in: directory, pointingAt: target), error != .fileExists {
            throw BerthError.system("symlink", display(parent + "/" + name), error)
        }
    }
}
