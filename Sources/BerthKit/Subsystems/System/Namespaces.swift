import CBerthLinux
import SystemPackage

/// Entering and making namespaces (setns, unshare): the typed side of the C shim's calls.
enum Namespaces {
    /// setns into the namespaces `set` of the namespace or pidfd descriptor `fd`.
    static func join(_ fd: FileDescriptor, _ set: NamespaceSet, what: String) throws(BerthError) {
        try syscall("setns", what) { berth_setns(fd.rawValue, Int32(truncatingIfNeeded: set.rawValue)) }
    }

    /// unshare of the namespaces `set`, for this process.
    static func unshare(_ set: NamespaceSet) throws(BerthError) {
        try syscall("unshare", set.nameList.joined(separator: " ")) { berth_unshare(Int32(truncatingIfNeeded: set.rawValue)) }
    }
}
