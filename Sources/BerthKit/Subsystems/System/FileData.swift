import CBerthLinux

/// Moving file data inside the kernel (reflinks, copy_file_range), sealed in-memory copies,
/// and executing one of those.
enum FileData {
    /// FICLONE: `output` shares all of `input`'s blocks (btrfs, xfs); false where the
    /// filesystem cannot.
    static func shareBlocks(of input: Int32, with output: Int32) -> Bool { berth_ficlone(output, input) == 0 }

    /// copy_file_range from both descriptors' offsets: bytes copied, 0 at end of input, -1 with
    /// errno set (EXDEV, EINVAL, ENOSYS where the kernel cannot copy between the two).
    static func copyRange(from input: Int32, to output: Int32, count: Int) -> Int { berth_copy_file_range(input, output, count) }

    /// A sealed memfd copy of `path`: nobody can write it again.
    static func sealedCopy(of path: String) throws(BerthError) -> Int32 {
        try syscall("making a sealed copy of", path) { berth_sealed_copy(path) }
    }

    /// fexecve of `fd`; returns only on failure, with the errno.
    static func execute(_ fd: Int32, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>, _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
        _ = berth_fexecve(fd, argv, envp)
        return errno
    }
}
