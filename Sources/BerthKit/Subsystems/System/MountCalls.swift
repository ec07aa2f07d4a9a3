import CBerthLinux

/// The new mount API and pivot_root, typed: detached idmapped trees, attaching them, and
/// changing the root.
enum MountCalls {
    /// A detached copy of the tree at `path`, idmapped through the user namespace `userns`:
    /// its descriptor, or -1 with errno set (EINVAL where the filesystem cannot be idmapped).
    static func idmappedTree(_ path: String, userNamespace userns: Int32) -> Int32 {
        berth_idmapped_tree(path, userns)
    }

    /// move_mount of the detached mount `fd` onto `target`.
    static func attach(_ fd: Int32, onto target: String, what: String) throws(BerthError) {
        try syscall("move_mount (\(what))", target) { berth_attach_mount(fd, target) }
    }

    /// pivot_root(".", ".") in the current directory: it becomes `/`, the old root stacked
    /// under it to be detached.
    static func pivotHere(display: String) throws(BerthError) {
        try syscall("pivot_root", display) { berth_pivot_root(".", ".") }
    }
}
