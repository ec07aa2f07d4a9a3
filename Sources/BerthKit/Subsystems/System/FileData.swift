import CBerthLinux
import SystemPackage

/// Moving file data inside the kernel (reflinks, copy_file_range), in-memory files (sealed
/// copies, and executing one of those).
enum FileData {
    /// FICLONE: `output` shares all of `input`'s blocks (btrfs, xfs); false where the
    /// filesystem cannot.
    static func shareBlocks(of input: FileDescriptor, with output: FileDescriptor) -> Bool { berth_ficlone(output.rawValue, input.rawValue) == 0 }

    /// copy_file_range from both descriptors' offsets: bytes copied, 0 at end of input, -1 with
    /// errno set (EXDEV, EINVAL, ENOSYS where the kernel cannot copy between the two).
    static func copyRange(from input: FileDescriptor, to output: FileDescriptor, count: Int) -> Int { berth_copy_file_range(input.rawValue, output.rawValue, count) }

    /// A sealed memfd copy of `path`: nobody can write it again.
    static func sealedCopy(of path: String) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("making a sealed copy of", path) { berth_sealed_copy(path) })
    }

    /// An anonymous in-memory file (memfd, close-on-exec), for data a library will only write
    /// to a descriptor.
    static func anonymousFile(_ name: String) throws(BerthError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("memfd_create", name) { berth_memfd(name) })
    }

    /// fexecve of `fd` with `arguments` and `environment`; returns only on failure, with the errno.
    static func execute(_ fd: FileDescriptor, arguments: [String], environment: [String]) -> Errno {
        CStringArray(arguments).withPointers { argv in
            CStringArray(environment).withPointers { envp in
                _ = berth_fexecve(fd.rawValue, argv, envp)
                return currentErrno
            }
        }
    }

    /// True when the file open at `fd` is sealed against writing (F_SEAL_WRITE), as a sealed
    /// copy is.
    static func isWriteSealed(_ fd: FileDescriptor) -> Bool {
        let seals = fcntl(fd.rawValue, 1034 /* F_GET_SEALS */)
        return seals >= 0 && seals & 0x0008 /* F_SEAL_WRITE */ != 0
    }
}

extension FileData {
    /// The next region of data at or after `offset` in a sparse file (SEEK_DATA, SEEK_HOLE):
    /// its start and end, nil when only a hole remains.
    static func dataRegion(of fd: FileDescriptor, from offset: off_t, size: off_t) -> (start: off_t, end: off_t)? {
        let start = lseek(fd.rawValue, offset, 3)  // SEEK_DATA; ENXIO past the last data
        guard start >= 0 else { return nil }
        let end = lseek(fd.rawValue, start, 4)  // SEEK_HOLE
        return (start, end < 0 ? size : end)
    }

    /// lseek(2) to `offset` from the start.
    static func seek(_ fd: FileDescriptor, to offset: off_t, display: String) throws(BerthError) {
        guard lseek(fd.rawValue, offset, SEEK_SET) == offset else { throw BerthError.system("lseek", display, currentErrno) }
    }

    /// pread(2) of up to `count` bytes at `offset`: what was read (shorter at end of file).
    static func read(_ fd: FileDescriptor, count: Int, at offset: off_t) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd.rawValue, $0.baseAddress, count, offset) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// pwrite(2) of all of `bytes` at `offset`: false when the file took fewer (or none).
    static func write(_ fd: FileDescriptor, _ bytes: [UInt8], at offset: off_t) -> Bool {
        let n = bytes.withUnsafeBytes { pwrite(fd.rawValue, $0.baseAddress, $0.count, offset) }
        return n == bytes.count
    }
}
