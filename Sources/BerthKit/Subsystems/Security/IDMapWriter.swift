import SystemPackage

/// Writes a user namespace's uid and gid maps. Root writes `/proc/PID/uid_map` and `gid_map`
/// itself; any other user goes through the setuid helpers newuidmap and newgidmap (package
/// uidmap), which allow only the ranges /etc/subuid and /etc/subgid delegate to that user (and
/// the user's own id).
enum IDMapWriter {
    static func write(pid: pid_t, _ maps: [IDMap]) throws(BerthError) {
        for (kind, file, helper) in [(IDMap.Kind.uid, "uid_map", "newuidmap"), (.gid, "gid_map", "newgidmap")] {
            let ofKind = maps.filter { $0.kind == kind }
            if CurrentProcess.isRoot {
                let path = "/proc/\(pid)/\(file)"
                let fd = try FileSystem.open(path, O_WRONLY)
                defer { fd.closeQuietly() }
                // One write: the kernel takes a map whole, and only once.
                try FileSystem.writeOnce(fd, Array(IDMap.procText(maps, kind).utf8), "\(path) (lxc.idmap)")
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
        let (readEnd, writeEnd) = try FileDescriptor.closeOnExecPipe(display: helper)
        let child: ChildProcess
        do throws(BerthError) {
            child = try ChildProcess.spawn(program, arguments: arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stderr: writeEnd)
        } catch {
            readEnd.closeQuietly()
            writeEnd.closeQuietly()
            throw error
        }
        // Our copy of the write end first, or the read would never see end of file.
        writeEnd.closeQuietly()
        let said = String(decoding: readEnd.readToEnd(), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        readEnd.closeQuietly()
        guard child.waitWithoutForwarding().succeeded else {
            throw BerthError(.system, "\(helper) \(arguments.joined(separator: " ")) failed\(said.isEmpty ? "" : ": \(said)") (are these ids delegated to this user in /etc/sub\(helper == "newuidmap" ? "uid" : "gid")?)")
        }
    }
}
