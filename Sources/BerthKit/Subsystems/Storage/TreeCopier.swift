import SystemPackage

/// Copies a directory tree exactly, as a container's root filesystem needs it: every file
/// type (devices, fifos, sockets, symlinks), hard links kept as hard links, holes kept as holes,
/// owner, mode (setuid bits too), extended attributes (ACLs and file capabilities among them)
/// and timestamps. File data is shared with a reflink where the filesystem can (btrfs, xfs), or
/// copied inside the kernel with copy_file_range; nothing is read into this process unless the
/// kernel cannot copy between the two filesystems.
///
/// Names are used as the directories hold them (bytes that need not be UTF-8, see
/// SystemCallName), symlink targets as the links hold them.
///
/// The destination must not exist. A failure throws naming the path; the caller removes the
/// partial copy.
struct TreeCopier {
    /// What was copied, for reports.
    private(set) var files = 0
    private(set) var bytes: UInt64 = 0
    private var linked: [HardLink: FilePath] = [:]
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
        guard let st = FileSystem.linkStatus(source) else { throw BerthError.system("lstat", source, currentErrno) }
        guard FileSystem.kind(of: st.st_mode) == .directory else {
            throw BerthError(.invalidArgument, "\(source) is not a directory")
        }
        let sourceFD = try FileSystem.open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { sourceFD.closeQuietly() }
        if !into { try FileSystem.makeDirectory(destination, mode: 0o700) }
        let destinationFD = try FileSystem.open(destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { destinationFD.closeQuietly() }
        try copier.copyContents(sourceFD, FilePath(source), destinationFD, FilePath(destination))
        try copier.finish(destinationFD, destination, st, attributes: (FilePath(source), FilePath(destination)))
        return copier
    }

    private mutating func copyContents(_ sourceFD: FileDescriptor, _ source: FilePath, _ destinationFD: FileDescriptor, _ destination: FilePath) throws(BerthError) {
        for entry in try DirectoryEntry.all(in: sourceFD.rawValue, path: source.description) {
            let name = entry.name
            // Paths as bytes for the calls that take them, decoded for messages.
            let fromPath = source.pushing(name), toPath = destination.pushing(name)
            let from = fromPath.description, to = toPath.description
            // Extended attributes are read and written by descriptor-relative paths: the
            // directory through its open descriptor, the entry itself not followed. A source
            // directory swapped for a symlink meanwhile leads nowhere else.
            let attributes = (FilePath(sourceFD.procPath).pushing(name), FilePath(destinationFD.procPath).pushing(name))
            let st = try FileSystem.linkStatus(name, in: sourceFD, display: from)
            let kind = FileSystem.kind(of: st.st_mode)
            if kind != .directory, st.st_nlink > 1 {
                let key = HardLink(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                if let first = linked[key] {
                    try Errno.check(FileSystem.makeHardLink(name, in: destinationFD, to: first, in: FileDescriptor(rawValue: AT_FDCWD)), "link", to)
                    continue
                }
                linked[key] = toPath
            }
            files += 1
            switch kind {
            case .directory:
                try Errno.check(FileSystem.makeDirectory(name, in: destinationFD, mode: 0o700), "mkdir", to)
                let childSource = try FileSystem.open(name, in: sourceFD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, display: from)
                defer { childSource.closeQuietly() }
                let childDestination = try FileSystem.open(name, in: destinationFD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, display: to)
                defer { childDestination.closeQuietly() }
                try copyContents(childSource, fromPath, childDestination, toPath)
                try finish(childDestination, to, st, attributes: attributes)
            case .file:
                let input = try FileSystem.open(name, in: sourceFD, O_RDONLY | O_NOFOLLOW, display: from)
                defer { input.closeQuietly() }
                let output = try FileSystem.open(name, in: destinationFD, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, display: to)
                defer { output.closeQuietly() }
                try copyData(input, output, st, to)
                bytes += UInt64(st.st_size)
                try finish(output, to, st, attributes: attributes)
            case .symlink:
                let target = try FileSystem.linkTarget(at: sourceFD, name, display: from)
                try Errno.check(FileSystem.makeSymlink(name, in: destinationFD, pointingAt: target), "symlink", to)
                try finishPath(destinationFD, name, to, st, attributes, symlink: true)
            default:
                // Devices, fifos, sockets: the node itself, with its device number.
                try Errno.check(FileSystem.makeNode(name, in: destinationFD, like: st), "mknod", to)
                try finishPath(destinationFD, name, to, st, attributes, symlink: false)
            }
        }
    }

    /// File data: a reflink where possible, else kernel-side copies of the data regions only,
    /// so holes stay holes; a user-space loop where the kernel cannot copy across filesystems.
    private func copyData(_ input: FileDescriptor, _ output: FileDescriptor, _ st: stat, _ path: String) throws(BerthError) {
        guard st.st_size > 0 else { return }
        if FileData.shareBlocks(of: input, with: output) { return }
        let size = off_t(st.st_size)
        let sparse = off_t(st.st_blocks) * 512 < size
        var offset: off_t = 0
        while offset < size {
            var start = offset, end = size
            if sparse {
                guard let region = FileData.dataRegion(of: input, from: offset, size: size) else { break }  // only a hole remains
                (start, end) = region
            }
            try FileData.seek(input, to: start, display: path)
            try FileData.seek(output, to: start, display: path)
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
        try FileSystem.truncate(output, to: Int(size), display: path)
    }

    /// Owner, then mode (chown clears setuid bits), then extended attributes (a file capability
    /// must be set after the chown, which drops it), then times (last: everything before changes
    /// them) of an open file or directory.
    private func finish(_ fd: FileDescriptor, _ path: String, _ st: stat, attributes: (from: FilePath, to: FilePath)) throws(BerthError) {
        try Errno.check(FileSystem.setOwner(of: fd, uid: st.st_uid, gid: st.st_gid), "chown", path)
        try FileSystem.setMode(of: fd, st.st_mode & 0o7777, display: path)
        try copyAttributes(from: attributes.from, to: attributes.to, display: path)
        try Errno.check(FileSystem.setTimes(of: fd, access: st.st_atim, modification: st.st_mtim), "utimens", path)
    }

    /// The same for a symlink or a device node, which are not opened.
    private func finishPath(_ dirFD: FileDescriptor, _ name: FilePath, _ path: String, _ st: stat, _ attributes: (from: FilePath, to: FilePath), symlink: Bool) throws(BerthError) {
        try Errno.check(FileSystem.setOwner(name, in: dirFD, uid: st.st_uid, gid: st.st_gid), "chown", path)
        if !symlink { try Errno.check(FileSystem.setMode(name, in: dirFD, st.st_mode & 0o7777), "chmod", path) }
        try copyAttributes(from: attributes.from, to: attributes.to, display: path)
        try Errno.check(FileSystem.setTimes(name, in: dirFD, access: st.st_atim, modification: st.st_mtim), "utimens", path)
    }

    /// Every extended attribute (the l* calls, so symlinks are not followed).
    private func copyAttributes(from source: FilePath, to destination: FilePath, display: String) throws(BerthError) {
        try ExtendedAttributes.copy(from: source, to: destination, display: display)
    }
}
