import SystemPackage

/// The socket calls under rtnetlink: a NETLINK_ROUTE socket, made in this namespace or in
/// another one, and whole datagrams sent and received. `NetlinkSocket` builds requests and reads
/// replies over it.
enum NetlinkChannel {
    /// A NETLINK_ROUTE socket in the calling thread's network namespace, close-on-exec, with
    /// NETLINK_CAP_ACK (errors do not echo the request) and NETLINK_EXT_ACK (the kernel says in
    /// words what it refused) on.
    static func open() throws(BerthError) -> FileDescriptor {
        let fd = FileDescriptor(rawValue: try syscall("socket", "AF_NETLINK") {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)  // NETLINK_ROUTE = 0
        })
        var on: Int32 = 1
        // SOL_NETLINK is 270; NETLINK_CAP_ACK 10, NETLINK_EXT_ACK 11 (not in Swift's Glibc).
        _ = setsockopt(fd.rawValue, 270, 10, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd.rawValue, 270, 11, &on, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// A socket in the network namespace `netns` (an open `/proc/PID/ns/net`). The namespace is
    /// entered only for the `socket` call: a socket stays in the namespace it was made in, and
    /// setns of a network namespace affects the calling thread only.
    static func open(inNamespace netns: FileDescriptor) throws(BerthError) -> FileDescriptor {
        let own = try FileSystem.open("/proc/thread-self/ns/net", O_RDONLY)
        defer { own.closeQuietly() }
        try Namespaces.join(netns, .net, what: "the container's network namespace")
        let made: Result<FileDescriptor, BerthError>
        do throws(BerthError) { made = .success(try open()) } catch { made = .failure(error) }
        // Back before anything else runs in this thread, whether or not the socket was made.
        try? Namespaces.join(own, .net, what: "this process's network namespace")
        switch made {
        case .success(let fd): return fd
        case .failure(let error): throw BerthError(error.code, "\(error.message) (in the container's network namespace)", errno: error.errno)
        }
    }

    /// Sends one datagram; a short or failed send names `what`.
    static func send(_ fd: FileDescriptor, _ bytes: [UInt8], what: String) throws(BerthError) {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd.rawValue, $0.baseAddress, $0.count, 0) }
        if sent != bytes.count { throw BerthError.system("netlink", what, currentErrno) }
    }

    /// Receives one datagram of up to `capacity` bytes (EINTR retried), read straight into the
    /// array's uninitialised storage (FileDescriptor.readOnce; a read of a socket is a recv
    /// without flags): a start receives a dozen replies, and clearing a 64 KB buffer for each
    /// cost more than the replies (rarely over a page).
    static func receive(_ fd: FileDescriptor, capacity: Int, what: String) throws(BerthError) -> [UInt8] {
        while true {
            let (datagram, failure) = fd.readOnce(upTo: capacity)
            if failure == 0 { return datagram }
            if failure == EINTR { continue }
            throw BerthError.system("netlink", what, Errno(rawValue: failure))
        }
    }
}
