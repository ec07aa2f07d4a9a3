/// Parsing of the IPv4 and IPv6 addresses `lxc.net.N.ipv4.*`/`ipv6.*` hold.
public enum IPAddress {
    /// Four octets, or nil.
    public static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.splitBytes(UInt8(ascii: "."), omittingEmpty: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let n = UInt8(part) else { return nil }
            octets.append(n)
        }
        return octets
    }

    /// Sixteen bytes, or nil. Accepts `::` compression and a trailing dotted IPv4 part.
    public static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(String(piece)) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
                result.append(g)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// Dotted quad.
    /// Dotted decimal, written out by hand (see ASCIIDigits).
    public static func formatIPv4(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 4)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ".")) }
            ASCIIDigits.appendDecimal(byte, to: &text)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// RFC 5952 text: lower case, the longest run of two or more zero groups as `::`.
    public static func formatIPv6(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return "" }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (i, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        return text[0..<best.start].joined(separator: ":") + "::" + text[(best.start + best.length)...].joined(separator: ":")
    }

    /// The broadcast address of `address/prefix`; nil for /31 and /32, which have none.
    public static func broadcast(_ address: [UInt8], prefix: Int) -> [UInt8]? {
        guard prefix < 31 else { return nil }
        return (0..<4).map { i in address[i] | ~mask(prefix)[i] }
    }

    /// The network mask of an IPv4 prefix length, as four bytes.
    public static func mask(_ prefix: Int) -> [UInt8] {
        let bits: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return [UInt8(bits >> 24), UInt8(bits >> 16 & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits & 0xff)]
    }

    /// True when `address` lies in `network/prefix` (IPv4 or IPv6, both of one family).
    public static func contains(network: [UInt8], prefix: Int, _ address: [UInt8]) -> Bool {
        guard network.count == address.count else { return false }
        var left = prefix
        for i in 0..<network.count {
            let bits = min(8, max(0, left))
            let byteMask: UInt8 = bits == 0 ? 0 : ~UInt8(0) << UInt8(8 - bits)
            if network[i] & byteMask != address[i] & byteMask { return false }
            left -= 8
        }
        return true
    }

    /// `ADDR/PREFIX [BROADCAST]` (IPv4) or `ADDR/PREFIX` (IPv6) split into its parts. The prefix
    /// defaults to 24 for IPv4 (as LXC) and 64 for IPv6; nil when malformed.
    public static func parseCIDR(_ text: String, ipv6: Bool) -> (address: [UInt8], prefix: Int, broadcast: [UInt8]?)? {
        let fields = text.splitBytes(UInt8(ascii: " "))
        guard let first = fields.first, fields.count <= (ipv6 ? 1 : 2) else { return nil }
        let cidr = first.splitBytes(UInt8(ascii: "/"), omittingEmpty: false)
        guard cidr.count <= 2, let address = ipv6 ? parseIPv6(String(cidr[0])) : parseIPv4(String(cidr[0])) else { return nil }
        var prefix = ipv6 ? 64 : 24
        if cidr.count == 2 {
            guard let number = Int(cidr[1]), (0...(ipv6 ? 128 : 32)).contains(number) else { return nil }
            prefix = number
        }
        var broadcast: [UInt8]?
        if fields.count == 2 {
            guard let given = parseIPv4(String(fields[1])) else { return nil }
            broadcast = given
        } else if !ipv6 {
            broadcast = Self.broadcast(address, prefix: prefix)
        }
        return (address, prefix, broadcast)
    }

    /// `ADDR/PREFIX [BROADCAST]` as `lxc.net.N.ipv4.address` takes it; nil when well-formed.
    static func checkIPv4WithPrefix(_ value: String) -> String? {
        let fields = value.splitBytes(UInt8(ascii: " "))
        guard (1...2).contains(fields.count) else { return "expected 'ADDRESS/PREFIX [BROADCAST]', got '\(value)'" }
        let cidr = fields[0].splitBytes(UInt8(ascii: "/"), omittingEmpty: false)
        guard parseIPv4(String(cidr[0])) != nil else { return "'\(cidr[0])' is not an IPv4 address" }
        if cidr.count == 2 {
            guard let prefix = Int(cidr[1]), (0...32).contains(prefix) else { return "'\(cidr[1])' is not an IPv4 prefix length (0-32)" }
        } else if cidr.count > 2 {
            return "'\(fields[0])' has more than one '/'"
        }
        if fields.count == 2, parseIPv4(String(fields[1])) == nil { return "broadcast '\(fields[1])' is not an IPv4 address" }
        return nil
    }

    /// `ADDR/PREFIX` for IPv6; nil when well-formed.
    static func checkIPv6WithPrefix(_ value: String) -> String? {
        let cidr = value.split(separator: "/", omittingEmptySubsequences: false)
        guard cidr.count <= 2, parseIPv6(String(cidr[0])) != nil else { return "'\(value)' is not an IPv6 address" }
        if cidr.count == 2 {
            guard let prefix = Int(cidr[1]), (0...128).contains(prefix) else { return "'\(cidr[1])' is not an IPv6 prefix length (0-128)" }
        }
        return nil
    }
}

extension String {
    /// Splits at the first `::` only (IPv6 allows one).
    fileprivate func components(separatedByDoubleColon: Void) -> [Substring] {
        var result: [Substring] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: "::") {
            result.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}
