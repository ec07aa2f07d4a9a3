import SystemPackage

/// Runs a piece of work as root of a new user namespace with the given maps, in a child
/// process: how a user other than root builds a container's rootfs whose files belong to the
/// container's root (its subordinate ids) rather than to the user. The caller's own uid and gid
/// are mapped too (at 65536), so the child may still write where the caller can.
enum UserNamespaceRunner {
    static func run(_ maps: [IDMap], _ work: () throws(BerthError) -> Void) throws(BerthError) {
        var all = maps
        for kind in [IDMap.Kind.uid, .gid] {
            let own = kind == .uid ? CurrentProcess.realUser : CurrentProcess.realGroup
            if IDMap.host(65_536, kind, in: maps) == nil && !maps.contains(where: { $0.kind == kind && own >= $0.outside && own - $0.outside < $0.count }) {
                all.append(IDMap(kind: kind, inside: 65_536, outside: own, count: 1))
            }
        }
        let (parentEnd, childEnd) = try UnixSocket.pair(display: "user namespace")
        // Born in its own user namespace; the process is single-threaded, so the child may run
        // Swift code (see ProcessControl.clone).
        let (pid, pidfd, _) = ProcessControl.clone(UInt64(NamespaceSet.user.rawValue))
        if pid == 0 {
            parentEnd.closeQuietly()
            guard childEnd.readLine() == "mapped" else { CurrentProcess.exitNow(1) }
            do throws(BerthError) {
                try CurrentProcess.setGroup(0)
                try CurrentProcess.setUser(0)
                try work()
                CurrentProcess.exitNow(0)
            } catch {
                childEnd.writeFully(error.message + "\n")
                CurrentProcess.exitNow(1)
            }
        }
        childEnd.closeQuietly()
        defer { parentEnd.closeQuietly() }
        if pid > 0 { pidfd.closeQuietly() }
        guard pid > 0 else { throw BerthError.system("clone", "a user namespace", currentErrno) }
        var mapped = true
        var failure: BerthError?
        do throws(BerthError) { try IDMapWriter.write(pid: pid, all) } catch {
            mapped = false
            failure = error
        }
        parentEnd.writeFully(mapped ? "mapped\n" : "stop\n")
        let said = parentEnd.readLine()
        let status = ProcessControl.waitStatus(of: pid) ?? -1
        if let failure { throw failure }
        guard status == 0 else { throw BerthError(.system, said ?? "the user namespace's work failed (status \(status))") }
    }
}
