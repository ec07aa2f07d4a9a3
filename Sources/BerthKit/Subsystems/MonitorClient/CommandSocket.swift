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
    let lockPath: String
    let directory: String
    /// The uid whose monitors serve this directory (the caller's effective uid).
    let owner: uid_t

    public init(paths: ContainerPaths) {
        owner = geteuid()
        directory = CommandSocket.runtimeDirectory(uid: owner)
        var stem = "\(paths.name.value).\(CommandSocket.hash(paths.lxcpath))"
        if directory.utf8.count + 1 + stem.utf8.count + 5 > 107 {
            stem = "c." + CommandSocket.hash("\(paths.lxcpath)/\(paths.name.value)")
        }
        path = "\(directory)/\(stem).sock"
        lockPath = "\(directory)/\(stem).lock"
    }

    /// Where `uid`'s command sockets live.
    static func runtimeDirectory(uid: uid_t) -> String {
        if uid == 0 { return "/run/berth" }
        var st = stat()
        let userRuntime = "/run/user/\(uid)"
        if lstat(userRuntime, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == uid { return userRuntime + "/berth" }
        return "/tmp/berth-\(uid)"
    }

    static func hash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A monitor's hold on the socket: the listening descriptor and the lock.
    public struct Listener: Sendable {
        public let fd: Int32
        let lockFD: Int32
        let path: String
        let lockPath: String

        /// Removes the socket file and the lock file, then releases the lock (in that order:
        /// once the lock is free a new monitor may bind the same path).
        public func close() {
            unlink(path)
            Glibc.close(fd)
            unlink(lockPath)
            Glibc.close(lockFD)
        }
    }

    /// Takes the lock and listens. nil when another monitor holds the lock (the container runs).
    public func listen() throws(BerthError) -> Listener? {
        try prepareDirectory()
        guard let lockFD = try lock() else { return nil }
        // A socket file left by a monitor that was killed: nobody listens on it any more (whoever
        // did held the lock this process now holds).
        unlink(path)
        let fd: Int32
        do throws(BerthError) { fd = try UnixSocket.listen(at: path) } catch {
            Glibc.close(lockFD)
            throw error
        }
        return Listener(fd: fd, lockFD: lockFD, path: path, lockPath: lockPath)
    }

    /// Takes the lock file: nil when another monitor holds it. A monitor removes its lock file
    /// when it ends, so the file locked must still be the one at the path (else it was removed
    /// between open and flock, and the lock protects nothing): checked, and taken again.
    func lock() throws(BerthError) -> Int32? {
        while true {
            let fd = try syscall("open", lockPath) { open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let error = currentErrno
                Glibc.close(fd)
                if error == .wouldBlock || error == .resourceTemporarilyUnavailable { return nil }
                throw BerthError.system("flock", lockPath, error)
            }
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, lstat(lockPath, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                return fd
            }
            Glibc.close(fd)
        }
    }

    /// Removes the socket and lock files a killed monitor left (a monitor that ends removes its
    /// own), when no monitor holds the lock; for destroy, so that names no longer in use leave
    /// nothing in the runtime directory. A monitor starting meanwhile finds its lock file gone
    /// and takes a new one (see `lock`).
    public func removeIfStale() {
        guard FileSystem.exists(lockPath) || FileSystem.exists(path), let fd = try? lock() else { return }
        unlink(path)
        unlink(lockPath)
        Glibc.close(fd)
    }

    /// Connects; nil when no monitor listens (the container is stopped). A socket served by
    /// anybody but the directory's owner (or root) is refused, not believed.
    public func connect() throws(BerthError) -> Int32? {
        let fd = UnixSocket.connect(to: path)
        guard fd >= 0 else {
            if errno == ECONNREFUSED || errno == ENOENT || errno == ENOTDIR { return nil }
            throw BerthError.system("connect", path, currentErrno)
        }
        let uid = UnixSocket.peer(fd)?.uid
        guard uid == owner || uid == 0 else {
            Glibc.close(fd)
            throw BerthError(.permissionDenied, "\(path) is served by uid \(uid.map(String.init) ?? "unknown"), not by a monitor of uid \(owner); refusing to talk to it")
        }
        return fd
    }

    /// Makes the runtime directory (0700) or checks the one there: a directory of the owner's,
    /// never a symlink, closed to everybody else.
    func prepareDirectory() throws(BerthError) {
        if owner == 0 { try FileSystem.makeDirectories("/run", mode: 0o755) }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw BerthError.system("mkdir", directory, currentErrno)
        }
        let fd = try syscall("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { Glibc.close(fd) }
        var st = stat()
        try syscall("fstat", directory) { fstat(fd, &st) }
        guard st.st_uid == owner else {
            throw BerthError(.permissionDenied, "\(directory) belongs to uid \(st.st_uid), not to uid \(owner): another user made it; remove it (its monitors' sockets cannot live there)")
        }
        if st.st_mode & 0o077 != 0 { try syscall("chmod", directory) { fchmod(fd, 0o700) } }
    }

    /// What the monitor knows of a client, checked before it reads a request.
    public enum Peer {
        /// Whether the client on `fd` may talk to this monitor: its uid is root's or the
        /// monitor's, and it runs in the monitor's own pid namespace (a process of a container
        /// that reached the socket anyway, through a bind mount of the host's /run, is refused).
        /// The namespace is read through a pidfd of the client, so a recycled pid cannot pass.
        static func isTrusted(_ fd: Int32) -> Bool {
            guard let (pid, uid) = UnixSocket.peer(fd), uid == 0 || uid == getuid() else { return false }
            // A pid of 0: the client is in a pid namespace this one cannot see, so not ours.
            guard pid > 0 else { return false }
            let pidfd = UnixSocket.peerPidfd(fd)
            defer { if let pidfd { Glibc.close(pidfd) } }
            var theirs = stat(), ours = stat()
            guard stat("/proc/\(pid)/ns/pid", &theirs) == 0, stat("/proc/self/ns/pid", &ours) == 0,
                  theirs.st_ino == ours.st_ino, theirs.st_dev == ours.st_dev else { return false }
            // The pid still names the client: its pidfd says it is alive, so not reused.
            return pidfd.map { ProcessControl.signal(pidfd: $0, 0) } ?? true
        }
    }
}
