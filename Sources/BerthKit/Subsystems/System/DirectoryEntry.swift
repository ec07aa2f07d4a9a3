import CBerthLinux
import SystemPackage

/// One entry of a directory as getdents64 lists it: its name as the directory holds it (bytes,
/// whatever they are, kept in a FilePath; a single name holds no separator, so nothing of it is
/// normalized), and whether it may be a directory (its type says so, or the filesystem does not
/// say). Tree walks over a container's files (removal, copies, ownership shifts) use these
/// names for their calls, so a name that is not UTF-8 is reached as it is.
struct DirectoryEntry {
    let name: FilePath
    let mayBeDirectory: Bool

    /// The name decoded for messages (bytes that are not UTF-8 repaired).
    var display: String { name.description }

    /// The entries of the directory open at `fd` (not `.` and `..`), read with getdents64 from
    /// its current offset (a directory just opened: all of them).
    static func all(in fd: Int32, path: String) throws(BerthError) -> [DirectoryEntry] {
        var result: [DirectoryEntry] = []
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { berth_read_directory(fd, $0.baseAddress, UInt($0.count)) }
            if count < 0 { throw BerthError.system("getdents64", path, currentErrno) }
            if count == 0 { return result }
            buffer.withUnsafeBytes { raw in
                // linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name
                // (NUL-ended), each record d_reclen long.
                var offset = 0
                while offset + 19 <= count {
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
                    guard length > 19, offset + length <= count else { break }
                    let type = raw[offset + 18]
                    let name = raw[(offset + 19)..<(offset + length)].prefix { $0 != 0 }
                    let isDot = name.elementsEqual([UInt8(ascii: ".")]) || name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
                    if !name.isEmpty && !isDot {
                        let nulEnded = name.map { CChar(bitPattern: $0) } + [0]
                        let path = nulEnded.withUnsafeBufferPointer { bytes in bytes.baseAddress.map { FilePath(platformString: $0) } }
                        if let path {
                            result.append(DirectoryEntry(name: path, mayBeDirectory: type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN)))
                        }
                    }
                    offset += length
                }
            }
        }
    }
}
