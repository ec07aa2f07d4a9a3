/// Parsing of the IPv4 and IPv6 addresses `lxc.net.N.ipv4.*`/`ipv6.*` hold.
public enum IPAddress {
    /// Four octets, or nil.
    public static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
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

    /// `ADDR/PREFIX [BROADCAST]` as `lxc.net.N.ipv4.address` takes it; nil when well-formed.
    static func checkIPv4WithPrefix(_ value: String) -> String? {
        let fields = value.split(separator: " ")
        guard (1...2).contains(fields.count) else { return "expected 'ADDRESS/PREFIX [BROADCAST]', got '\(value)'" }
        let cidr = fields[0].split(separator: "/", omittingEmptySubsequences: false)
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
