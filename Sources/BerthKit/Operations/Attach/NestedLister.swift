import SystemPackage

/// berth-ls --nesting: the containers defined inside a running container, as lxc-ls --nesting
/// shows them: read from inside the container (its user, pid, mount and network namespaces),
/// in its own lxcpath (lxc.lxcpath of its /etc/berth/berth.conf, else Berth's default), and so
/// on for the running ones among them, `depth` levels down. Names come back as `outer/inner`.
///
/// The container is hostile: the lister enters it as attach does (not dumpable, the host's
/// binary out of reach, nothing of the caller open), its answer is parsed as untrusted text of
/// a fixed shape, and a container that does not answer within `timeout` seconds is left out
/// (the helper killed by its pid), never waited for.
public struct NestedLister {
    public let depth: Int
    public let timeout: Double

    public init(depth: Int, timeout: Double = 3) {
        self.depth = depth
        self.timeout = timeout
    }

    /// The summaries of the containers inside running `container`, named `CONTAINER/NAME`, and
    /// why there are none when they could not be read (nil when it has none, or stopped).
    public func list(inside container: Container) -> (containers: [ContainerSummary], problem: String?) {
        guard depth > 0, let reply = try? MonitorClient(paths: container.paths).send(.initPidfd),
              let initPID = reply.words.first.flatMap({ pid_t($0) }), initPID > 0, let pidfd = reply.passedFD else { return ([], nil) }
        reply.fd.closeQuietly()
        defer { pidfd.closeQuietly() }
        if let monitor = ExecutableGuard.parent(of: initPID) {
            do throws(BerthError) { try ExecutableGuard.protect(sharingImageWith: monitor) } catch { return ([], error.message) }
        }
        let namespaces = Namespaces.differing(of: initPID, among: [.user, .pid, .mount, .net])
        // Without a mount namespace of its own the container's lxcpath is the host's.
        guard namespaces.contains(.mount) else { return ([], nil) }
        let readEnd: FileDescriptor, writeEnd: FileDescriptor
        do throws(BerthError) { (readEnd, writeEnd) = try FileDescriptor.closeOnExecPipe(display: "nesting") } catch { return ([], error.message) }
        let helper = ProcessControl.fork()
        if helper == 0 {
            readEnd.closeQuietly()
            runHelper(pidfd: pidfd, namespaces: namespaces, output: writeEnd)
        }
        writeEnd.closeQuietly()
        defer { readEnd.closeQuietly() }
        guard helper > 0 else { return ([], "fork: \(BerthError.errnoText())") }
        guard let text = collect(readEnd, helper: helper) else {
            return ([], "it did not answer within \(Int(timeout)) seconds")
        }
        if text.hasPrefix("!") { return ([], String(text.dropFirst().prefix { $0 != "\n" })) }
        return (NestedLister.parse(text, parent: container.name.value), nil)
    }

    /// Reads the helper's answer until it closes the pipe; nil when the time is up first (the
    /// helper is killed).
    private func collect(_ fd: FileDescriptor, helper: pid_t) -> String? {
        fd.setNonBlocking()
        var bytes: [UInt8] = []
        let deadline = monotonicSeconds() + timeout
        while bytes.count < 1 << 20 {
            let left = deadline - monotonicSeconds()
            if left <= 0 {
                _ = ProcessControl.signal(pid: helper, SIGKILL)
                _ = ProcessControl.waitFor(helper)
                return nil
            }
            var poll = PollSet()
            poll.add(fd)
            _ = poll.wait(milliseconds: Int32(left * 1000) + 1)
            guard let chunk = fd.readAvailable() else { break }
            bytes += chunk
        }
        _ = ProcessControl.waitFor(helper)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The helper: enters the container, forks the lister into its pid namespace, and passes
    /// on what the lister writes. Dies with berth-ls.
    private func runHelper(pidfd: FileDescriptor, namespaces: NamespaceSet, output: FileDescriptor) -> Never {
        ProcessControl.dieWithParent()
        ProcessControl.setDumpable(false)
        // Nothing of the caller's enters the container, its terminal included: stdio is
        // /dev/null, and only the pidfd and the answer's pipe stay open.
        (try? FileSystem.open("/dev/null", O_RDWR))?.becomeStandardStreams()
        FileDescriptor.closeAll(except: [pidfd, output])
        do throws(BerthError) { try Namespaces.join(pidfd, namespaces, what: "the container's namespaces") } catch {
            _ = output.writeFully("!\(error.message)\n")
            CurrentProcess.exitNow(1)
        }
        pidfd.closeQuietly()
        if namespaces.contains(.user) {
            do throws(BerthError) { try CurrentProcess.becomeUserNamespaceRoot() } catch {
                _ = output.writeFully("!becoming root of its user namespace: \(error.message)\n")
                CurrentProcess.exitNow(1)
            }
        }
        let lister = ProcessControl.fork()
        if lister == 0 {
            ProcessControl.dieWithParent()
            ProcessControl.setDumpable(false)
            _ = output.writeFully(NestedLister.render(listHere()))
            CurrentProcess.exitNow(0)
        }
        output.closeQuietly()
        CurrentProcess.exitNow(lister > 0 ? (ProcessControl.waitFor(lister)?.shellStatus ?? 1) : 1)
    }

    /// Inside the container: its containers, and theirs `depth - 1` levels down.
    private func listHere() -> [ContainerSummary] {
        // Its own berth.conf, not the caller's environment (BERTH_CONFIG_DIR names a host path).
        let lxcpath = (try? SystemConfig.load(environment: { _ in nil }))?.lxcpath ?? SystemConfig.defaultLXCPath
        var rows: [ContainerSummary] = []
        for container in ContainerInventory.list(lxcpath: lxcpath) {
            let summary = ContainerSummary(container)
            rows.append(summary)
            if summary.state.isActive, depth > 1 {
                rows += NestedLister(depth: depth - 1, timeout: timeout).list(inside: container).containers
            }
        }
        return rows
    }

    /// One line per container: name, state, pid, autostart, groups, IPv4, IPv6, unprivileged,
    /// interfaces, tab-separated (lists comma-separated).
    static func render(_ rows: [ContainerSummary]) -> String {
        func clean(_ text: String) -> String { String(text.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
        return rows.map { row in
            [row.name, row.state.rawValue, row.pid.map(String.init) ?? "-", row.autostart ? "1" : "0", row.groups.joined(separator: ","),
             row.ipv4.joined(separator: ","), row.ipv6.joined(separator: ","), row.unprivileged ? "1" : "0",
             row.interfaces.joined(separator: ",")].map(clean).joined(separator: "\t") + "\n"
        }.joined()
    }

    /// The helper's lines as summaries named `parent/NAME`; a line of another shape is dropped.
    static func parse(_ text: String, parent: String) -> [ContainerSummary] {
        text.split(separator: "\n").compactMap { line -> ContainerSummary? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 9, !fields[0].isEmpty, let state = ContainerState(rawValue: fields[1]) else { return nil }
            // Every field is the container's word: escaped before a terminal shows it.
            func list(_ text: String) -> [String] { text.split(separator: ",").map { PrintableText.escaped(String($0)) } }
            return ContainerSummary(name: parent + "/" + PrintableText.escaped(fields[0]), state: state, pid: nil,
                                    autostart: fields[3] == "1", groups: list(fields[4]), ipv4: list(fields[5]), ipv6: list(fields[6]),
                                    unprivileged: fields[7] == "1", interfaces: list(fields[8]))
        }
    }
}
