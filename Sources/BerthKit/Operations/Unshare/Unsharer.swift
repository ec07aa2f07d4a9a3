import SystemPackage

/// berth-unshare: runs a command in new namespaces, as lxc-unshare does: optionally as another
/// user, with its own hostname, with a host interface moved into its new network namespace,
/// and with a /proc of its own pid namespace. The command's exit status is returned.
public struct Unsharer {
    public var namespaces: NamespaceSet
    public var command: [String]
    /// Run as this uid (and its primary gid from /etc/passwd, else the same number).
    public var user: uid_t?
    public var hostname: String?
    /// Host interfaces moved into the new network namespace.
    public var interfaces: [String] = []
    /// A new /proc (needs the mount and pid namespaces).
    public var remountProc = false
    /// The user namespace's maps (berth-usernsexec); empty maps the caller's own ids to root.
    /// With maps, the command runs as the namespace's root.
    public var maps: [IDMap] = []

    /// The ranges /etc/subuid and /etc/subgid delegate to the caller, as ids 0-65535.
    public static func delegatedMaps() throws(BerthError) -> [IDMap] {
        try ContainerCreator.delegatedMaps(subordinateDirectory: "/etc")
    }

    public init(namespaces: NamespaceSet, command: [String]) {
        self.namespaces = namespaces
        self.command = command
    }

    public func run() throws(BerthError) -> Int32 {
        guard !command.isEmpty else { throw BerthError(.invalidArgument, "no command given (berth-unshare -s NAMESPACES -- COMMAND)") }
        if hostname != nil && !namespaces.contains(.uts) { throw BerthError(.invalidArgument, "-H needs a new UTSNAME namespace (-s UTSNAME)") }
        if !interfaces.isEmpty && !namespaces.contains(.net) { throw BerthError(.invalidArgument, "-i needs a new NETWORK namespace (-s NETWORK)") }
        if remountProc && !(namespaces.contains(.mount) && namespaces.contains(.pid)) {
            throw BerthError(.invalidArgument, "-M needs new MOUNT and PID namespaces (-s 'MOUNT|PID')")
        }
        // The child waits until the parent has mapped its user namespace and moved the
        // interfaces: one byte over this pair says it may go on.
        let (parentEnd, childEnd) = try UnixSocket.pair(display: "unshare")
        let (pid, pidfd, _) = ProcessControl.clone(UInt64(namespaces.rawValue))
        if pid == 0 {
            parentEnd.closeQuietly()
            ProcessControl.dieWithParent()
            guard childEnd.readLine() == "go" else { CurrentProcess.exitNow(1) }
            childEnd.closeQuietly()
            runCommand()
        }
        childEnd.closeQuietly()
        defer { parentEnd.closeQuietly() }
        guard pid > 0 else { throw BerthError.system("clone", "new namespaces", currentErrno) }
        pidfd.closeQuietly()
        do throws(BerthError) {
            if namespaces.contains(.user) {
                // The caller's ids become the new namespace's root, as lxc-unshare maps them.
                let uid = CurrentProcess.effectiveUser, gid = CurrentProcess.realGroup
                let own = [IDMap(kind: .uid, inside: 0, outside: uid, count: 1), IDMap(kind: .gid, inside: 0, outside: gid, count: 1)]
                try IDMapWriter.write(pid: pid, maps.isEmpty ? own : maps)
            }
            if !interfaces.isEmpty {
                let netns = try FileSystem.open("/proc/\(pid)/ns/net", O_RDONLY)
                defer { netns.closeQuietly() }
                let host = try NetworkControl.host()
                for name in interfaces {
                    guard let link = try host.link(named: name) else { throw BerthError(.notFound, "-i: the host has no interface \(name)") }
                    try host.change(link.index, namespace: netns, "-i: moving \(name) into the new network namespace")
                }
            }
        } catch {
            ProcessControl.signal(pid: pid, SIGKILL)
            _ = ProcessControl.waitFor(pid)
            throw error
        }
        parentEnd.writeFully("go\n")
        return ProcessControl.waitFor(pid)?.shellStatus ?? 1
    }

    private func fail(_ message: String) -> Never {
        Terminal.writeError("berth-unshare: \(message)\n")
        CurrentProcess.exitNow(1)
    }

    /// In the child: hostname, /proc, user, then exec; returns only by exiting.
    private func runCommand() -> Never {
        if let hostname {
            do throws(BerthError) { try CurrentProcess.setHostname(hostname) } catch { fail(error.message) }
        }
        if remountProc {
            do throws(BerthError) {
                // Slave first: the new /proc must not propagate to the host's mount table.
                try MountCalls.stopPropagation()
                MountCalls.unmount("/proc")
                try MountCalls.mount("proc", on: "/proc", type: "proc", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: nil, display: "/proc")
            } catch { fail("-M: \(error.message)") }
        }
        if !maps.isEmpty {
            // The namespace's root, as lxc-usernsexec runs its command (groups first: once the
            // uid changes, setgroups is no longer allowed).
            do throws(BerthError) {
                try? CurrentProcess.setGroups([])
                try CurrentProcess.setGroup(0)
                try CurrentProcess.setUser(0)
            } catch { fail("becoming root of the user namespace: \(error.message)") }
        }
        if let user {
            let gid = UserDatabase.primaryGroup(of: user) ?? user
            do throws(BerthError) {
                try CurrentProcess.setGroups([])
                try CurrentProcess.setGroup(gid)
                try CurrentProcess.setUser(user)
            } catch { fail("-u \(user): \(error.message)") }
        }
        let err = CurrentProcess.executeSearchingPath(command)
        fail("cannot run \(command[0]): \(err.berthDescription)")
    }
}
