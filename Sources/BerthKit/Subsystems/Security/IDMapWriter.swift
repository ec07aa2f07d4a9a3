/// Writes a user namespace's uid and gid maps. Root writes `/proc/PID/uid_map` and `gid_map`
/// itself; any other user goes through the setuid helpers newuidmap and newgidmap (package
/// uidmap), which allow only the ranges /etc/subuid and /etc/subgid delegate to that user (and
/// the user's own id).
enum IDMapWriter {
    static func write(pid: pid_t, _ maps: [IDMap]) throws(BerthError) {
        for (kind, file, helper) in [(IDMap.Kind.uid, "uid_map", "newuidmap"), (.gid, "gid_map", "newgidmap")] {
            let ofKind = maps.filter { $0.kind == kind }
            if geteuid() == 0 {
                let path = "/proc/\(pid)/\(file)"
                let fd = try syscall("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
                defer { close(fd) }
                // One write: the kernel takes a map whole, and only once.
                let text = Array(IDMap.procText(maps, kind).utf8)
                let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                guard written == text.count else { throw BerthError.system("writing", "\(path) (lxc.idmap)", currentErrno) }
            } else {
                try runHelper(helper, pid: pid, ofKind)
            }
        }
    }

    private static func runHelper(_ helper: String, pid: pid_t, _ maps: [IDMap]) throws(BerthError) {
        guard let program = ["/usr/bin/\(helper)", "/bin/\(helper)", "/usr/sbin/\(helper)"].first(where: FileSystem.isExecutable) else {
            throw BerthError(.unsupported, "\(helper) is not installed (package uidmap); a user other than root needs it to map a user namespace")
        }
        let arguments = ["\(pid)"] + maps.flatMap { ["\($0.inside)", "\($0.outside)", "\($0.count)"] }
        var fds: [Int32] = [-1, -1]
        try syscall("pipe", helper) { pipe(&fds) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let child: ChildProcess
        do throws(BerthError) {
            child = try ChildProcess.spawn(program, arguments: arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stderr: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let said = String(decoding: Descriptor.readToEnd(fds[0]), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        close(fds[0])
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw BerthError(.system, "\(helper) \(arguments.joined(separator: " ")) failed\(said.isEmpty ? "" : ": \(said)") (are these ids delegated to this user in /etc/sub\(helper == "newuidmap" ? "uid" : "gid")?)")
        }
    }
}
