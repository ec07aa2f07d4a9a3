/// What a symlink holds, byte for byte: a target need not be UTF-8, and a FilePath would
/// normalize it (`a//b/` to `a/b`, where the trailing slash means "a directory"), so a copy
/// made from either would point elsewhere.
struct SymlinkTarget: SystemCallName {
    /// The bytes, NUL-ended.
    private let bytes: [CChar]

    init(nulEnded bytes: [CChar]) { self.bytes = bytes }

    func withSystemCallName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            // Never empty: it always holds at least the NUL.
            guard let start = buffer.baseAddress else { return "".withCString(body) }
            return body(start)
        }
    }
}
