import CBerthLinux
import SystemPackage

/// Opening files and asking what they are: the calls whose answer is a descriptor or a status,
/// for code outside this layer that works relative to descriptors (tree walks, lock files,
/// runtime directories) instead of paths walked again.
extension FileSystem {
    /// open(2), always close-on-exec: the descriptor, or an error naming the call and the path.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, display: String? = nil) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("open", display ?? path) { Glibc.open(path, flags | O_CLOEXEC, mode) })
    }

    /// openat(2) of `name` in the directory open at `directory`, close-on-exec.
    static func open(_ name: some SystemCallName, in directory: FileDescriptor, _ flags: Int32, mode: mode_t = 0, display: String) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("open", display) { name.withSystemCallName { openat(directory.rawValue, $0, flags | O_CLOEXEC, mode) } })
    }

    /// stat(2), symlinks followed: nil when nothing is there (or it cannot be reached).
    static func status(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    /// lstat(2): the link itself when `path` is a symlink; nil when nothing is there.
    static func linkStatus(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    /// fstatat(2) of `name` in the directory open at `directory`, not following a final symlink.
    static func linkStatus(_ name: some SystemCallName, in directory: FileDescriptor, display: String) throws(BerthError) -> stat {
        var st = stat()
        try syscall("fstatat", display) { name.withSystemCallName { fstatat(directory.rawValue, $0, &st, AT_SYMLINK_NOFOLLOW) } }
        return st
    }

    /// fstat(2) of an open file.
    static func status(of fd: FileDescriptor, display: String) throws(BerthError) -> stat {
        var st = stat()
        try syscall("fstat", display) { fstat(fd.rawValue, &st) }
        return st
    }

    /// True when `a` and `b` describe the same file (device and inode).
    static func sameFile(_ a: stat, _ b: stat) -> Bool { a.st_dev == b.st_dev && a.st_ino == b.st_ino }

    /// mkdir(2) that accepts an existing entry (of any kind: the caller checks what it is).
    static func makeDirectoryIfMissing(_ path: String, mode: mode_t) throws(BerthError) {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw BerthError.system("mkdir", path, currentErrno) }
    }

    /// fchmod(2).
    static func setMode(of fd: FileDescriptor, _ mode: mode_t, display: String) throws(BerthError) {
        try syscall("chmod", display) { fchmod(fd.rawValue, mode) }
    }

    /// lchown(2): the owner of `path` itself, a symlink not followed.
    static func setOwner(_ path: String, uid: uid_t, gid: gid_t) throws(BerthError) {
        try syscall("chown", path) { lchown(path, uid, gid) }
    }

    /// access(2) with the real ids: true when the caller may do `mode` (R_OK, W_OK, X_OK) on `path`.
    static func mayAccess(_ path: String, _ mode: Int32) -> Bool { access(path, mode) == 0 }

    /// rmdir(2); a missing directory is not an error.
    static func removeDirectory(_ path: String) throws(BerthError) {
        if rmdir(path) != 0 && errno != ENOENT { throw BerthError.system("rmdir", path, currentErrno) }
    }

    /// flock(2) LOCK_EX|LOCK_NB on `fd`: true when taken, false when someone else holds it.
    static func tryLock(_ fd: FileDescriptor, display: String) throws(BerthError) -> Bool {
        while true {
            if flock(fd.rawValue, LOCK_EX | LOCK_NB) == 0 { return true }
            let error = currentErrno
            if error == .interrupted { continue }
            if error == .wouldBlock || error == .resourceTemporarilyUnavailable { return false }
            throw BerthError.system("flock", display, error)
        }
    }

    /// Takes an open-file-description write lock on the whole file open at `fd`, beside a flock
    /// (see berth_ofd_lock): false when it could not be taken.
    static func holdDescriptionLock(_ fd: FileDescriptor) -> Bool { berth_ofd_lock(fd.rawValue, 1) == 0 }

    /// Drops the open-file-description lock `holdDescriptionLock` took (the flock stays).
    static func dropDescriptionLock(_ fd: FileDescriptor) { _ = berth_ofd_lock(fd.rawValue, 0) }

    /// Whether another open file description holds a lock on the file open at `fd`, asked
    /// without taking anything; nil when the kernel would not say.
    static func isDescriptionLocked(_ fd: FileDescriptor) -> Bool? {
        switch berth_ofd_locked(fd.rawValue) {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }

    /// The file at `path` (made 0600 when missing, never through a symlink), opened and locked
    /// with `tryLock`: nil when another process holds it. For a lock file that may be removed
    /// while unlocked (berth-destroy removes a monitor's and a MAC address's hold): the file
    /// locked must still be the one at the path, else it was removed between the open and the
    /// flock and the lock guards nothing; checked, and taken again.
    static func lockFile(at path: String) throws(BerthError) -> FileDescriptor? {
        while true {
            let fd = try open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
            let taken: Bool
            do throws(BerthError) { taken = try tryLock(fd, display: path) } catch {
                fd.closeQuietly()
                throw error
            }
            guard taken else {
                fd.closeQuietly()
                return nil
            }
            if let held = try? status(of: fd, display: path), let named = linkStatus(path), sameFile(held, named) { return fd }
            fd.closeQuietly()
        }
    }
}

extension FileSystem {
    /// ftruncate(2).
    static func truncate(_ fd: FileDescriptor, to size: Int, display: String) throws(BerthError) {
        try syscall("truncate", display) { ftruncate(fd.rawValue, off_t(size)) }
    }

    /// Replaces what the open file holds with `text`: emptied, then written from its start.
    /// For the lock files whose holder says in them who it is (a monitor's pid, a MAC hold's
    /// container).
    static func replaceContents(of fd: FileDescriptor, with text: String, display: String) throws(BerthError) {
        try truncate(fd, to: 0, display: display)
        // Why lseek: ftruncate leaves the offset where it was.
        guard lseek(fd.rawValue, 0, SEEK_SET) == 0, fd.writeFully(text) else { throw BerthError.system("write", display, currentErrno) }
    }
}

extension FileSystem {
    /// One write(2) of all of `bytes`, for kernel files that take a value whole from a single
    /// write (cgroupfs, /proc maps and settings): a short write is a failure, never retried.
    static func writeOnce(_ fd: FileDescriptor, _ bytes: [UInt8], _ display: String) throws(BerthError) {
        while true {
            let written = bytes.withUnsafeBytes { Glibc.write(fd.rawValue, $0.baseAddress, $0.count) }
            if written == bytes.count { return }
            if written < 0 && errno == EINTR { continue }
            throw BerthError.system("write", display, written < 0 ? currentErrno : .ioError)
        }
    }
}

extension FileSystem {
    /// rmdir(2): the errno of a failure (ENOTEMPTY, EBUSY...), nil when removed.
    static func removeEmptyDirectory(_ path: String) -> Errno? { rmdir(path) == 0 ? nil : currentErrno }
}
