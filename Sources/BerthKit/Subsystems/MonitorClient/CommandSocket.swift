import SystemPackage

/// The per-container Unix socket a monitor serves, and the lock that makes one monitor per
/// container ("already running").
///
/// Both live in a runtime directory only their owner can enter: `/run/berth` (0700) for root's
/// containers, `/run/user/UID/berth` (or `/tmp/berth-UID` where the user has no runtime
/// directory) for a user's. A filesystem socket there cannot be reached from a container (its
/// mount namespace has no way to the host's `/run`), nor bound first by another local user,
/// which the abstract namespace allowed: any process of any network namespace shared with the
/// host (`lxc.net.0.type = none`) could connect to an abstract name, and any user could take
/// the name of a stopped container. On top of that both sides check each other (`connect`,
/// `Peer`): the client that the server is the runtime directory's owner, the server that the
/// client is its own user or root, in its own pid namespace.
///
/// The file names are `<name>.<hash>` with a 64-bit FNV-1a hash of the lxcpath, or the hash of
/// lxcpath and name alone where that would not fit the 107 bytes a socket path may have.
public struct CommandSocket: Sendable {
    public let path: String
    /// The monitor's lock file beside the socket (its flock, and the mark of MonitorMark).
    public let lockPath: String
    let directory: String
    /// The uid whose monitors serve this directory (the caller's effective uid).
    let owner: uid_t

    public init(paths: ContainerPaths) {
        owner = CurrentProcess.effectiveUser
        directory = CommandSocket.runtimeDirectory(uid: owner)
        var stem = "\(paths.name.value).\(CommandSocket.hash(paths.lxcpath))"
        if directory.utf8.count + 1 + stem.utf8.count + 5 > 107 {
            stem = "c." + CommandSocket.hash("\(paths.lxcpath)/\(paths.name.value)")
        }
        path = "\(directory)/\(stem).sock"
        lockPath = "\(directory)/\(stem).lock"
    }

    /// Where this caller's monitors put their sockets.
    public static var runtimeDirectoryOfCaller: String { runtimeDirectory(uid: CurrentProcess.effectiveUser) }

    /// Where `uid`'s command sockets live.
    static func runtimeDirectory(uid: uid_t) -> String {
        if uid == 0 { return "/run/berth" }
        let userRuntime = "/run/user/\(uid)"
        if let st = FileSystem.linkStatus(userRuntime), FileSystem.kind(of: st.st_mode) == .directory, st.st_uid == uid { return userRuntime + "/berth" }
        return "/tmp/berth-\(uid)"
    }

    static func hash(_ text: String) -> String { FNVHash.hex(text.utf8) }

    /// A monitor's hold on the socket: the listening descriptor and the lock.
    public struct Listener: Sendable {
        public let fd: FileDescriptor
        let lockFD: FileDescriptor
        let path: String
        let lockPath: String

        /// Removes the socket file and empties the lock file, then releases the lock (in that
        /// order: once the lock is free a new monitor may bind the same path). `keepingLockFile`
        /// leaves the lock file's mark, as a killed monitor would: something of this run is left
        /// to sweep (see `hasRuntimeFiles`).
        ///
        /// Why the lock file stays: made and removed at every start and stop, it cost an inode
        /// allocation each time, and on an ext4 without a journal (this VM's /run) one
        /// allocation searches past every inode freed in the last minutes (half a millisecond a
        /// file after a few hundred starts). berth-destroy removes it (`removeIfStale`).
        public func close(keepingLockFile: Bool = false) {
            try? FileSystem.removeFile(path)
            fd.closeQuietly()
            if !keepingLockFile { try? FileSystem.truncate(lockFD, to: 0, display: lockPath) }
            lockFD.closeQuietly()
        }

        /// Rewrites the mark with the monitor's new state (see MonitorMark), before the monitor
        /// tells anybody else of it: a command that reads the mark after hearing of the state
        /// (berth-wait after berth-start) finds it there. A mark that could not be rewritten is
        /// no longer vouched for (the description lock goes), so readers ask the monitor.
        public func record(_ state: ContainerState) {
            if !FileData.write(lockFD, MonitorMark.line(pid: CurrentProcess.id, state: state), at: 0) {
                FileSystem.dropDescriptionLock(lockFD)
            }
        }
    }

    /// Takes the lock and listens. nil when another monitor holds the lock (the container runs).
    public func listen() throws(BerthError) -> Listener? {
        try prepareDirectory()
        guard let lockFD = try lock() else { return nil }
        // The mark (`hasRuntimeFiles`) goes on before anything of the run exists: the monitor's
        // pid and state in the lock file, which a clean end empties again.
        let mark = String(decoding: MonitorMark.line(pid: CurrentProcess.id, state: .starting), as: UTF8.self)
        do throws(BerthError) { try FileSystem.replaceContents(of: lockFD, with: mark, display: lockPath) } catch {
            lockFD.closeQuietly()
            throw error
        }
        // Then the description lock beside the flock, which tells readers of the mark that a
        // monitor holds the file (see recordedState). After the mark, not before: a reader
        // that finds the lock held must not read a killed monitor's line still there.
        _ = FileSystem.holdDescriptionLock(lockFD)
        // A socket file left by a monitor that was killed: nobody listens on it any more (whoever
        // did held the lock this process now holds).
        try? FileSystem.removeFile(path)
        let fd: FileDescriptor
        do throws(BerthError) { fd = try UnixSocket.listen(at: path) } catch {
            lockFD.closeQuietly()
            throw error
        }
        return Listener(fd: fd, lockFD: lockFD, path: path, lockPath: lockPath)
    }

    /// Takes the lock file: nil when another monitor holds it (berth-destroy removes the lock
    /// file: see FileSystem.lockFile).
    func lock() throws(BerthError) -> FileDescriptor? {
        try FileSystem.lockFile(at: lockPath)
    }

    /// The state the container's monitor last wrote in its lock file (MonitorMark), read
    /// without asking the monitor; nil when no monitor holds the file or its mark is not whole.
    /// The file must be a regular file of the runtime directory's owner, reached without a
    /// symlink, in the directory only the owner can enter.
    public func recordedState() -> ContainerState? {
        guard let fd = try? FileSystem.open(lockPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
        defer { fd.closeQuietly() }
        guard let st = try? FileSystem.status(of: fd, display: lockPath), FileSystem.kind(of: st.st_mode) == .file,
              st.st_uid == owner, FileSystem.isDescriptionLocked(fd) == true else { return nil }
        // Read twice, believed only when both agree: a read racing a rewrite may see part of
        // each line, and some such mixes are names too (STOPPED's start with STARTING's end
        // reads STOPPING).
        let line = FileData.read(fd, count: 64, at: 0)
        guard FileData.read(fd, count: 64, at: 0) == line else { return nil }
        return MonitorMark.state(in: line)
    }

    /// Whether the socket is there or the lock file holds its mark: a monitor runs, or one
    /// ended without cleaning up after itself. A monitor marks its lock file before it makes
    /// any cgroup, and removes the socket and empties the lock file only after it removed its
    /// cgroups (Monitor.finish): without them, no cgroup of the container's is left to sweep.
    public var hasRuntimeFiles: Bool {
        if let st = FileSystem.linkStatus(lockPath), st.st_size > 0 { return true }
        return FileSystem.exists(path)
    }

    /// Removes the socket and lock files, when no monitor holds the lock: what a killed monitor
    /// left, and the lock file every stopped container keeps; for destroy, so that names no
    /// longer in use leave nothing in the runtime directory. A monitor starting meanwhile finds
    /// its lock file gone and takes a new one (see `lock`).
    public func removeIfStale() {
        guard FileSystem.exists(lockPath) || FileSystem.exists(path), let fd = try? lock() else { return }
        try? FileSystem.removeFile(path)
        try? FileSystem.removeFile(lockPath)
        fd.closeQuietly()
    }

    /// Connects; nil when no monitor listens (the container is stopped). A socket served by
    /// anybody but the directory's owner (or root) is refused, not believed.
    public func connect() throws(BerthError) -> FileDescriptor? {
        guard let fd = UnixSocket.connect(to: path) else {
            if errno == ECONNREFUSED || errno == ENOENT || errno == ENOTDIR { return nil }
            throw BerthError.system("connect", path, currentErrno)
        }
        let uid = UnixSocket.peer(fd)?.uid
        guard uid == owner || uid == 0 else {
            fd.closeQuietly()
            throw BerthError(.permissionDenied, "\(path) is served by uid \(uid.map(String.init) ?? "unknown"), not by a monitor of uid \(owner); refusing to talk to it")
        }
        return fd
    }

    /// Makes the runtime directory (0700) or checks the one there: a directory of the owner's,
    /// never a symlink, closed to everybody else.
    func prepareDirectory() throws(BerthError) {
        if owner == 0 { try FileSystem.makeDirectories("/run", mode: 0o755) }
        try FileSystem.makeDirectoryIfMissing(directory, mode: 0o700)
        let fd = try FileSystem.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { fd.closeQuietly() }
        let st = try FileSystem.status(of: fd, display: directory)
        guard st.st_uid == owner else {
            throw BerthError(.permissionDenied, "\(directory) belongs to uid \(st.st_uid), not to uid \(owner): another user made it; remove it (its monitors' sockets cannot live there)")
        }
        if st.st_mode & 0o077 != 0 { try FileSystem.setMode(of: fd, 0o700, display: directory) }
    }

    /// What the monitor knows of a client, checked before it reads a request.
    public enum Peer {
        /// Whether the client on `fd` may talk to this monitor: its uid is root's or the
        /// monitor's, and it runs in the monitor's own pid namespace (a process of a container
        /// that reached the socket anyway, through a bind mount of the host's /run, is refused).
        /// The namespace is read through a pidfd of the client, so a recycled pid cannot pass.
        static func isTrusted(_ fd: FileDescriptor) -> Bool {
            guard let (pid, uid) = UnixSocket.peer(fd), uid == 0 || uid == CurrentProcess.realUser else { return false }
            // A pid of 0: the client is in a pid namespace this one cannot see, so not ours.
            guard pid > 0 else { return false }
            let pidfd = UnixSocket.peerPidfd(fd)
            defer { pidfd?.closeQuietly() }
            guard let theirs = FileSystem.status("/proc/\(pid)/ns/pid"), let ours = FileSystem.status("/proc/self/ns/pid"),
                  FileSystem.sameFile(theirs, ours) else { return false }
            // The pid still names the client: its pidfd says it is alive, so not reused.
            return pidfd.map { ProcessControl.signal(pidfd: $0, 0) } ?? true
        }
    }
}
