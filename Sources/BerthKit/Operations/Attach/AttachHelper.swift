import SystemPackage

/// The middle process of berth-attach: joins the container's cgroup and namespaces, forks the
/// command (which is then born in the container's pid namespace) and exits with its status.
struct AttachHelper {
    let pidfd: FileDescriptor
    let namespaces: NamespaceSet
    let cgroup: PayloadCgroup
    /// Forked into the cgroup's v2 directory already (CLONE_INTO_CGROUP).
    let bornInV2: Bool
    let bounding: UInt64?
    let options: AttachOptions
    let environment: [String]
    let terminalSocket: FileDescriptor?
    let seccomp: SeccompProgram?
    let noNewPrivs: Bool

    func run() -> Never {
        // Not dumpable: processes in the container cannot open this process's memory or its
        // executable through /proc while it runs the host's berth binary.
        ProcessControl.setDumpable(false)
        // Nothing of the caller's but stdio enters the container (`exec 9</` in the admin's
        // shell must not become a way out for the container's root, the CVE-2016-8649 class):
        // only the pidfd this helper enters by and the terminal socket stay open.
        FileDescriptor.closeAll(except: [pidfd] + [terminalSocket].compactMap { $0 })
        // The cgroup first: once in the container's namespaces, the host's cgroup tree may no
        // longer be visible.
        do throws(BerthError) { try cgroup.joinSelf(skippingV2: bornInV2) } catch {
            fail("joining the cgroup: \(error.message)")
        }
        if !namespaces.isEmpty {
            do throws(BerthError) { try Namespaces.join(pidfd, namespaces, what: "the container's namespaces (\(namespaces.nameList.joined(separator: " ")))") } catch { fail(error.message) }
        }
        let command = ProcessControl.fork()
        if command < 0 { fail("fork: \(BerthError.errnoText())") }
        if command == 0 { runCommand() }
        terminalSocket?.closeQuietly()
        CurrentProcess.exitNow(ProcessControl.waitFor(command)?.shellStatus ?? 1)
    }

    private func fail(_ message: String) -> Never {
        Terminal.writeError("berth-attach: \(message)\n")
        CurrentProcess.exitNow(1)
    }

    private func runCommand() -> Never {
        ProcessControl.setDumpable(false)
        if options.remountSysProc && !namespaces.contains(.mount) { remountSysProc() }
        if let terminalSocket {
            // A pty of the container's own devpts, so the command's terminal exists inside the
            // container; the host side only ever relays bytes (no host terminal is handed in,
            // the TIOCSTI class of escape).
            let ptx: FileDescriptor, ptyPath: String
            do throws(BerthError) { (ptx, ptyPath) = try Terminal.openPty("/dev/ptmx") } catch {
                fail("opening a pty in the container: \(error.message)")
            }
            CurrentProcess.startSession()
            let pty: FileDescriptor
            do throws(BerthError) { pty = try FileSystem.open(ptyPath, O_RDWR, display: "\(ptyPath) in the container") } catch {
                fail("opening \(error.message)")
            }
            _ = UnixSocket.send(terminalSocket, [1], passing: ptx)
            ptx.closeQuietly()
            terminalSocket.closeQuietly()
            Terminal.makeControlling(pty)
            pty.becomeStandardStreams()
        }
        if let seccomp {
            do throws(BerthError) { try seccomp.load() } catch { fail(error.message) }
        }
        if let bounding {
            for cap in Int32(0)...StartInputs.lastCapability() where bounding & (UInt64(1) << UInt64(cap)) == 0 {
                ProcessControl.dropFromBoundingSet(cap)
            }
        }
        if namespaces.contains(.user) {
            do throws(BerthError) { try CurrentProcess.becomeUserNamespaceRoot() } catch {
                fail("becoming root of the container's user namespace: \(error.message)")
            }
        }
        let home = options.uid == 0 ? "/root" : "/"
        if (try? CurrentProcess.changeDirectory(home)) == nil { try? CurrentProcess.changeDirectory("/") }
        if options.gid != 0 || options.uid != 0 {
            try? CurrentProcess.setGroups([])
            do throws(BerthError) { try CurrentProcess.setGroup(options.gid) } catch { fail(error.message) }
            do throws(BerthError) { try CurrentProcess.setUser(options.uid) } catch { fail(error.message) }
        }
        if noNewPrivs {
            do throws(BerthError) { try ProcessControl.forbidNewPrivileges() } catch { fail(error.message) }
        }
        let argv = options.command.isEmpty ? [AttachHelper.shell(for: options.uid)] : options.command
        let path = TinyInit.search(argv[0], environment: environment)
        ProcessControl.resetSignals()
        let err = CurrentProcess.execute(path, arguments: argv, environment: environment)
        Terminal.writeError("berth-attach: cannot run \(argv[0]) in the container: \(err.berthDescription)\n")
        CurrentProcess.exitNow(err == .noSuchFileOrDirectory ? 127 : 126)
    }

    /// `-R`: a private copy of the host's mount table (so nothing here reaches the host), with
    /// /proc and /sys mounted afresh. Done in the command itself, which is already in the
    /// entered pid namespace: a proc mounted there shows that namespace's processes.
    private func remountSysProc() {
        do throws(BerthError) { try Namespaces.unshare(.mount) } catch { fail("-R: \(error.message)") }
        // Slave before anything changes: the unmounts below must not propagate to the host.
        do throws(BerthError) { try MountCalls.stopPropagation() } catch { fail("-R: making / a slave mount: \(error.message)") }
        for (target, type) in [("/proc", "proc"), ("/sys", "sysfs")] {
            MountCalls.unmount(target)
            if let error = MountCalls.mount(type, on: target, type: type, flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: nil) {
                fail("-R: mounting \(type) on \(target): \(error.berthDescription)")
            }
        }
    }

    /// The user's shell from the container's /etc/passwd, else /bin/sh.
    static func shell(for uid: UInt32) -> String {
        // Read in the container's mount namespace: its own /etc/passwd.
        UserDatabase.entries().first { $0.uid == uid && !$0.shell.isEmpty && FileSystem.mayAccess($0.shell, X_OK) }?.shell ?? "/bin/sh"
    }
}
