import SystemPackage

/// A NETLINK_ROUTE socket in one network namespace: requests that the kernel acknowledges, and
/// dumps. Errors carry the kernel's own explanation where it gives one (extended acks).
final class NetlinkSocket {
    let fd: Int32
    private var sequence: UInt32 = 1

    private init(fd: Int32) {
        self.fd = fd
        var on: Int32 = 1
        // NETLINK_CAP_ACK (10): errors do not echo the request; NETLINK_EXT_ACK (11): the kernel
        // says in words what it refused.
        _ = setsockopt(fd, 270, 10, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, 270, 11, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A socket in this process's network namespace.
    static func open() throws(BerthError) -> NetlinkSocket {
        NetlinkSocket(fd: try syscall("socket", "AF_NETLINK") {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)  // NETLINK_ROUTE = 0
        })
    }

    /// A socket in the network namespace `netns` (an open `/proc/PID/ns/net`). The namespace is
    /// entered only for the `socket` call: a socket stays in the namespace it was made in, and
    /// setns of a network namespace affects the calling thread only.
    static func open(inNamespace netns: Int32) throws(BerthError) -> NetlinkSocket {
        let own = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard own >= 0 else { throw BerthError.system("open", "/proc/thread-self/ns/net", currentErrno) }
        defer { close(own) }
        try Namespaces.join(netns, .net, what: "the container's network namespace")
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let failure = currentErrno
        // Back before anything else runs in this thread, whether or not the socket was made.
        try? Namespaces.join(own, .net, what: "this process's network namespace")
        guard fd >= 0 else { throw BerthError.system("socket", "AF_NETLINK in the container's network namespace", failure) }
        return NetlinkSocket(fd: fd)
    }

    deinit { close(fd) }

    /// Sends `message` and waits for the kernel's acknowledgement. `what` names the operation
    /// in the error.
    func perform(_ message: NetlinkMessage, _ what: String) throws(BerthError) {
        let seq = nextSequence()
        try send(message.finished(sequence: seq), what)
        while true {
            for reply in try receive(what) where reply.sequence == seq {
                if reply.type == 2 {  // NLMSG_ERROR; 0 is the acknowledgement
                    if let failure = error(in: reply, what) { throw failure }
                    return
                }
            }
        }
    }

    /// Sends a dump request and returns every message of the answer (header and attributes
    /// after the family header of `familySize` bytes).
    func dump(_ message: NetlinkMessage, familySize: Int, _ what: String) throws(BerthError) -> [(family: ArraySlice<UInt8>, attributes: NetlinkAttributes)] {
        let seq = nextSequence()
        try send(message.finished(sequence: seq), what)
        var result: [(ArraySlice<UInt8>, NetlinkAttributes)] = []
        while true {
            for reply in try receive(what) where reply.sequence == seq {
                switch reply.type {
                case 3: return result  // NLMSG_DONE
                case 2:
                    if let failure = error(in: reply, what) { throw failure }
                    return result
                default:
                    guard reply.payload.count >= familySize else { continue }
                    let family = reply.payload.prefix(familySize)
                    let start = reply.payload.startIndex + ((familySize + 3) & ~3)
                    result.append((family, NetlinkAttributes(reply.payload[min(start, reply.payload.endIndex)...])))
                }
            }
        }
    }

    private func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    private func send(_ bytes: [UInt8], _ what: String) throws(BerthError) {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        if sent != bytes.count { throw BerthError.system("netlink", what, currentErrno) }
    }

    private struct Reply {
        let type: UInt16
        let flags: UInt16
        let sequence: UInt32
        let payload: ArraySlice<UInt8>
    }

    private func receive(_ what: String) throws(BerthError) -> [Reply] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var count = 0
        while true {
            count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { break }
            if errno == EINTR { continue }
            throw BerthError.system("netlink", what, currentErrno)
        }
        var replies: [Reply] = []
        var offset = 0
        let bytes = buffer[0..<count]
        while offset + NetlinkMessage.headerSize <= count {
            let length = Int(bytes.readValue(UInt32.self, at: offset))
            guard length >= NetlinkMessage.headerSize, offset + length <= count else { break }
            replies.append(Reply(type: bytes.readValue(UInt16.self, at: offset + 4),
                                 flags: bytes.readValue(UInt16.self, at: offset + 6),
                                 sequence: bytes.readValue(UInt32.self, at: offset + 8),
                                 payload: bytes[(offset + NetlinkMessage.headerSize)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return replies
    }

    /// The error an NLMSG_ERROR reply carries, or nil for an acknowledgement.
    private func error(in reply: Reply, _ what: String) -> BerthError? {
        guard reply.payload.count >= 4 else { return BerthError(.system, "\(what): short netlink reply") }
        let code = reply.payload.readValue(Int32.self, at: reply.payload.startIndex)
        guard code != 0 else { return nil }
        let err = Errno(rawValue: -code)
        // With NETLINK_CAP_ACK the reply holds the error, the request's 16-byte header, then
        // the extended-ack attributes (NLMSGERR_ATTR_MSG = 1), flagged by NLM_F_ACK_TLVS.
        var detail = ""
        let tlvStart = reply.payload.startIndex + 4 + NetlinkMessage.headerSize
        if reply.flags & 0x200 != 0, tlvStart < reply.payload.endIndex,
           let text = NetlinkAttributes(reply.payload[tlvStart...]).string(1), !text.isEmpty {
            detail = " (\(text))"
        }
        return BerthError(.system, "\(what): \(err.berthDescription)\(detail)", errno: err)
    }
}
