#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Moves a root filesystem's owners into a user namespace's host range (uid N becomes
/// `uidBase + N`), for filesystems that cannot be idmapped: `berth-create --shift-ids`. Setuid
/// and setgid bits, which chown clears, are put back; nothing is followed out of the tree.
enum OwnershipShift {
    static func shift(_ root: String, uidBase: UInt32, gidBase: UInt32) throws(BerthError) {
        let fd = try syscall("open", root) { open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(fd) }
        var st = stat()
        try syscall("stat", root) { fstat(fd, &st) }
        try walk(fd, root, uidBase: uidBase, gidBase: gidBase)
        try apply(AT_FDCWD, root, st, uidBase: uidBase, gidBase: gidBase)
    }

    private static func walk(_ dirFD: Int32, _ path: String, uidBase: UInt32, gidBase: UInt32) throws(BerthError) {
        for name in try FileSystem.names(inDirectory: dirFD, path: path) {
            let child = "\(path)/\(name)"
            var st = stat()
            try syscall("lstat", child) { fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) }
            if FileSystem.kind(of: st.st_mode) == .directory {
                let childFD = try syscall("open", child) { openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                defer { close(childFD) }
                try walk(childFD, child, uidBase: uidBase, gidBase: gidBase)
            }
            try apply(dirFD, name, st, uidBase: uidBase, gidBase: gidBase, display: child)
        }
    }

    private static func apply(_ dirFD: Int32, _ name: String, _ st: stat, uidBase: UInt32, gidBase: UInt32, display: String? = nil) throws(BerthError) {
        // Already shifted (a second run) stays as it is.
        guard st.st_uid < uidBase || st.st_gid < gidBase else { return }
        let uid = st.st_uid < uidBase ? uidBase + st.st_uid : st.st_uid
        let gid = st.st_gid < gidBase ? gidBase + st.st_gid : st.st_gid
        try syscall("chown", display ?? name) { fchownat(dirFD, name, uid, gid, AT_SYMLINK_NOFOLLOW) }
        if FileSystem.kind(of: st.st_mode) != .symlink, st.st_mode & (S_ISUID | S_ISGID) != 0 {
            try syscall("chmod", display ?? name) { fchmodat(dirFD, name, st.st_mode & 0o7777, 0) }
        }
    }
}
