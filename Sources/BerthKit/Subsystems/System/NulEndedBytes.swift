/// Bytes exactly as the kernel gave them, NUL-ended, for a call that takes them back: a
/// symlink's target or an extended attribute's name. Neither need be UTF-8 (a String would
/// repair it into other bytes), and a FilePath would normalize a target (`a//b/` to `a/b`,
/// where the trailing slash means "a directory"), so a copy made from either would differ.
struct NulEndedBytes: SystemCallName {
    /// The bytes, NUL-ended.
    private let bytes: [CChar]

    /// `bytes` without their NUL.
    init(_ bytes: some Collection<CChar>) { self.bytes = Array(bytes) + [0] }

    /// The bytes decoded for messages (bytes that are not UTF-8 repaired).
    var display: String { String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }

    func withSystemCallName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            // Never empty: it always holds at least the NUL.
            guard let start = buffer.baseAddress else { return "".withCString(body) }
            return body(start)
        }
    }
}
