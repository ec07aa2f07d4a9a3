import SystemPackage

/// Changes the owners of everything in a root filesystem by a rule, without following anything
/// out of the tree; setuid and setgid bits, which chown clears, are put back.
///
/// - `shift`: uid N becomes `uidBase + N` (`berth-create --shift-ids`, for filesystems that
///   cannot be idmapped).
/// - `reassign`: one owner becomes another (run inside a user namespace by a user's
///   berth-create: the files the user made become the container root's).
enum OwnershipShift {
    static func shift(_ root: String, uidBase: UInt32, gidBase: UInt32) throws(BerthError) {
        // Already shifted ids (a second run) stay as they are.
        try walk(root, uid: { $0 < uidBase ? uidBase + $0 : nil }, gid: { $0 < gidBase ? gidBase + $0 : nil })
    }

    static func reassign(_ root: String, uid: (from: UInt32, to: UInt32), gid: (from: UInt32, to: UInt32)) throws(BerthError) {
        try walk(root, uid: { $0 == uid.from ? uid.to : nil }, gid: { $0 == gid.from ? gid.to : nil })
    }

    /// `uid`/`gid` give the new id, or nil to leave it.
    private static func walk(_ root: String, uid: (UInt32) -> UInt32?, gid: (UInt32) -> UInt32?) throws(BerthError) {
        let fd = try FileSystem.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { fd.closeQuietly() }
        let st = try FileSystem.status(of: fd, display: root)
        try walk(fd, root, uid: uid, gid: gid)
        try apply(FileDescriptor(rawValue: AT_FDCWD), root, st, uid: uid, gid: gid, display: root)
    }

    private static func walk(_ dirFD: FileDescriptor, _ path: String, uid: (UInt32) -> UInt32?, gid: (UInt32) -> UInt32?) throws(BerthError) {
        // Names as the directory holds them (an image may name files with bytes that are not
        // UTF-8); decoded for messages only.
        for entry in try DirectoryEntry.all(in: dirFD.rawValue, path: path) {
            let name = entry.name
            let child = "\(path)/\(entry.display)"
            let st = try FileSystem.linkStatus(name, in: dirFD, display: child)
            if FileSystem.kind(of: st.st_mode) == .directory {
                let childFD = try FileSystem.open(name, in: dirFD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, display: child)
                defer { childFD.closeQuietly() }
                try walk(childFD, child, uid: uid, gid: gid)
            }
            try apply(dirFD, name, st, uid: uid, gid: gid, display: child)
        }
    }

    private static func apply(_ dirFD: FileDescriptor, _ name: some SystemCallName, _ st: stat, uid: (UInt32) -> UInt32?, gid: (UInt32) -> UInt32?, display: String) throws(BerthError) {
        let newUID = uid(st.st_uid), newGID = gid(st.st_gid)
        guard newUID != nil || newGID != nil else { return }
        try Errno.check(FileSystem.setOwner(name, in: dirFD, uid: newUID ?? st.st_uid, gid: newGID ?? st.st_gid), "chown", display)
        // Not a symlink, so setting the mode of the entry itself is what was meant.
        if FileSystem.kind(of: st.st_mode) != .symlink, st.st_mode & (S_ISUID | S_ISGID) != 0 {
            try Errno.check(FileSystem.setMode(name, in: dirFD, st.st_mode & 0o7777), "chmod", display)
        }
    }
}
