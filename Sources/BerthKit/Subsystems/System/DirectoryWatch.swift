import SystemPackage

/// inotify on one directory: a descriptor that becomes readable when an entry is made or
/// removed there. Used to hear at once of a monitor's socket appearing (a container starting).
struct DirectoryWatch {
    let fd: FileDescriptor

    /// nil when the directory cannot be watched (it does not exist yet, or inotify is out of
    /// instances): callers fall back to looking again after a while.
    init?(_ path: String) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        guard inotify_add_watch(fd, path, UInt32(IN_CREATE | IN_DELETE | IN_MOVED_TO)) >= 0 else {
            _ = Glibc.close(fd)
            return nil
        }
        self.fd = FileDescriptor(rawValue: fd)
    }

    /// Reads and forgets the pending events (the caller looks at the directory itself).
    func drain() {
        while let bytes = fd.readAvailable(max: 4096), !bytes.isEmpty {}
    }
}
