import SystemPackage

/// A name or path handed to a system call exactly as it is: a String as its UTF-8, or a
/// FilePath as its bytes. A directory entry is listed as a FilePath (see
/// FileSystem.entries(inDirectory:path:)), because a container's root may name a file with
/// bytes that are not UTF-8, which a String cannot hold: decoded, the name is repaired into
/// another one, and a copy, a snapshot or an ownership shift of that tree fails or misses it.
protocol SystemCallName {
    /// Calls `body` with the NUL-ended bytes.
    func withSystemCallName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result
}

extension String: SystemCallName {
    func withSystemCallName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result { withCString(body) }
}

extension FilePath: SystemCallName {
    func withSystemCallName<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result { withPlatformString(body) }
}
