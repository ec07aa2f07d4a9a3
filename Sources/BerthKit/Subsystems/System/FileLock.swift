import SystemPackage

/// An exclusive `flock(2)` lock on a lock file, held until `release()` or until the process
/// ends (the kernel drops it then, so a killed command never leaves a stale lock).
///
/// The lock file may be removed by its holder (`releaseAndRemove()`, used when a container is
/// destroyed). A waiter that then gets the lock would hold a lock on a name nobody else can
/// see; so after every acquisition the lock checks that the path still names the file it locked,
/// and starts again when it does not.
public final class FileLock {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock, waiting up to `timeout` seconds (nil waits for ever, 0 does not wait).
    /// `what` names the locked thing in the error ("container web1").
    public static func acquire(_ path: String, timeout: Double?, what: String) throws(BerthError) -> FileLock {
        let start = monotonicSeconds()
        var pause: UInt32 = 1_000  // µs; grows to 50 ms so a long wait costs little CPU
        while true {
            let fd = try syscall("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                if stillNamed(path, fd) { return FileLock(path: path, fd: fd) }
                close(fd)  // the holder removed it while we waited: lock the new file instead
                continue
            }
            let err = currentErrno
            close(fd)
            guard err == .wouldBlock || err == .interrupted else {
                throw BerthError.system("flock", path, err)
            }
            if let timeout, monotonicSeconds() - start >= timeout {
                throw BerthError(.busy, "\(what) is locked by another command (lock \(path)); try again later")
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    private static func stillNamed(_ path: String, _ fd: Int32) -> Bool {
        var byFD = stat()
        var byPath = stat()
        guard fstat(fd, &byFD) == 0, stat(path, &byPath) == 0 else { return false }
        return byFD.st_dev == byPath.st_dev && byFD.st_ino == byPath.st_ino
    }

    /// Drops the lock.
    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// Removes the lock file, then drops the lock. Order matters: removing first means that a
    /// waiter which gets the lock next finds the path gone or replaced and retries.
    public func releaseAndRemove() {
        guard fd >= 0 else { return }
        unlink(path)
        release()
    }

    deinit { release() }
}

/// Seconds on the monotonic clock, for timeouts.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
