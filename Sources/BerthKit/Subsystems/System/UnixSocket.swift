import CBerthLinux

/// Unix stream sockets as Berth uses them: filesystem addresses, descriptors passed along
/// (SCM_RIGHTS), and who is at the other end (SO_PEERCRED, SO_PEERPIDFD).
enum UnixSocket {
    /// Listens at `path` (nothing may be there); the descriptor, close-on-exec.
    static func listen(at path: String) throws(BerthError) -> Int32 {
        try syscall("bind", path) { berth_listen_path(path) }
    }

    /// Connects to `path`: the descriptor, or -1 with errno set (ENOENT, ECONNREFUSED: nobody
    /// listens).
    static func connect(to path: String) -> Int32 { berth_connect_path(path) }

    /// Sends `bytes`, with `descriptor` attached when given: the bytes sent, or -1.
    static func send(_ socket: Int32, _ bytes: ArraySlice<UInt8>, passing descriptor: Int32? = nil) -> Int {
        bytes.withUnsafeBytes { berth_send_with_fd(socket, $0.baseAddress, $0.count, descriptor ?? -1) }
    }

    /// Receives up to `buffer.count` bytes and a descriptor if one came: the count (0 at end of
    /// file, -1 on error) and the descriptor (close-on-exec).
    static func receive(_ socket: Int32, into buffer: inout [UInt8]) -> (count: Int, descriptor: Int32?) {
        var fd: Int32 = -1
        let n = buffer.withUnsafeMutableBytes { berth_recv_with_fd(socket, $0.baseAddress, $0.count, &fd) }
        return (n, fd >= 0 ? fd : nil)
    }

    /// The pid (in this pid namespace; 0 when not visible here) and uid of the peer.
    static func peer(_ socket: Int32) -> (pid: pid_t, uid: uid_t)? {
        var pid: pid_t = 0
        var uid: uid_t = 0
        return berth_peer_credentials(socket, &pid, &uid) == 0 ? (pid, uid) : nil
    }

    /// A pidfd for the peer (Linux 6.5), or nil where the kernel has none.
    static func peerPidfd(_ socket: Int32) -> Int32? {
        let fd = berth_peer_pidfd(socket)
        return fd >= 0 ? fd : nil
    }
}
