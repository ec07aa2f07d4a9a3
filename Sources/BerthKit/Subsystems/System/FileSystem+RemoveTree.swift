import CBerthLinux

extension FileSystem {
    /// `rm -rf --one-file-system`: removes `path` and everything below it without following
    /// symlinks and without entering another filesystem mounted below it (a leaked bind mount
    /// of the host's /lib must never be emptied). Such a mount makes the removal fail, naming it.
    /// A missing `path` is not an error.
    ///
    /// Each directory costs one statx (type, device, inode and mount id together), its open,
    /// its getdents64 calls and its removal; a file costs its unlink alone.
    public static func removeTree(_ path: String) throws(BerthError) {
        var top = berth_entry_status()
        if berth_entry_status_at(AT_FDCWD, path, &top) != 0 {
            if currentErrno == .noSuchFileOrDirectory { return }
            throw BerthError.system("statx", path, currentErrno)
        }
        guard kind(of: mode_t(top.mode)) == .directory else {
            try syscall("unlink", path) { unlink(path) }
            return
        }
        // A btrfs subvolume (a btrfs container's rootfs) goes with one ioctl, contents and all.
        if UInt(top.inode) == BtrfsVolume.subvolumeRootInode && BtrfsVolume.isBtrfs(path) {
            try BtrfsVolume.delete(path)
            return
        }
        let fd = try syscall("open", path) { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(fd) }
        try removeContents(of: fd, path: path, place: TreePlace(top))
        try syscall("rmdir", path) { rmdir(path) }
    }

    /// Which mount a tree walk is on: the device, and the mount id where the kernel reports it
    /// (a bind mount of the same filesystem shares the device, not the id).
    private struct TreePlace: Equatable {
        let device: UInt64
        let mountID: UInt64?

        init(_ status: berth_entry_status) {
            device = status.device
            mountID = status.has_mount_id != 0 ? status.mount_id : nil
        }
    }

    /// Empties the directory open at `fd` (the caller closes it).
    private static func removeContents(of fd: Int32, path: String, place: TreePlace) throws(BerthError) {
        for entry in try directoryEntries(of: fd, path: path) {
            // The name as the directory holds it (bytes, whatever they are), for the calls;
            // decoded for messages only.
            let name = entry.name
            let child = "\(path)/\(entry.display)"
            func call(_ operation: String, _ body: (UnsafePointer<CChar>) -> Int32) throws(BerthError) {
                let result = name.withUnsafeBufferPointer { bytes in bytes.baseAddress.map(body) ?? -1 }
                if result < 0 { throw BerthError.system(operation, child, currentErrno) }
            }
            // Files go without a stat. One with something mounted on it fails with EBUSY, so
            // the mount and what lies under it stay.
            guard entry.mayBeDirectory else {
                try call("unlink") { unlinkat(fd, $0, 0) }
                continue
            }
            var status = berth_entry_status()
            try call("statx") { berth_entry_status_at(fd, $0, &status) }
            guard kind(of: mode_t(status.mode)) == .directory else {
                try call("unlink") { unlinkat(fd, $0, 0) }
                continue
            }
            let childPlace = TreePlace(status)
            // A btrfs subvolume inside the tree: another device on the same mount.
            if childPlace.device != place.device, childPlace.mountID != nil, childPlace.mountID == place.mountID,
               UInt(status.inode) == BtrfsVolume.subvolumeRootInode {
                try call("deleting the btrfs subvolume") { berth_btrfs_delete_subvolume(fd, $0) }
                continue
            }
            guard childPlace == place else {
                throw BerthError(.busy, "refusing to remove \(child): another filesystem is mounted there; unmount it first", errno: .resourceBusy)
            }
            var childFD: Int32 = -1
            try call("openat") { childFD = openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); return childFD }
            do throws(BerthError) {
                try removeContents(of: childFD, path: child, place: place)
            } catch {
                close(childFD)
                throw error
            }
            close(childFD)
            try call("rmdir") { unlinkat(fd, $0, AT_REMOVEDIR) }
        }
    }

    /// One entry of a directory: its name as stored (NUL-ended bytes), that name decoded for
    /// messages, and whether it may be a directory (its type says so, or the filesystem does
    /// not say).
    private struct DirectoryEntry {
        let name: [CChar]
        let display: String
        let mayBeDirectory: Bool
    }

    /// The entries of the directory open at `fd` (not `.` and `..`), read with getdents64.
    private static func directoryEntries(of fd: Int32, path: String) throws(BerthError) -> [DirectoryEntry] {
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
                    let bytes = raw[(offset + 19)..<(offset + length)]
                    let name = bytes.prefix { $0 != 0 }
                    let isDot = name.elementsEqual([UInt8(ascii: ".")]) || name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
                    if !name.isEmpty && !isDot {
                        result.append(DirectoryEntry(name: name.map { CChar(bitPattern: $0) } + [0],
                                                     display: String(decoding: name, as: UTF8.self),
                                                     mayBeDirectory: type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN)))
                    }
                    offset += length
                }
            }
        }
    }
}
