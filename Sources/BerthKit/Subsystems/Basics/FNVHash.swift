/// FNV-1a, 64 bits, written as 16 hex digits: a short, stable name for a longer text (a command
/// socket's lxcpath, a seccomp program's key). Not a defence against anyone choosing inputs:
/// callers that must not confuse two inputs keep and compare the input itself.
enum FNVHash {
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0100_0000_01b3 }
        return ASCIIDigits.hex(value, count: 16)
    }
}
