import CBerthLinux

/// btrfs subvolumes, through the filesystem's ioctls (no btrfs-progs process): a btrfs
/// container's rootfs is a subvolume, and its copies and snapshots are snapshots of it, made
/// in constant time whatever its size.
enum BtrfsVolume {
    /// The inode number btrfs gives the root directory of every subvolume.
    static let subvolumeRootInode: UInt = 256

    /// True when `path` is on btrfs.
    static func isBtrfs(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | BERTH_O_PATH)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return berth_is_btrfs(fd) == 1
    }

    /// True when `path` is the root of a btrfs subvolume.
    static func isSubvolume(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, FileSystem.kind(of: st.st_mode) == .directory, UInt(st.st_ino) == subvolumeRootInode else { return false }
        return isBtrfs(path)
    }

    /// A new, empty subvolume at `path` (whose parent exists).
    static func create(_ path: String) throws(BerthError) {
        try inParent(path, "creating the btrfs subvolume") { dir, name in berth_btrfs_subvolume(dir, name, -1) }
    }

    /// A writable snapshot of the subvolume `source` at the new path `path`.
    static func snapshot(_ source: String, to path: String) throws(BerthError) {
        let sourceFD = try syscall("open", source) { open(source, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(sourceFD) }
        try inParent(path, "snapshotting \(source) to") { dir, name in berth_btrfs_subvolume(dir, name, sourceFD) }
    }

    /// Deletes the subvolume `path` and what it holds.
    static func delete(_ path: String) throws(BerthError) {
        try inParent(path, "deleting the btrfs subvolume") { dir, name in berth_btrfs_delete_subvolume(dir, name) }
    }

    private static func inParent(_ path: String, _ what: String, _ body: (Int32, String) -> Int32) throws(BerthError) {
        let parent = Path.parent(path)
        let dir = try syscall("open", parent) { open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(dir) }
        let name = String(path.split(separator: "/").last ?? "")
        try syscall(what, path) { body(dir, name) }
    }
}
