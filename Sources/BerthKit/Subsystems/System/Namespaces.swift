import CBerthLinux
import SystemPackage

/// Entering and making namespaces (setns, unshare): the typed side of the C shim's calls.
enum Namespaces {
    /// setns into the namespaces `set` of the namespace or pidfd descriptor `fd`.
    static func join(_ fd: FileDescriptor, _ set: NamespaceSet, what: String) throws(BerthError) {
        try syscall("setns", what) { berth_setns(fd.rawValue, Int32(truncatingIfNeeded: set.rawValue)) }
    }

    /// The namespaces of process `pid`, among `wanted` (all when nil), that are not this
    /// process's own: the ones to enter (setns into one's own user namespace fails).
    static func differing(of pid: pid_t, among wanted: NamespaceSet? = nil) -> NamespaceSet {
        var result: NamespaceSet = []
        for entry in NamespaceSet.names where wanted?.contains(entry.set) ?? true {
            guard let theirs = try? FileSystem.readLink("/proc/\(pid)/ns/\(entry.proc)"),
                  let ours = try? FileSystem.readLink("/proc/self/ns/\(entry.proc)") else { continue }
            if theirs != ours { result.insert(entry.set) }
        }
        return result
    }

    /// unshare of the namespaces `set`, for this process.
    static func unshare(_ set: NamespaceSet) throws(BerthError) {
        try syscall("unshare", set.nameList.joined(separator: " ")) { berth_unshare(Int32(truncatingIfNeeded: set.rawValue)) }
    }
}
