import SystemPackage

/// A NETLINK_ROUTE socket in one network namespace: requests that the kernel acknowledges, and
/// dumps. Errors carry the kernel's own explanation where it gives one (extended acks).
final class NetlinkSocket {
    let fd: FileDescriptor
    private var sequence: UInt32 = 1

    private init(fd: FileDescriptor) { self.fd = fd }

    /// A socket in this process's network namespace.
    static func open() throws(BerthError) -> NetlinkSocket { NetlinkSocket(fd: try NetlinkChannel.open()) }

    /// A socket in the network namespace `netns` (an open `/proc/PID/ns/net`).
    static func open(inNamespace netns: FileDescriptor) throws(BerthError) -> NetlinkSocket {
        NetlinkSocket(fd: try NetlinkChannel.open(inNamespace: netns))
    }

    deinit { fd.closeQuietly() }

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

    /// Sends a request for one object and returns the kernel's answer (its family header of
    /// `familySize` bytes and its attributes); nil when the kernel has no such object (ENOENT).
    func fetch(_ message: NetlinkMessage, familySize: Int, _ what: String) throws(BerthError) -> (family: ArraySlice<UInt8>, attributes: NetlinkAttributes)? {
        let seq = nextSequence()
        try send(message.finished(sequence: seq), what)
        while true {
            for reply in try receive(what) where reply.sequence == seq {
                if reply.type == 2 {  // NLMSG_ERROR: a refusal, or an acknowledgement without an object
                    if let failure = error(in: reply, what), failure.errno != .noSuchFileOrDirectory { throw failure }
                    return nil
                }
                guard reply.payload.count >= familySize else { continue }
                let start = reply.payload.startIndex + ((familySize + 3) & ~3)
                return (reply.payload.prefix(familySize), NetlinkAttributes(reply.payload[min(start, reply.payload.endIndex)...]))
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
        try NetlinkChannel.send(fd, bytes, what: what)
    }

    private struct Reply {
        let type: UInt16
        let flags: UInt16
        let sequence: UInt32
        let payload: ArraySlice<UInt8>
    }

    private func receive(_ what: String) throws(BerthError) -> [Reply] {
        let bytes = try NetlinkChannel.receive(fd, capacity: 65_536, what: what)[...]
        let count = bytes.count
        var replies: [Reply] = []
        var offset = 0
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
