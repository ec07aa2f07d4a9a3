/// The middle process of berth-attach: joins the container's cgroup and namespaces, forks the
/// command (which is then born in the container's pid namespace) and exits with its status.
struct AttachHelper {
    let pidfd: Int32
    let namespaces: NamespaceSet
    let cgroup: PayloadCgroup
    let bounding: UInt64?
    let options: AttachOptions
    let environment: [String]
    let terminalSocket: Int32?
    let seccomp: SeccompFilter?
    let noNewPrivs: Bool

    func run() -> Never {
        // Not dumpable: processes in the container cannot open this process's memory or its
        // executable through /proc while it runs the host's berth binary.
        ProcessControl.setDumpable(false)
        // Nothing of the caller's but stdio enters the container (`exec 9</` in the admin's
        // shell must not become a way out for the container's root, the CVE-2016-8649 class):
        // only the pidfd this helper enters by and the terminal socket stay open.
        Descriptor.closeAll(except: [pidfd] + [terminalSocket].compactMap { $0 })
        // The cgroup first: once in the container's namespaces, the host's cgroup tree may no
        // longer be visible.
        do throws(BerthError) { try cgroup.join(pid: getpid()) } catch {
            fail("joining the cgroup: \(error.message)")
        }
        if !namespaces.isEmpty {
            do throws(BerthError) { try Namespaces.join(pidfd, namespaces, what: "the container's namespaces (\(namespaces.nameList.joined(separator: " ")))") } catch { fail(error.message) }
        }
        let command = fork()
        if command < 0 { fail("fork: \(BerthError.errnoText())") }
        if command == 0 { runCommand() }
        if let terminalSocket { close(terminalSocket) }
        var status: Int32 = 0
        while waitpid(command, &status, 0) < 0 && errno == EINTR {}
        _exit(ChildProcess.Termination(waitStatus: status).shellStatus)
    }

    private func fail(_ message: String) -> Never {
        Terminal.writeError("berth-attach: \(message)\n")
        _exit(1)
    }

    private func runCommand() -> Never {
        ProcessControl.setDumpable(false)
        if options.remountSysProc && !namespaces.contains(.mount) { remountSysProc() }
        if let terminalSocket {
            // A pty of the container's own devpts, so the command's terminal exists inside the
            // container; the host side only ever relays bytes (no host terminal is handed in,
            // the TIOCSTI class of escape).
            let ptx: Int32, ptyPath: String
            do throws(BerthError) { (ptx, ptyPath) = try Terminal.openPty("/dev/ptmx") } catch {
                fail("opening a pty in the container: \(error.message)")
            }
            _ = setsid()
            let pty = open(ptyPath, O_RDWR)
            guard pty >= 0 else { fail("opening \(ptyPath) in the container: \(BerthError.errnoText())") }
            _ = UnixSocket.send(terminalSocket, [1], passing: ptx)
            close(ptx)
            close(terminalSocket)
            Terminal.makeControlling(pty)
            for fd in Int32(0)...2 { dup2(pty, fd) }
            if pty > 2 { close(pty) }
        }
        if let seccomp {
            do throws(BerthError) { try seccomp.load() } catch { fail(error.message) }
        }
        if let bounding {
            for cap in Int32(0)...StartPlan.lastCapability() where bounding & (UInt64(1) << UInt64(cap)) == 0 {
                ProcessControl.dropFromBoundingSet(cap)
            }
        }
        if namespaces.contains(.user) {
            // Entering the user namespace keeps the host's ids, which it does not map: take its
            // root's first (groups before the uid, which would forbid them after).
            _ = setgroups(0, nil)
            if setgid(0) != 0 || setuid(0) != 0 { fail("becoming root of the container's user namespace: \(BerthError.errnoText())") }
        }
        let home = options.uid == 0 ? "/root" : "/"
        if chdir(home) != 0 { _ = chdir("/") }
        if options.gid != 0 || options.uid != 0 {
            _ = setgroups(0, nil)
            if setgid(options.gid) != 0 { fail("setgid \(options.gid): \(BerthError.errnoText())") }
            if setuid(options.uid) != 0 { fail("setuid \(options.uid): \(BerthError.errnoText())") }
        }
        if noNewPrivs {
            do throws(BerthError) { try ProcessControl.forbidNewPrivileges() } catch { fail(error.message) }
        }
        let argv = options.command.isEmpty ? [AttachHelper.shell(for: options.uid)] : options.command
        let path = TinyInit.search(argv[0], environment: environment)
        SignalDefaults.restore()
        let err: Int32 = CStringArray(argv).withPointers { a in
            CStringArray(environment).withPointers { e in
                execve(path, a, e)
                return errno
            }
        }
        Terminal.writeError("berth-attach: cannot run \(argv[0]) in the container: \(BerthError.errnoText(err))\n")
        _exit(err == ENOENT ? 127 : 126)
    }

    /// `-R`: a private copy of the host's mount table (so nothing here reaches the host), with
    /// /proc and /sys mounted afresh. Done in the command itself, which is already in the
    /// entered pid namespace: a proc mounted there shows that namespace's processes.
    private func remountSysProc() {
        do throws(BerthError) { try Namespaces.unshare(.mount) } catch { fail("-R: \(error.message)") }
        // Slave before anything changes: the unmounts below must not propagate to the host.
        if mount(nil, "/", nil, UInt(MS_REC | MS_SLAVE), nil) != 0 {
            fail("-R: making / a slave mount: \(BerthError.errnoText())")
        }
        for (target, type) in [("/proc", "proc"), ("/sys", "sysfs")] {
            _ = umount2(target, Int32(MNT_DETACH))
            if mount(type, target, type, UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil) != 0 {
                fail("-R: mounting \(type) on \(target): \(BerthError.errnoText())")
            }
        }
    }

    /// The user's shell from the container's /etc/passwd, else /bin/sh.
    static func shell(for uid: UInt32) -> String {
        let passwd = (try? FileSystem.readText("/etc/passwd")) ?? ""
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 7, UInt32(fields[2]) == uid, !fields[6].isEmpty, access(String(fields[6]), X_OK) == 0 {
                return String(fields[6])
            }
        }
        return "/bin/sh"
    }
}
