import CBerthLinux
import SystemPackage

/// Unix stream sockets as Berth uses them: filesystem addresses, descriptors passed along
/// (SCM_RIGHTS), and who is at the other end (SO_PEERCRED, SO_PEERPIDFD).
enum UnixSocket {
    /// Listens at `path` (nothing may be there); the descriptor, close-on-exec.
    static func listen(at path: String) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("bind", path) { berth_listen_path(path) })
    }

    /// Connects to `path`: the descriptor, or nil with errno set (ENOENT, ECONNREFUSED: nobody
    /// listens).
    static func connect(to path: String) -> FileDescriptor? {
        let fd = berth_connect_path(path)
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }

    /// Connects a datagram socket to `path` (a syslog socket): the descriptor, or nil with
    /// errno set.
    static func connectDatagram(to path: String) -> FileDescriptor? {
        let fd = berth_connect_path_of_type(path, Int32(SOCK_DGRAM.rawValue))
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }

    /// A connected pair of stream sockets, both close-on-exec.
    static func pair(display: String) throws(BerthError) -> (FileDescriptor, FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        try syscall("socketpair", display) { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// accept(2) of one waiting client, made close-on-exec (the caller is single-threaded, so
    /// no exec comes between): nil when none waits or on error.
    static func accept(_ listener: FileDescriptor) -> FileDescriptor? {
        let fd = Glibc.accept(listener.rawValue, nil, nil)
        guard fd >= 0 else { return nil }
        let client = FileDescriptor(rawValue: fd)
        client.setCloseOnExec()
        return client
    }

    /// SO_RCVTIMEO: a read that waits longer than `seconds` fails (EAGAIN) instead.
    static func setReceiveTimeout(_ socket: FileDescriptor, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(socket.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends `bytes`, with `descriptor` attached when given: the bytes sent, or -1.
    static func send(_ socket: FileDescriptor, _ bytes: ArraySlice<UInt8>, passing descriptor: FileDescriptor? = nil) -> Int {
        bytes.withUnsafeBytes { berth_send_with_fd(socket.rawValue, $0.baseAddress, $0.count, descriptor?.rawValue ?? -1) }
    }

    /// Receives up to `buffer.count` bytes and a descriptor if one came: the count (0 at end of
    /// file, -1 on error) and the descriptor (close-on-exec).
    static func receive(_ socket: FileDescriptor, into buffer: inout [UInt8]) -> (count: Int, descriptor: FileDescriptor?) {
        var fd: Int32 = -1
        let n = buffer.withUnsafeMutableBytes { berth_recv_with_fd(socket.rawValue, $0.baseAddress, $0.count, &fd) }
        return (n, fd >= 0 ? FileDescriptor(rawValue: fd) : nil)
    }

    /// The pid (in this pid namespace; 0 when not visible here) and uid of the peer.
    static func peer(_ socket: FileDescriptor) -> (pid: pid_t, uid: uid_t)? {
        var pid: pid_t = 0
        var uid: uid_t = 0
        return berth_peer_credentials(socket.rawValue, &pid, &uid) == 0 ? (pid, uid) : nil
    }

    /// A pidfd for the peer (Linux 6.5), or nil where the kernel has none.
    static func peerPidfd(_ socket: FileDescriptor) -> FileDescriptor? {
        let fd = berth_peer_pidfd(socket.rawValue)
        return fd >= 0 ? FileDescriptor(rawValue: fd) : nil
    }
}
