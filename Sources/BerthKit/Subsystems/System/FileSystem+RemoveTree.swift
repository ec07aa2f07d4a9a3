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
        for entry in try DirectoryEntry.all(in: fd, path: path) {
            // The name as the directory holds it (bytes, whatever they are), for the calls;
            // decoded for messages only.
            let child = "\(path)/\(entry.display)"
            func call(_ operation: String, _ body: (UnsafePointer<CChar>) -> Int32) throws(BerthError) {
                if entry.name.withSystemCallName(body) < 0 { throw BerthError.system(operation, child, currentErrno) }
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
}
