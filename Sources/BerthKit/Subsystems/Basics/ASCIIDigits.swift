/// Numbers written as ASCII digits straight into a byte buffer. The standard library's
/// `String(_:radix:)` and `joined(separator:)` are generic: a process's first call of each looks
/// its witnesses up by name through the whole binary (about 50 microseconds here), and a start
/// and a destroy format a MAC address, an IPv4 address and a hash or two on their way.
enum ASCIIDigits {
    /// The low `count` hex digits of `value`, lower case, leading zeros kept.
    static func appendHex(_ value: UInt64, count: Int, to text: inout [UInt8]) {
        for shift in stride(from: 4 * (count - 1), through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0x0f
            text.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// The low `count` hex digits of `value` as a string (a hash in a file or cgroup name).
    static func hex(_ value: UInt64, count: Int) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(count)
        appendHex(value, count: count, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `byte` is one of the ASCII digits 0-9 (a number read from /proc or a mark file).
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `value` in decimal, without leading zeros.
    static func appendDecimal(_ value: UInt8, to text: inout [UInt8]) {
        if value >= 100 { text.append(UInt8(ascii: "0") + value / 100) }
        if value >= 10 { text.append(UInt8(ascii: "0") + value / 10 % 10) }
        text.append(UInt8(ascii: "0") + value % 10)
    }
}
