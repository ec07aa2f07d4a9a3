import CBerthLinux
import SystemPackage

/// A directory tree whose contents belong to somebody Berth does not trust — a container's
/// rootfs or an overlay layer, where the container's root may have put any symlink — opened as
/// a root: every path below it is resolved inside it (`openat2` with RESOLVE_IN_ROOT and
/// RESOLVE_NO_MAGICLINKS), so no absolute symlink, `..` or `/proc/self/root` link leads out of
/// it, and every change is made relative to a descriptor, never through a path walked again.
/// The host side reads and writes guest files (the hostname of a copy, a template's files) only
/// through this type.
struct RootedDirectory {
    /// The directory as the host sees it (for messages).
    let path: String
    let fd: FileDescriptor
    /// How a path inside is named in messages.
    let display: (String) -> String

    /// Opens `path`, which must be a directory and not a symlink (the path up to it is the
    /// host's own: an lxcpath, a container's directory).
    init(_ path: String) throws(BerthError) {
        self.path = path
        fd = FileDescriptor(rawValue: try syscall("open", path) { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) })
        display = { "\(path)/\($0) (inside \(path))" }
    }

    /// A tree already open at `fd` (an O_PATH descriptor of a mounted rootfs, say), named in
    /// messages by `display`.
    init(fd: FileDescriptor, path: String, display: @escaping (String) -> String) {
        self.fd = fd
        self.path = path
        self.display = display
    }

    func close() { fd.closeQuietly() }

    /// Opens `relative` resolved inside the tree; nil when it does not exist.
    func open(_ relative: String, flags: Int32, mode: mode_t = 0) throws(BerthError) -> FileDescriptor? {
        try open(relative.isEmpty ? "." : relative, named: relative, flags: flags, mode: mode)
    }

    /// The same for a path held as bytes (names a directory listed, which need not be UTF-8),
    /// named `name` in messages.
    func open(_ relative: some SystemCallName, named name: String, flags: Int32, mode: mode_t = 0) throws(BerthError) -> FileDescriptor? {
        let fd = relative.withSystemCallName { berth_open_in_root(self.fd.rawValue, $0, flags | O_CLOEXEC, mode) }
        if fd >= 0 { return FileDescriptor(rawValue: fd) }
        if errno == ENOENT { return nil }
        throw BerthError.system("open", display(name), currentErrno)
    }

    /// The status of what `relative` names inside the tree (symlinks followed, inside it);
    /// nil when nothing is there.
    func status(_ relative: String) throws(BerthError) -> stat? {
        guard let fd = try open(relative, flags: FileSystem.pathOnly) else { return nil }
        defer { fd.closeQuietly() }
        var st = stat()
        try syscall("fstat", display(relative)) { fstat(fd.rawValue, &st) }
        return st
    }

    /// The text of `relative` when it is a plain file (not a symlink, not a device or a FIFO)
    /// of at most `limit` bytes; nil otherwise.
    func readPlainFile(_ relative: String, limit: Int = 65536) -> String? {
        guard let fd = try? open(relative, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
        defer { fd.closeQuietly() }
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0, FileSystem.kind(of: st.st_mode) == .file, Int(st.st_size) <= limit else { return nil }
        return String(decoding: fd.readToEnd(), as: UTF8.self)
    }

    /// mknodat of `relative` like the node `st` describes (its type, mode and device number),
    /// in its parent opened inside the tree; one that is there already is an error naming it.
    func makeNode(_ relative: String, like st: stat) throws(BerthError) {
        guard let (dir, name) = try parent(of: relative) else { throw BerthError(.notFound, "\(display(Path.parent(relative))) does not exist") }
        defer { Glibc.close(dir) }
        try syscall("mknod", display(relative)) { mknodat(dir, name, st.st_mode, st.st_rdev) }
    }

    /// unlinkat of `relative` (not a directory) in its parent opened inside the tree; a missing
    /// one is an error naming it.
    func removeFile(_ relative: String) throws(BerthError) {
        guard let (dir, name) = try parent(of: relative) else { throw BerthError(.notFound, "\(display(relative)) does not exist") }
        defer { Glibc.close(dir) }
        try syscall("unlink", display(relative)) { unlinkat(dir, name, 0) }
    }

    /// True when `relative` is a regular file (or a symlink to one inside the tree).
    func isFile(_ relative: String) throws(BerthError) -> Bool {
        try status(relative).map { FileSystem.kind(of: $0.st_mode) == .file } ?? false
    }

    /// The directory holding `relative`, opened inside the tree, and the last component.
    private func parent(of relative: String) throws(BerthError) -> (fd: Int32, name: String)? {
        let name = Path.base(relative)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw BerthError(.invalidArgument, "\(display(relative)) does not name a file")
        }
        let parentPath = relative.contains("/") ? Path.parent(relative) : ""
        guard let fd = try open(parentPath, flags: O_RDONLY | O_DIRECTORY) else { return nil }
        return (fd.rawValue, name)
    }

    /// Makes the directory `relative` (its parent must exist) with the owner and mode given.
    /// An existing directory is left as it is.
    func makeDirectory(_ relative: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)?) throws(BerthError) {
        guard let (dir, name) = try parent(of: relative) else {
            throw BerthError(.notFound, "\(display(Path.parent(relative))) does not exist")
        }
        defer { Glibc.close(dir) }
        if mkdirat(dir, name, mode) != 0 {
            if errno == EEXIST { return }
            throw BerthError.system("mkdir", display(relative), currentErrno)
        }
        // Owner first, then the mode: a chown may clear mode bits.
        if let owner { try syscall("chown", display(relative)) { fchownat(dir, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) } }
        try syscall("chmod", display(relative)) { fchmodat(dir, name, mode, AT_SYMLINK_NOFOLLOW) }
    }

    /// Replaces the file `relative` with `bytes` in one step: a new file beside it (made with
    /// O_EXCL, so no planted name is followed) renamed over it. It keeps the owner of the file
    /// it replaces, or takes that of the directory: a file of the guest stays the guest's.
    func writeFile(_ relative: String, _ bytes: [UInt8], mode: mode_t) throws(BerthError) {
        guard let (dir, name) = try parent(of: relative) else {
            throw BerthError(.notFound, "\(display(Path.parent(relative))) does not exist")
        }
        defer { Glibc.close(dir) }
        var owner = stat()
        if fstatat(dir, name, &owner, AT_SYMLINK_NOFOLLOW) != 0 {
            try syscall("fstat", display(Path.parent(relative))) { fstat(dir, &owner) }
        }
        let temporary = ".\(name).berth-\(getpid())"
        _ = unlinkat(dir, temporary, 0)
        let file = try syscall("create", display(relative)) {
            openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        do throws(BerthError) {
            defer { Glibc.close(file) }
            try FileSystem.writeAll(FileDescriptor(rawValue: file), bytes, display(relative))
            try syscall("chown", display(relative)) { fchown(file, owner.st_uid, owner.st_gid) }
            try syscall("chmod", display(relative)) { fchmod(file, mode) }
            try syscall("fsync", display(relative)) { fsync(file) }
            try syscall("rename", display(relative)) { renameat(dir, temporary, dir, name) }
        } catch {
            _ = unlinkat(dir, temporary, 0)
            throw error
        }
    }
}
