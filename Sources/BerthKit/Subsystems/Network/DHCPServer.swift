/// The DHCP and DNS server of the managed bridge: one dnsmasq (Debian's `dnsmasq-base`) per
/// bridge, as LXC's lxc-net runs one for lxcbr0. It leases addresses of the bridge's subnet to
/// containers that ask (those without a static address), keeps the leases in a file that
/// outlives it, and answers for NAME.DOMAIN: the names of leased containers, and of static ones
/// from the host files Berth writes for them.
///
/// Its files: `runDirectory` (under /run) holds the pid file; `stateDirectory` (under /var/lib,
/// so a reboot keeps it) holds the leases and the two directories dnsmasq watches
/// (`dhcp-hosts`: one file per container, its MAC with its static address or its name;
/// `hosts`: `ADDRESS NAME` of each static container).
struct DHCPServer {
    let bridge: ManagedBridge
    let runDirectory: String
    let stateDirectory: String

    var pidFile: String { Path.join(runDirectory, "dnsmasq.pid") }
    var leaseFile: String { Path.join(stateDirectory, "leases") }
    var dhcpHostsDirectory: String { Path.join(stateDirectory, "dhcp-hosts") }
    var hostsDirectory: String { Path.join(stateDirectory, "hosts") }

    /// Where dnsmasq is, if installed.
    static func program() -> String? { FileSystem.program("dnsmasq") }

    /// The running server's pid: the pid file's, when that process is a dnsmasq started with
    /// this pid file (a stale file after a crash or a reboot names another process or none).
    func runningPID() -> pid_t? {
        guard let text = try? FileSystem.readText(pidFile),
              let pid = pid_t(text.splitBytes(UInt8(ascii: "\n")).first ?? ""), pid > 0,
              let cmdline = try? FileSystem.readBytes("/proc/\(pid)/cmdline") else { return nil }
        let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("--pid-file=\(pidFile)") ? pid : nil
    }

    /// The first and last address dnsmasq may lease: the whole subnet but its network and
    /// broadcast addresses. dnsmasq never leases its own address, and every static container's
    /// is reserved (`dhcp-hosts`, written when it is created and at each start).
    func range() -> (first: [UInt8], last: [UInt8], count: UInt32) {
        (bridge.address(at: 1), bridge.address(at: bridge.subnetSize - 2), bridge.subnetSize - 3)
    }

    /// dnsmasq's command line. `--conf-file=/dev/null`: the host's /etc/dnsmasq.conf (a
    /// system-wide dnsmasq's) must not change this one. `--bind-interfaces` with the bridge's
    /// address: it serves the bridge only and leaves port 53 elsewhere to the host's resolver.
    /// `--no-ping`: the addresses in use on the bridge are all reserved or leased, so the ping
    /// dnsmasq would send before each offer only delays a container's lease (by 3 s).
    func arguments(user: String) -> [String] {
        let (first, last, count) = range()
        let address = IPAddress.formatIPv4(bridge.ipv4.bytes)
        return [
            "--conf-file=/dev/null", "--strict-order", "--bind-interfaces",
            "--pid-file=\(pidFile)", "--user=\(user)",
            "--listen-address=\(address)", "--interface=\(bridge.name)", "--except-interface=lo",
            "--dhcp-range=\(IPAddress.formatIPv4(first)),\(IPAddress.formatIPv4(last)),1h",
            "--dhcp-lease-max=\(count)", "--dhcp-no-override", "--dhcp-authoritative", "--no-ping",
            "--dhcp-leasefile=\(leaseFile)",
            "--dhcp-hostsdir=\(dhcpHostsDirectory)", "--hostsdir=\(hostsDirectory)",
            "--domain=\(bridge.domain)", "--local=/\(bridge.domain)/", "--expand-hosts",
        ]
    }

    /// Starts the server unless it runs. Call with the network lock held (one instance).
    /// `restart` stops a running one first (the bridge was made again: its sockets knew the old).
    func ensure(restart: Bool = false) throws(BerthError) {
        if let pid = runningPID() {
            guard restart else { return }
            stop(pid)
        }
        guard let program = Self.program() else {
            throw BerthError(.notFound, "berth.net.dhcp: dnsmasq is not installed (Debian package dnsmasq-base); install it, or set berth.net.dhcp = 0 in berth.conf")
        }
        try FileSystem.makeDirectories(dhcpHostsDirectory)
        try FileSystem.makeDirectories(hostsDirectory)
        // dnsmasq drops root for this user once its sockets and lease file are open; Debian's
        // dnsmasq-base makes it, and nobody is dnsmasq's own fallback.
        let user = UserDatabase.uid(of: "dnsmasq") != nil ? "dnsmasq" : "nobody"
        // dnsmasq forks its daemon and exits once that daemon is ready, with the reason on
        // standard error when it could not be (an address in use, a bad option).
        let what = "the DHCP server of \(bridge.name) did not start"
        try ChildProcess.check(program, arguments(user: user), what: what)
        guard runningPID() != nil else { throw BerthError(.system, "\(what): dnsmasq exited without a daemon behind its pid file \(pidFile)") }
    }

    /// Stops the server if it runs (SIGTERM, then SIGKILL after two seconds).
    func stop(_ known: pid_t? = nil) {
        guard let pid = known ?? runningPID() else { return }
        _ = ProcessControl.signal(pid: pid, SIGTERM)
        for step in 0..<200 {
            if !ProcessControl.exists(pid) { break }
            if step == 199 { _ = ProcessControl.signal(pid: pid, SIGKILL) }
            CurrentProcess.pause(seconds: 0.01)
        }
        try? FileSystem.removeFile(pidFile)
    }

    /// Tells dnsmasq to read its host files again (SIGHUP): a changed or removed dhcp-hosts
    /// entry is only dropped then.
    func reload() {
        if let pid = runningPID() { _ = ProcessControl.signal(pid: pid, SIGHUP) }
    }

    /// Writes what the server must know of container `name` on the bridge: each MAC with its
    /// static address and name (the address reserved for it, never leased to another), or with
    /// its name alone (a lease under that name); and `ADDRESS NAME` for the DNS of the static
    /// ones. Unchanged files are not rewritten; a changed entry makes dnsmasq reload.
    func register(name: String, entries: [(mac: [UInt8]?, address: [UInt8]?)]) throws(BerthError) {
        var changed = false
        for (path, text) in files(name: name, entries: entries) {
            let old = try? FileSystem.readText(path)
            guard old != text else { continue }
            if let text {
                try FileSystem.makeDirectories(Path.parent(path))
                try FileSystem.writeAtomically(path, text: text, mode: 0o644)
            } else {
                try? FileSystem.removeFile(path)
            }
            if old != nil { changed = true }
        }
        if changed { reload() }
    }

    /// The two files that describe container `name` to the server, with their text (nil: the
    /// file should not exist).
    func files(name: String, entries: [(mac: [UInt8]?, address: [UInt8]?)]) -> [(path: String, text: String?)] {
        var dhcpLines: [String] = [], hostLines: [String] = []
        for entry in entries {
            if let mac = entry.mac {
                dhcpLines.append(entry.address.map { "\(MACAddress.format(mac)),\(IPAddress.formatIPv4($0)),\(name)" } ?? "\(MACAddress.format(mac)),\(name)")
            }
            if let address = entry.address { hostLines.append("\(IPAddress.formatIPv4(address)) \(name)") }
        }
        return [(dhcpHostsDirectory, dhcpLines), (hostsDirectory, hostLines)].map { directory, lines in
            (Path.join(directory, name), lines.isEmpty ? nil : lines.joined(separator: "\n") + "\n")
        }
    }

    /// True when the server already knows container `name` as `entries` describe it.
    func isRegistered(name: String, entries: [(mac: [UInt8]?, address: [UInt8]?)]) -> Bool {
        files(name: name, entries: entries).allSatisfy { (try? FileSystem.readText($0.path)) == $0.text }
    }

    /// Forgets container `name` (berth-destroy): its reservation and its name.
    func forget(name: String) {
        var removed = false
        for directory in [dhcpHostsDirectory, hostsDirectory] {
            let path = Path.join(directory, name)
            if FileSystem.exists(path) {
                try? FileSystem.removeFile(path)
                removed = true
            }
        }
        if removed { reload() }
    }

    /// One lease of the lease file: `EXPIRY MAC ADDRESS NAME CLIENT-ID`.
    struct Lease: Equatable {
        let mac: String
        let address: [UInt8]
        let name: String?
    }

    /// The leases dnsmasq has handed out (kept across its restarts).
    func leases() -> [Lease] {
        guard let text = try? FileSystem.readText(leaseFile) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 4, let address = IPAddress.parseIPv4(String(fields[2])) else { return nil }
            return Lease(mac: String(fields[1]), address: address, name: fields[3] == "*" ? nil : String(fields[3]))
        }
    }
}
