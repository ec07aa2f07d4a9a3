/// Copies a directory tree exactly, as a container's root filesystem needs it: every file
/// type (devices, fifos, sockets, symlinks), hard links kept as hard links, holes kept as holes,
/// owner, mode (setuid bits too), extended attributes (ACLs and file capabilities among them)
/// and timestamps. File data is shared with a reflink where the filesystem can (btrfs, xfs), or
/// copied inside the kernel with copy_file_range; nothing is read into this process unless the
/// kernel cannot copy between the two filesystems.
///
/// The destination must not exist. A failure throws naming the path; the caller removes the
/// partial copy.
struct TreeCopier {
    /// What was copied, for reports.
    private(set) var files = 0
    private(set) var bytes: UInt64 = 0
    private var linked: [HardLink: String] = [:]
    private let destinationRoot: String

    private struct HardLink: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private init(destinationRoot: String) { self.destinationRoot = destinationRoot }

    /// Copies the directory `source` to the new path `destination`, or with `into` into the
    /// existing empty directory `destination` (a btrfs subvolume just made, say).
    @discardableResult
    static func copy(_ source: String, to destination: String, into: Bool = false) throws(BerthError) -> TreeCopier {
        var copier = TreeCopier(destinationRoot: destination)
        var st = stat()
        try syscall("lstat", source) { lstat(source, &st) }
        guard FileSystem.kind(of: st.st_mode) == .directory else {
            throw BerthError(.invalidArgument, "\(source) is not a directory")
        }
        let sourceFD = try syscall("open", source) { open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(sourceFD) }
        if !into { try syscall("mkdir", destination) { mkdir(destination, 0o700) } }
        let destinationFD = try syscall("open", destination) { open(destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(destinationFD) }
        try copier.copyContents(sourceFD, source, destinationFD, destination)
        try copier.finish(destinationFD, destination, st, attributes: (source, destination))
        return copier
    }

    private mutating func copyContents(_ sourceFD: Int32, _ source: String, _ destinationFD: Int32, _ destination: String) throws(BerthError) {
        for name in try FileSystem.names(inDirectory: sourceFD, path: source) {
            let from = "\(source)/\(name)", to = "\(destination)/\(name)"
            // Extended attributes are read and written by descriptor-relative paths: the
            // directory through its open descriptor, the entry itself not followed. A source
            // directory swapped for a symlink meanwhile leads nowhere else.
            let attributes = ("/proc/self/fd/\(sourceFD)/\(name)", "/proc/self/fd/\(destinationFD)/\(name)")
            var st = stat()
            try syscall("lstat", from) { fstatat(sourceFD, name, &st, AT_SYMLINK_NOFOLLOW) }
            let kind = FileSystem.kind(of: st.st_mode)
            if kind != .directory, st.st_nlink > 1 {
                let key = HardLink(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                if let first = linked[key] {
                    try syscall("link", to) { linkat(AT_FDCWD, first, destinationFD, name, 0) }
                    continue
                }
                linked[key] = to
            }
            files += 1
            switch kind {
            case .directory:
                try syscall("mkdir", to) { mkdirat(destinationFD, name, 0o700) }
                let childSource = try syscall("open", from) { openat(sourceFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                defer { close(childSource) }
                let childDestination = try syscall("open", to) { openat(destinationFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                defer { close(childDestination) }
                try copyContents(childSource, from, childDestination, to)
                try finish(childDestination, to, st, attributes: attributes)
            case .file:
                let input = try syscall("open", from) { openat(sourceFD, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
                defer { close(input) }
                let output = try syscall("create", to) { openat(destinationFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
                defer { close(output) }
                try copyData(input, output, st, to)
                bytes += UInt64(st.st_size)
                try finish(output, to, st, attributes: attributes)
            case .symlink:
                let target = try FileSystem.readLink(at: sourceFD, name, display: from)
                try syscall("symlink", to) { symlinkat(target, destinationFD, name) }
                try finishPath(destinationFD, name, to, st, attributes, symlink: true)
            default:
                // Devices, fifos, sockets: the node itself, with its device number.
                try syscall("mknod", to) { mknodat(destinationFD, name, st.st_mode, st.st_rdev) }
                try finishPath(destinationFD, name, to, st, attributes, symlink: false)
            }
        }
    }

    /// File data: a reflink where possible, else kernel-side copies of the data regions only,
    /// so holes stay holes; a user-space loop where the kernel cannot copy across filesystems.
    private func copyData(_ input: Int32, _ output: Int32, _ st: stat, _ path: String) throws(BerthError) {
        guard st.st_size > 0 else { return }
        if FileData.shareBlocks(of: input, with: output) { return }
        let size = off_t(st.st_size)
        let sparse = off_t(st.st_blocks) * 512 < size
        var offset: off_t = 0
        while offset < size {
            var start = offset, end = size
            if sparse {
                start = lseek(input, offset, 3)  // SEEK_DATA
                if start < 0 { break }  // ENXIO: only a hole remains
                end = lseek(input, start, 4)  // SEEK_HOLE
                if end < 0 { end = size }
            }
            guard lseek(input, start, SEEK_SET) == start, lseek(output, start, SEEK_SET) == start else {
                throw BerthError.system("lseek", path, currentErrno)
            }
            var remaining = Int(end - start)
            while remaining > 0 {
                let copied = FileData.copyRange(from: input, to: output, count: remaining)
                if copied > 0 {
                    remaining -= copied
                } else if copied == 0 {
                    break
                } else if errno == EINTR {
                    continue
                } else if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) {
                    try FileSystem.copyByReading(input, output, count: remaining, path)
                    remaining = 0
                } else {
                    throw BerthError.system("copy_file_range", path, currentErrno)
                }
            }
            offset = end
        }
        // A file that ends in a hole gets its length.
        try syscall("ftruncate", path) { ftruncate(output, size) }
    }

    /// Owner, then mode (chown clears setuid bits), then extended attributes (a file capability
    /// must be set after the chown, which drops it), then times (last: everything before changes
    /// them) of an open file or directory.
    private func finish(_ fd: Int32, _ path: String, _ st: stat, attributes: (from: String, to: String)) throws(BerthError) {
        try syscall("chown", path) { fchown(fd, st.st_uid, st.st_gid) }
        try syscall("chmod", path) { fchmod(fd, st.st_mode & 0o7777) }
        try copyAttributes(from: attributes.from, to: attributes.to, display: path)
        var times = [st.st_atim, st.st_mtim]
        try syscall("utimens", path) { futimens(fd, &times) }
    }

    /// The same for a symlink or a device node, which are not opened.
    private func finishPath(_ dirFD: Int32, _ name: String, _ path: String, _ st: stat, _ attributes: (from: String, to: String), symlink: Bool) throws(BerthError) {
        try syscall("chown", path) { fchownat(dirFD, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) }
        if !symlink { try syscall("chmod", path) { fchmodat(dirFD, name, st.st_mode & 0o7777, AT_SYMLINK_NOFOLLOW) } }
        try copyAttributes(from: attributes.from, to: attributes.to, display: path)
        var times = [st.st_atim, st.st_mtim]
        try syscall("utimens", path) { utimensat(dirFD, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    /// Every extended attribute (the l* calls, so symlinks are not followed).
    private func copyAttributes(from source: String, to destination: String, display: String) throws(BerthError) {
        try ExtendedAttributes.copy(from: source, to: destination, display: display)
    }
}
