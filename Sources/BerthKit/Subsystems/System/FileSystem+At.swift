import SystemPackage

/// Changes made relative to an open directory (the *at calls, a final symlink never followed),
/// for code that walks a tree it does not trust through descriptors. Each returns the errno of
/// a failure, nil on success, so that the caller decides which failures are fine (EEXIST for
/// something already there, say).
extension FileSystem {
    /// mkdirat(2).
    static func makeDirectory(_ name: some SystemCallName, in directory: FileDescriptor, mode: mode_t) -> Errno? {
        name.withSystemCallName { mkdirat(directory.rawValue, $0, mode) } == 0 ? nil : currentErrno
    }

    /// An empty regular file `name` (O_CREAT, never through a symlink); one already there is
    /// left as it is.
    static func makeEmptyFile(_ name: String, in directory: FileDescriptor, mode: mode_t) -> Errno? {
        let fd = openat(directory.rawValue, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { return currentErrno }
        _ = Glibc.close(fd)
        return nil
    }

    /// mknodat(2) of a character device, `major`:`minor` in glibc's makedev() layout (which
    /// Swift does not import).
    static func makeCharacterDevice(_ name: String, in directory: FileDescriptor, mode: mode_t, major: UInt32, minor: UInt32) -> Errno? {
        let device = dev_t((UInt64(major & 0xfff) << 8) | UInt64(minor & 0xff) | (UInt64(minor & ~0xff) << 12) | (UInt64(major & ~0xfff) << 32))
        return mknodat(directory.rawValue, name, S_IFCHR | mode, device) == 0 ? nil : currentErrno
    }

    /// fchmodat(2) of `name` itself.
    static func setMode(_ name: some SystemCallName, in directory: FileDescriptor, _ mode: mode_t) -> Errno? {
        name.withSystemCallName { fchmodat(directory.rawValue, $0, mode, AT_SYMLINK_NOFOLLOW) } == 0 ? nil : currentErrno
    }

    /// fchownat(2) of `name` itself.
    static func setOwner(_ name: some SystemCallName, in directory: FileDescriptor, uid: uid_t, gid: gid_t) -> Errno? {
        name.withSystemCallName { fchownat(directory.rawValue, $0, uid, gid, AT_SYMLINK_NOFOLLOW) } == 0 ? nil : currentErrno
    }

    /// fchown(2) of an open file.
    static func setOwner(of fd: FileDescriptor, uid: uid_t, gid: gid_t) -> Errno? {
        fchown(fd.rawValue, uid, gid) == 0 ? nil : currentErrno
    }

    /// symlinkat(2): `name` in `directory` pointing at `target`.
    static func makeSymlink(_ name: some SystemCallName, in directory: FileDescriptor, pointingAt target: some SystemCallName) -> Errno? {
        let result = target.withSystemCallName { target in name.withSystemCallName { symlinkat(target, directory.rawValue, $0) } }
        return result == 0 ? nil : currentErrno
    }

    /// linkat(2): `name` in `directory` becomes another name of `existing` in `existingDirectory`.
    static func makeHardLink(_ name: some SystemCallName, in directory: FileDescriptor, to existing: some SystemCallName,
                             in existingDirectory: FileDescriptor) -> Errno? {
        let result = existing.withSystemCallName { existing in
            name.withSystemCallName { linkat(existingDirectory.rawValue, existing, directory.rawValue, $0, 0) }
        }
        return result == 0 ? nil : currentErrno
    }

    /// utimensat(2) of `name` itself: its access and modification times.
    static func setTimes(_ name: some SystemCallName, in directory: FileDescriptor, access: timespec, modification: timespec) -> Errno? {
        let times = [access, modification]
        return name.withSystemCallName { utimensat(directory.rawValue, $0, times, AT_SYMLINK_NOFOLLOW) } == 0 ? nil : currentErrno
    }
}

extension FileSystem {
    /// The major and minor numbers of a device number, in glibc's makedev() layout.
    static func major(_ device: dev_t) -> UInt64 { (UInt64(device) >> 8 & 0xfff) | (UInt64(device) >> 32 & ~UInt64(0xfff)) }
    static func minor(_ device: dev_t) -> UInt64 { (UInt64(device) & 0xff) | (UInt64(device) >> 12 & ~UInt64(0xff)) }

    /// mknodat(2) of a node like the one `st` describes (device, fifo, socket), its device number kept.
    static func makeNode(_ name: some SystemCallName, in directory: FileDescriptor, like st: stat) -> Errno? {
        name.withSystemCallName { mknodat(directory.rawValue, $0, st.st_mode, st.st_rdev) } == 0 ? nil : currentErrno
    }

    /// futimens(2) of an open file: its access and modification times.
    static func setTimes(of fd: FileDescriptor, access: timespec, modification: timespec) -> Errno? {
        let times = [access, modification]
        return futimens(fd.rawValue, times) == 0 ? nil : currentErrno
    }
}

extension Errno {
    /// Throws `error`, when there is one, as a `BerthError` naming the call and the path: for the
    /// *at wrappers, `try Errno.check(FileSystem.x(...), "call", path)`.
    static func check(_ error: Errno?, _ operation: String, _ path: String) throws(BerthError) {
        if let error { throw BerthError.system(operation, path, error) }
    }
}
