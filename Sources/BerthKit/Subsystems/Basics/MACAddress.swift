/// MAC addresses for `lxc.net.N.hwaddr`, where `x` digits are random and filled in at create
/// time (`10:66:6a:xx:xx:xx`).
public enum MACAddress {
    /// True for six colon-separated pairs of hex digits or `x`.
    public static func isPattern(_ text: String) -> Bool {
        let parts = text.splitBytes(UInt8(ascii: ":"), omittingEmpty: false)
        guard parts.count == 6 else { return false }
        return parts.allSatisfy { part in
            part.count == 2 && part.allSatisfy { $0.isHexDigit || $0 == "x" || $0 == "X" }
        }
    }

    /// Six bytes from `aa:bb:cc:dd:ee:ff`, or nil.
    public static func parse(_ text: String) -> [UInt8]? {
        let parts = text.splitBytes(UInt8(ascii: ":"), omittingEmpty: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// `aa:bb:cc:dd:ee:ff` (or with another `separator`), written out by hand (see ASCIIDigits).
    public static func format(_ bytes: [UInt8], separator: UInt8 = UInt8(ascii: ":")) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(separator) }
            ASCIIDigits.appendHex(UInt64(byte), count: 2, to: &text)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Replaces every `x` with a random hex digit. The first octet keeps the locally
    /// administered bit set and the multicast bit clear, as a generated address must.
    public static func expand<G: RandomNumberGenerator>(_ pattern: String, using generator: inout G) -> String {
        let hex = Array("0123456789abcdef")
        var octets = pattern.lowercased().split(separator: ":").map { octet in
            String(octet.map { $0 == "x" ? hex[Int.random(in: 0..<16, using: &generator)] : $0 })
        }
        if pattern.prefix(2).lowercased().contains("x"), let first = UInt8(octets[0], radix: 16) {
            let fixed = (first & 0xfe) | 0x02
            let text = String(fixed, radix: 16)
            octets[0] = text.count == 1 ? "0" + text : text
        }
        return octets.joined(separator: ":")
    }

    public static func expand(_ pattern: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return expand(pattern, using: &generator)
    }
}
