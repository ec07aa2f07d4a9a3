/// One rtnetlink request being built: the 16-byte `nlmsghdr`, the family header of its type
/// (`ifinfomsg`, `ifaddrmsg`, `rtmsg`) and a list of attributes, possibly nested. Integers are in
/// host byte order as the kernel expects, except addresses, which are given as their bytes.
struct NetlinkMessage {
    static let headerSize = 16

    // Message types and flags (linux/rtnetlink.h, linux/netlink.h).
    static let newLink: UInt16 = 16, deleteLink: UInt16 = 17, getLink: UInt16 = 18, setLink: UInt16 = 19
    static let newAddress: UInt16 = 20, getAddress: UInt16 = 22
    static let newRoute: UInt16 = 24
    static let newNeighbour: UInt16 = 28, deleteNeighbour: UInt16 = 29, getNeighbour: UInt16 = 30
    static let request: UInt16 = 0x1, acknowledge: UInt16 = 0x4
    static let replace: UInt16 = 0x100, exclusive: UInt16 = 0x200, create: UInt16 = 0x400, dump: UInt16 = 0x300

    private(set) var bytes: [UInt8]
    private var nests: [Int] = []

    init(type: UInt16, flags: UInt16) {
        bytes = [UInt8](repeating: 0, count: Self.headerSize)
        bytes.replace(at: 4, with: type)
        bytes.replace(at: 6, with: flags | Self.request)
    }

    /// `struct ifinfomsg`: family (AF_BRIDGE for a bridge port's VLANs), type, index, flags, change.
    mutating func appendLinkHeader(family: UInt8 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        bytes += [family, 0, 0, 0]
        bytes.appendValue(index)
        bytes.appendValue(flags)
        bytes.appendValue(change)
    }

    /// `struct ifaddrmsg`: family, prefix length, flags, scope, index.
    mutating func appendAddressHeader(family: UInt8, prefix: UInt8, flags: UInt8 = 0, index: Int32) {
        bytes += [family, prefix, flags, 0]
        bytes.appendValue(UInt32(bitPattern: index))
    }

    /// `struct rtmsg` for a route in the main table.
    mutating func appendRouteHeader(family: UInt8, destinationPrefix: UInt8, scope: UInt8) {
        let mainTable: UInt8 = 254, staticProtocol: UInt8 = 4, unicast: UInt8 = 1
        bytes += [family, destinationPrefix, 0, 0, mainTable, staticProtocol, scope, unicast]
        bytes.appendValue(UInt32(0))
    }

    /// `struct ndmsg`: family, index, state (NUD_PERMANENT unless said), flags (NTF_PROXY for a
    /// proxy entry), type.
    mutating func appendNeighbourHeader(family: UInt8, index: Int32, flags: UInt8, state: UInt16 = 0x80) {
        bytes += [family, 0, 0, 0]
        bytes.appendValue(index)
        bytes.appendValue(state)
        bytes += [flags, 0]
    }

    mutating func append(_ type: UInt16, bytes payload: [UInt8]) {
        bytes.appendValue(UInt16(4 + payload.count))
        bytes.appendValue(type)
        bytes += payload
        pad()
    }

    mutating func append(_ type: UInt16, _ value: UInt32) { append(type, bytes: value.nativeBytes) }
    mutating func append(_ type: UInt16, _ value: Int32) { append(type, bytes: value.nativeBytes) }
    /// A NUL-terminated string attribute (interface names, link kinds).
    mutating func append(_ type: UInt16, string: String) { append(type, bytes: Array(string.utf8) + [0]) }

    /// Starts a nested attribute; everything appended until `endNest` goes inside it.
    mutating func beginNest(_ type: UInt16) {
        nests.append(bytes.count)
        bytes.appendValue(UInt16(0))
        bytes.appendValue(type | 0x8000)  // NLA_F_NESTED
    }

    mutating func endNest() {
        guard let start = nests.popLast() else { return }
        bytes.replace(at: start, with: UInt16(bytes.count - start))
    }

    /// The finished message with its length and sequence number filled in.
    func finished(sequence: UInt32) -> [UInt8] {
        var result = bytes
        result.replace(at: 0, with: UInt32(result.count))
        result.replace(at: 8, with: sequence)
        return result
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }
}

/// The attributes of one received message, by type (the last one wins for repeated types).
struct NetlinkAttributes {
    /// The message's attribute bytes, kept as they came.
    private let bytes: ArraySlice<UInt8>
    /// Each attribute's type and where its payload lies in `bytes` (indices of its base). An
    /// attribute is copied out only when asked for: a link in a dump carries some fifty, of
    /// which a reader wants two or three, and copying each into a dictionary cost `berth-info`
    /// about 16,000 instructions a link.
    private var places: [(type: UInt16, range: Range<Int>)] = []

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(bytes.readValue(UInt16.self, at: offset))
            let type = bytes.readValue(UInt16.self, at: offset + 2) & 0x3fff
            guard length >= 4, offset + length <= bytes.endIndex else { break }
            places.append((type, (offset + 4)..<(offset + length)))
            offset += (length + 3) & ~3
        }
    }

    /// The payload of the attribute `type` (the last one, if the message repeats it).
    subscript(type: UInt16) -> [UInt8]? { payload(type).map { Array($0) } }

    private func payload(_ type: UInt16) -> ArraySlice<UInt8>? {
        places.last { $0.type == type }.map { bytes[$0.range] }
    }

    func string(_ type: UInt16) -> String? {
        guard let raw = payload(type) else { return nil }
        return String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    func uint32(_ type: UInt16) -> UInt32? {
        guard let raw = payload(type), raw.count >= 4 else { return nil }
        return raw.readValue(UInt32.self, at: raw.startIndex)
    }
}

extension FixedWidthInteger {
    var nativeBytes: [UInt8] { Swift.withUnsafeBytes(of: self) { Array($0) } }
}

extension Array where Element == UInt8 {
    mutating func appendValue<T: FixedWidthInteger>(_ value: T) { self += value.nativeBytes }

    mutating func replace<T: FixedWidthInteger>(at offset: Int, with value: T) {
        replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: value.nativeBytes)
    }
}

extension ArraySlice where Element == UInt8 {
    /// A host-order integer at `offset` (an index into the slice's base).
    func readValue<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        Swift.withUnsafeMutableBytes(of: &value) { target in
            for i in 0..<MemoryLayout<T>.size { target[i] = self[offset + i] }
        }
        return value
    }
}
