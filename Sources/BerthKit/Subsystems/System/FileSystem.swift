import CBerthLinux
import SystemPackage

/// File and directory operations Berth needs, as typed wrappers over the C calls. Every failure
/// is a `BerthError` that names the call and the path.
public enum FileSystem {
    /// O_PATH: a descriptor that names a file without opening it, for *at() calls, fchdir and
    /// mounting on /proc/self/fd/N (glibc defines it only under _GNU_SOURCE).
    static let pathOnly: Int32 = BERTH_O_PATH

    /// The kind of a directory entry, without following symlinks.
    public enum Kind: Sendable { case file, directory, symlink, other }

    /// `lstat(2)`: what is at `path`, or nil when nothing is.
    public static func kind(_ path: String) -> Kind? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return kind(of: st.st_mode)
    }

    static func kind(of mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// True when something (of any kind, a dangling symlink too) is at `path`.
    public static func exists(_ path: String) -> Bool { kind(path) != nil }

    /// True when `path` is a directory or a symlink to one.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` is a regular file or a symlink to one.
    public static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// True when `path` is a file the caller may execute.
    public static func isExecutable(_ path: String) -> Bool {
        isFile(path) && access(path, X_OK) == 0
    }

    /// The system directories a helper program Berth runs is looked up in, in this order (never
    /// the caller's PATH: a start or a network change must not run a program a user put first).
    static let programDirectories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    /// Where the helper program `name` is installed (dnsmasq, nft, tar, umoci ...), or nil.
    static func program(_ name: String) -> String? {
        programDirectories.map { Path.join($0, name) }.first(where: isExecutable)
    }

    /// `mkdir(2)`.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(BerthError) {
        try syscall("mkdir", path) { mkdir(path, mode) }
    }

    /// `mkdir -p`: creates `path` and missing parents; an existing directory is fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(BerthError) {
        if isDirectory(path) { return }
        let parent = Path.parent(path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && currentErrno != .fileExists {
            throw BerthError.system("mkdir", path, currentErrno)
        }
        guard isDirectory(path) else {
            throw BerthError(.system, "mkdir \(path): exists and is not a directory", errno: .notDirectory)
        }
    }

    /// `chmod(2)`; umask does not apply, so modes such as 1777 come out exactly.
    public static func setMode(_ path: String, _ mode: mode_t) throws(BerthError) {
        try syscall("chmod", path) { chmod(path, mode) }
    }

    /// `symlink(2)`: makes `path` a symlink pointing at `target`.
    public static func symlink(_ target: String, at path: String) throws(BerthError) {
        try syscall("symlink", path) { Glibc.symlink(target, path) }
    }

    /// `link(2)`: makes `path` another name of the file at `existing`.
    public static func hardLink(_ existing: String, at path: String) throws(BerthError) {
        try syscall("link", path) { link(existing, path) }
    }

    /// `readlink(2)`.
    public static func readLink(_ path: String) throws(BerthError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try syscall("readlink", path) { readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `readlinkat(2)`: the target of the symlink `name` in the directory open at `directory`,
    /// as the bytes it holds (a target need not be UTF-8 either).
    static func linkTarget(at directory: FileDescriptor, _ name: some SystemCallName, display: String) throws(BerthError) -> NulEndedBytes {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try syscall("readlink", display) { name.withSystemCallName { readlinkat(directory.rawValue, $0, &buffer, buffer.count - 1) } }
        return NulEndedBytes(buffer[0..<n])
    }

    /// `rename(2)`: replaces `to` if it exists.
    public static func rename(_ from: String, to: String) throws(BerthError) {
        try syscall("rename", "\(from) to \(to)") { Glibc.rename(from, to) }
    }

    /// `renameat2(2)` with RENAME_NOREPLACE: fails with EEXIST instead of replacing `to`.
    public static func renameNoReplace(_ from: String, to: String) throws(BerthError) {
        try syscall("rename", "\(from) to \(to)") { berth_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to) }
    }

    /// `renameat2(2)` with RENAME_EXCHANGE: `a` and `b` swap names in one step.
    static func exchange(_ a: String, _ b: String) throws(BerthError) {
        try syscall("renameat2(RENAME_EXCHANGE)", "\(a) and \(b)") { berth_rename_exchange(AT_FDCWD, a, AT_FDCWD, b) }
    }

    /// `unlink(2)`; a missing file is not an error.
    public static func removeFile(_ path: String) throws(BerthError) {
        if unlink(path) != 0 && currentErrno != .noSuchFileOrDirectory {
            throw BerthError.system("unlink", path, currentErrno)
        }
    }

    /// Reads a whole file.
    public static func readBytes(_ path: String) throws(BerthError) -> [UInt8] {
        let fd = try syscall("open", path) { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try readAll(FileDescriptor(rawValue: fd), path)
    }

    /// Reads what is left of an open file, to its end (`display` names it in an error).
    static func readAll(_ fd: FileDescriptor, _ display: String) throws(BerthError) -> [UInt8] {
        // Read straight into new arrays' uninitialised storage, 4 KB first (most files Berth
        // reads, in /proc, /sys and configs, are smaller), doubling after: no zeroed scratch
        // buffer (one of 64 KB was cleared, and its pages faulted in, for every file read).
        var result: [UInt8] = []
        var size = 4096
        while true {
            let chunk = try fd.readChunk(upTo: size, display)
            if chunk.isEmpty { break }
            if result.isEmpty { result = chunk } else { result += chunk }
            size = Swift.min(size * 2, 1 << 20)
        }
        return result
    }

    /// Reads a whole file as UTF-8 text (invalid bytes become U+FFFD).
    public static func readText(_ path: String) throws(BerthError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Writes `bytes` to a new file at `path`, failing if it exists (O_EXCL).
    public static func createFile(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws(BerthError) {
        let fd = try syscall("create", path) { Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        defer { close(fd) }
        try writeAll(FileDescriptor(rawValue: fd), bytes, path)
        // The mode given to open() is filtered by umask; the caller's mode is what it meant.
        try syscall("fchmod", path) { fchmod(fd, mode) }
    }

    /// Replaces the file at `path` with `text` so that a reader sees the old or the new content,
    /// never a mix, and a crash leaves one of the two: write a temporary file in the same
    /// directory, fsync it, then rename it over `path`.
    public static func writeAtomically(_ path: String, text: String, mode: mode_t = 0o640) throws(BerthError) {
        let temporary = "\(Path.parent(path))/.\(Path.base(path)).tmp-\(getpid())"
        try? removeFile(temporary)
        let fd = try syscall("create", temporary) {
            Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        }
        do throws(BerthError) {
            defer { close(fd) }
            try writeAll(FileDescriptor(rawValue: fd), Array(text.utf8), temporary)
            try syscall("fchmod", temporary) { fchmod(fd, mode) }
            // fsync before rename: otherwise a crash can publish the new name with empty content.
            try syscall("fsync", temporary) { fsync(fd) }
            try rename(temporary, to: path)
        } catch {
            try? removeFile(temporary)
            throw error
        }
    }

    static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], _ path: String) throws(BerthError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd.rawValue, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if n < 0 {
                if currentErrno == .interrupted { continue }
                throw BerthError.system("write", path, currentErrno)
            }
            offset += n
        }
    }

    /// Copies a regular file's content and mode (used for the busybox binary). Uses
    /// `copy_file_range(2)` so the kernel moves the data (a reflink on filesystems that can).
    public static func copyFile(_ source: String, to destination: String) throws(BerthError) {
        let input = try syscall("open", source) { Glibc.open(source, O_RDONLY | O_CLOEXEC) }
        defer { close(input) }
        var st = stat()
        try syscall("fstat", source) { fstat(input, &st) }
        let output = try syscall("create", destination) {
            Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0o7777)
        }
        defer { close(output) }
        var remaining = Int(st.st_size)
        while remaining > 0 {
            let n = FileData.copyRange(from: FileDescriptor(rawValue: input), to: FileDescriptor(rawValue: output), count: remaining)
            if n < 0 {
                if currentErrno == .interrupted { continue }
                // Between two filesystems the kernel may refuse; then copy through a buffer.
                guard [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else {
                    throw BerthError.system("copy_file_range", "\(source) to \(destination)", currentErrno)
                }
                try copyByReading(FileDescriptor(rawValue: input), FileDescriptor(rawValue: output), count: remaining, destination)
                break
            }
            if n == 0 { break }
            remaining -= n
        }
        try syscall("fchmod", destination) { fchmod(output, st.st_mode & 0o7777) }
    }

    /// The names in a directory, without `.` and `..`, in no particular order.
    public static func list(_ path: String) throws(BerthError) -> [String] {
        guard let dir = opendir(path) else { throw BerthError.system("opendir", path, currentErrno) }
        defer { closedir(dir) }
        return entries(of: dir).map(\.name)
    }

    /// The names of the directories in a directory (not following symlinks): readdir's d_type
    /// rules the files out, and only an entry that may be a directory is lstat'ed. (A cgroup
    /// directory holds dozens of files and few directories; a stat of each file had cgroupfs
    /// make an inode for it, most of the work of removing a container's cgroups.)
    public static func subdirectories(_ path: String) throws(BerthError) -> [String] {
        guard let dir = opendir(path) else { throw BerthError.system("opendir", path, currentErrno) }
        defer { closedir(dir) }
        return entries(of: dir).filter { $0.mayBeDirectory && kind(Path.join(path, $0.name)) == .directory }.map(\.name)
    }

    /// Copies `count` bytes from `input` to `output` through a buffer, from their current
    /// offsets: for when the kernel cannot copy between the two filesystems itself.
    static func copyByReading(_ input: FileDescriptor, _ output: FileDescriptor, count: Int, _ path: String) throws(BerthError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = count
        while remaining > 0 {
            let n = buffer.withUnsafeMutableBytes { read(input.rawValue, $0.baseAddress, min($0.count, remaining)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if n < 0 { throw BerthError.system("read", path, currentErrno) }
                return
            }
            try writeAll(output, Array(buffer[0..<n]), path)
            remaining -= n
        }
    }

    /// The names in an open directory, and whether each may be a directory: readdir's d_type
    /// says so without a stat, except on filesystems that leave it unknown.
    static func entries(of dir: OpaquePointer) -> [(name: String, mayBeDirectory: Bool)] {
        var result: [(name: String, mayBeDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            let type = entry.pointee.d_type
            if name != "." && name != ".." {
                result.append((name, type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN)))
            }
        }
        return result
    }
}
