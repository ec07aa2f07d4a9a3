/// Runs a piece of work as root of a new user namespace with the given maps, in a child
/// process: how a user other than root builds a container's rootfs whose files belong to the
/// container's root (its subordinate ids) rather than to the user. The caller's own uid and gid
/// are mapped too (at 65536), so the child may still write where the caller can.
enum UserNamespaceRunner {
    static func run(_ maps: [IDMap], _ work: () throws(BerthError) -> Void) throws(BerthError) {
        var all = maps
        for kind in [IDMap.Kind.uid, .gid] {
            let own = kind == .uid ? getuid() : getgid()
            if IDMap.host(65_536, kind, in: maps) == nil && !maps.contains(where: { $0.kind == kind && own >= $0.outside && own - $0.outside < $0.count }) {
                all.append(IDMap(kind: kind, inside: 65_536, outside: own, count: 1))
            }
        }
        var sync: [Int32] = [-1, -1]
        try syscall("socketpair", "user namespace") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sync) }
        // Born in its own user namespace; the process is single-threaded, so the child may run
        // Swift code (see ProcessControl.clone).
        let (pid, pidfd, _) = ProcessControl.clone(UInt64(NamespaceSet.user.rawValue))
        if pid == 0 {
            close(sync[0])
            guard Descriptor.readLine(sync[1]) == "mapped" else { _exit(1) }
            do throws(BerthError) {
                try syscall("setgid", "0") { setgid(0) }
                try syscall("setuid", "0") { setuid(0) }
                try work()
                _exit(0)
            } catch {
                Descriptor.writeAll(sync[1], error.message + "\n")
                _exit(1)
            }
        }
        close(sync[1])
        defer { close(sync[0]) }
        if pidfd >= 0 { close(pidfd) }
        guard pid > 0 else { throw BerthError.system("clone", "a user namespace", currentErrno) }
        var mapped = true
        var failure: BerthError?
        do throws(BerthError) { try IDMapWriter.write(pid: pid, all) } catch {
            mapped = false
            failure = error
        }
        Descriptor.writeAll(sync[0], mapped ? "mapped\n" : "stop\n")
        let said = Descriptor.readLine(sync[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let failure { throw failure }
        guard status == 0 else { throw BerthError(.system, said ?? "the user namespace's work failed (status \(status))") }
    }
}
