import Foundation
import Testing
import BerthKit

/// The managed bridge's services on the real kernel: dnsmasq leasing addresses to containers
/// without a static one and answering for their names, its life tied to the bridge, and the
/// opt-in NAT table (checked inside a network namespace of the test's own, so no rule ever
/// touches the host's traffic). Every address used is on a bridge the test made.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct ManagedNetworkTests {
    func attach(_ box: Sandbox, _ name: String, _ command: String) throws -> RunResult {
        try box.run("attach", ["-n", name, "--", "/bin/sh", "-c", command])
    }

    /// The lease of container `name` within `seconds`: its address, or nil.
    func lease(_ box: Sandbox, _ bridge: String, _ name: String, within seconds: Double) -> String? {
        let file = box.root + "/net-state/\(bridge)/leases"
        let end = Date().addingTimeInterval(seconds)
        repeat {
            let lines = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n")
            if let line = lines.first(where: { $0.split(separator: " ").count >= 4 && $0.split(separator: " ")[3] == name }) {
                return String(line.split(separator: " ")[2])
            }
            usleep(20_000)
        } while Date() < end
        return nil
    }

    /// The address on the container's eth0, once it has one (the lease is written before the
    /// client sets it).
    func address(_ box: Sandbox, _ name: String) throws -> String? {
        for _ in 0..<100 {
            let shown = try attach(box, name, "ip -4 -o addr show eth0").stdout
            if let word = shown.split(separator: " ").first(where: { $0.contains("/") && $0.contains(".") }) {
                return String(word.split(separator: "/")[0])
            }
            usleep(20_000)
        }
        return nil
    }

    func serverPID(_ box: Sandbox, _ bridge: String) -> pid_t? {
        (try? String(contentsOfFile: box.root + "/net-run/\(bridge)/dnsmasq.pid", encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap { kill($0, 0) == 0 ? $0 : nil }
    }

    @Test func dhcpLeasesNamesAndTheServersLife() throws {
        let box = try Sandbox()
        let links = TestLinks(box)
        let bridge = "bt\(links.tag)d"
        try box.useManagedBridge(bridge, ipv4: "10.206.0.1/24", dhcp: true, extra: ["berth.net.static = 0"])
        defer {
            for name in ["d1", "d2", "d3", "s1"] { _ = try? box.run("stop", ["-n", name, "-k"]) }
            _ = try? box.run("net", ["stop"], lxcpath: false)
            _ = try? box.run(executable: "/bin/sh", ["-c", "ip link del \(bridge) 2>/dev/null"])
        }
        for name in ["d1", "d2", "d3"] { try box.ok("create", ["-n", name, "-t", "busybox"]) }
        let config = try #require(box.text(box.lxcpath + "/d1/config"))
        #expect(!config.contains("\nlxc.net.0.ipv4.address"), "berth.net.static = 0: no static address")

        // A static container on the same bridge: its address is reserved with the server when
        // it is created, and its name answers before it ever runs.
        let staticFile = box.root + "/static.conf"
        try "lxc.net.0.type = veth\nlxc.net.0.link = \(bridge)\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 10:66:6a:xx:xx:xx\nlxc.net.0.ipv4.address = 10.206.0.50/24\nlxc.net.0.ipv4.gateway = auto\n".write(toFile: staticFile, atomically: true, encoding: .utf8)
        try box.ok("create", ["-n", "s1", "-t", "busybox", "-f", staticFile])
        let reserved = try #require(box.text(box.root + "/net-state/\(bridge)/dhcp-hosts/s1"))
        #expect(reserved.hasSuffix(",10.206.0.50,s1\n"), "\(reserved)")

        // The first start makes the bridge and the server; the container's lease comes within 5 s.
        let began = Date()
        try box.ok("start", ["-n", "d1"])
        let leased = try #require(lease(box, bridge, "d1", within: 5), "no lease for d1 within 5 s of its start")
        let leaseTime = Date().timeIntervalSince(began)
        #expect(leaseTime < 5)
        print("dhcp: d1 leased \(leased) \(Int(leaseTime * 1000)) ms after berth-start began")
        #expect(leased.hasPrefix("10.206.0.") && leased != "10.206.0.1" && leased != "10.206.0.50")
        #expect(try address(box, "d1") == leased)
        let firstServer = try #require(serverPID(box, bridge))

        try box.ok("start", ["-n", "d2"])
        let second = try #require(lease(box, bridge, "d2", within: 5))
        #expect(second != leased && second != "10.206.0.50")
        #expect(try address(box, "d2") == second)
        #expect(serverPID(box, bridge) == firstServer, "one server for the bridge")

        // Names: from another container (its resolv.conf comes with the lease) and from the host.
        let byName = try attach(box, "d1", "cat /etc/resolv.conf; nslookup d2.berth; ping -c1 -W2 d2")
        #expect(byName.status == 0 && byName.stdout.contains("search berth") && byName.stdout.contains("Address: \(second)"), "\(byName.stdout)\(byName.stderr)")
        let fromHost = try box.run(executable: "/bin/busybox", ["nslookup", "d1.berth", "10.206.0.1"])
        #expect(fromHost.stdout.contains("Address: \(leased)"), "\(fromHost.stdout)\(fromHost.stderr)")
        let staticName = try box.run(executable: "/bin/busybox", ["nslookup", "s1.berth", "10.206.0.1"])
        #expect(staticName.stdout.contains("Address: 10.206.0.50"), "\(staticName.stdout)\(staticName.stderr)")

        // A static container boots without a DHCP client: Berth tells its init which interface
        // it addressed, and the busybox rcS leaves that one alone (once getty runs, rcS is done).
        // A DHCP container is told nothing and runs its client.
        try box.ok("start", ["-n", "s1"])
        let booted = eventually(tries: 500) { ((try? attach(box, "s1", "ps").stdout) ?? "").contains("getty") }
        #expect(booted, "s1's rcS did not finish")
        let s1 = try attach(box, "s1", "tr '\\0' '\\n' < /proc/1/environ; ps")
        #expect(s1.stdout.contains("container_ipv4_configured=eth0\n") && !s1.stdout.contains("udhcpc"), "\(s1.stdout)")
        #expect(try address(box, "s1") == "10.206.0.50")
        let d1 = try attach(box, "d1", "tr '\\0' '\\n' < /proc/1/environ; ps")
        #expect(!d1.stdout.contains("container_ipv4_configured") && d1.stdout.contains("udhcpc"), "\(d1.stdout)")
        try box.ok("stop", ["-n", "s1", "-k"])

        // A restart keeps the lease.
        try box.ok("stop", ["-n", "d1", "-k"])
        try box.ok("start", ["-n", "d1"])
        #expect(try address(box, "d1") == leased, "the lease survives a restart")

        // A server that died is started again by the next start on the bridge.
        kill(firstServer, SIGKILL)
        #expect(eventually { processEnded(firstServer) }, "the killed server is gone")
        try box.ok("start", ["-n", "d3"])
        let restarted = try #require(serverPID(box, bridge), "the start restarted the server")
        #expect(restarted != firstServer)
        #expect(lease(box, bridge, "d3", within: 5) != nil)
        let status = try box.ok("net", ["status"], lxcpath: false)
        #expect(status.stdout.contains("bridge \(bridge) up") && status.stdout.contains("dhcp running (pid \(restarted))") && status.stdout.contains("nat off"), "\(status.stdout)")
        #expect(status.stdout.contains("lease \(leased) ") && status.stdout.contains(" d1\n"), "\(status.stdout)")

        // A static address the server leased is never handed out by create: turned back on,
        // static allocation skips the leases.
        try box.useManagedBridge(bridge, ipv4: "10.206.0.1/24", dhcp: true)
        try box.ok("create", ["-n", "s2", "-t", "busybox"])
        let s2 = try #require(box.text(box.lxcpath + "/s2/config"))
        for taken in [leased, second, "10.206.0.50"] { #expect(!s2.contains("ipv4.address = \(taken)/"), "\(taken) given twice") }

        // Destroy forgets the container; stop leaves a bridge with containers on it, and
        // removes it, with the server, once none is.
        try box.ok("destroy", ["-n", "d2", "-f"])
        #expect(!FileManager.default.fileExists(atPath: box.root + "/net-state/\(bridge)/dhcp-hosts/d2"))
        let busy = try box.ok("net", ["stop"], lxcpath: false)
        #expect(busy.stdout.contains("\(bridge) is left"), "\(busy.stdout)")
        #expect(serverPID(box, bridge) == nil)
        for name in ["d1", "d3"] { try box.ok("stop", ["-n", name, "-k"]) }
        _ = eventually { (try? links.ports(of: bridge))?.isEmpty ?? true }
        try box.ok("net", ["stop"], lxcpath: false)
        #expect(try !links.names().contains(bridge))
        #expect(FileManager.default.fileExists(atPath: box.root + "/net-state/\(bridge)/leases"), "leases outlive the server")
    }

    /// NAT is opt-in: berth-net adds Berth's own nftables table when berth.net.nat = 1 and
    /// removes it when the setting goes back to 0. Run in a network namespace of the test's own,
    /// so the rules (and IPv4 forwarding) exist only there; no packet is sent.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"), "needs nft (nftables)"))
    func natRulesFollowTheSetting() throws {
        let box = try Sandbox()
        let bridge = "btnat0"
        try box.useManagedBridge(bridge, ipv4: "10.207.0.1/24", extra: ["berth.net.nat = 1"])
        let net = binDirectory + "/berth-net"
        let conf = box.configDirectory + "/berth.conf"
        let script = """
            set -e
            ip link set lo up
            \(net) start
            echo "--on"; nft list table ip berth_\(bridge)
            cat /proc/sys/net/ipv4/ip_forward
            \(net) status
            sed -i 's/berth.net.nat = 1/berth.net.nat = 0/' \(conf)
            \(net) start
            echo "--off"; nft list tables
            \(net) stop
            echo "--stopped"; ip -o link show | grep -c \(bridge) || true
            sed -i 's/berth.net.nat = 0/berth.net.nat = yes/' \(conf)
            \(net) start 2>&1 || echo "refused $?"
            """
        let ran = try box.run(executable: "/usr/bin/unshare", ["-n", "/bin/sh", "-c", script])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        let parts = ran.stdout.components(separatedBy: "--")
        let on = try #require(parts.first { $0.hasPrefix("on") })
        #expect(on.contains("type nat hook postrouting") && on.contains("ip saddr 10.207.0.0/24 ip daddr != 10.207.0.0/24 masquerade"), "\(on)")
        #expect(on.contains("\n1\n") && on.contains("nat on"), "forwarding on with NAT: \(on)")
        let off = try #require(parts.first { $0.hasPrefix("off") })
        #expect(!off.contains("berth_\(bridge)"), "the table is gone when turned off: \(off)")
        let stopped = try #require(parts.first { $0.hasPrefix("stopped") })
        #expect(stopped.contains("\n0\n") && stopped.contains("berth.conf:4: berth.net.nat must be 0 or 1, not 'yes'") && stopped.contains("refused"), "\(stopped)")
    }

    /// A fixed MAC address is held by its running container, across lxcpaths: a copy that
    /// keeps it (-M) into another lxcpath is refused while the first runs, naming it and its
    /// lxcpath, and starts once the first has stopped; the hold goes with the container.
    @Test func aMACAddressIsHeldWhileItsContainerRuns() throws {
        let box = try Sandbox()
        let links = TestLinks(box)
        let bridge = "bt\(links.tag)m"
        try box.useManagedBridge(bridge, ipv4: "10.207.0.1/24")
        let other = box.root + "/other"
        defer {
            _ = try? box.run("stop", ["-n", "m1", "-k"])
            _ = try? box.run("stop", ["-P", other, "-n", "m2", "-k"], lxcpath: false)
            _ = try? box.run("net", ["stop"], lxcpath: false)
            _ = try? box.run(executable: "/bin/sh", ["-c", "ip link del \(bridge) 2>/dev/null"])
        }
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try box.ok("create", ["-n", "m1", "-t", "busybox"])
        try box.ok("copy", ["-n", "m1", "-N", "m2", "-p", other, "-M"])
        let mac = try #require((box.text(box.lxcpath + "/m1/config") ?? "").split(separator: "\n")
            .first { $0.hasPrefix("lxc.net.0.hwaddr = ") }.map { String($0.dropFirst(19)) })
        #expect(box.text(other + "/m2/config")?.contains("lxc.net.0.hwaddr = \(mac)") == true)
        let hold = "/run/berth/macs/" + mac.replacingOccurrences(of: ":", with: "-")
        try box.ok("start", ["-n", "m1"])
        #expect(FileManager.default.fileExists(atPath: hold))
        let refused = try box.run("start", ["-P", other, "-n", "m2"], lxcpath: false)
        #expect(refused.status != 0 && refused.stderr.contains("MAC address \(mac) is already used by the running container m1 of \(box.lxcpath)"),
                "\(refused.stderr)")
        box.expectClean("m2")
        try box.ok("stop", ["-n", "m1", "-k"])
        #expect(box.text(hold) == "", "the hold goes with the container (its file stays, empty, for the next start)")
        try box.ok("start", ["-P", other, "-n", "m2"], lxcpath: false)
        #expect(box.text(hold) == "m2\n\(other)\n")
        try box.ok("stop", ["-P", other, "-n", "m2", "-k"], lxcpath: false)
        #expect(box.text(hold) == "")
        box.expectClean("m1")

        // A monitor killed outright leaves its file but not its hold: another container with
        // the address takes it over, and destroy leaves that one's hold alone; destroy removes
        // what a killed monitor left of the container's own.
        try box.ok("start", ["-n", "m1"])
        let monitor = try #require(box.monitorPID("m1"))
        kill(monitor, SIGKILL)
        #expect(eventually { box.monitorPID("m1") == nil }, "the killed monitor is gone")
        #expect(FileManager.default.fileExists(atPath: hold), "a killed monitor leaves its file")
        try box.ok("start", ["-P", other, "-n", "m2"], lxcpath: false)
        _ = try box.run("stop", ["-n", "m1", "-k"])
        try box.ok("destroy", ["-n", "m1"])
        #expect(box.text(hold) == "m2\n\(other)\n", "m2's hold stays")
        let otherMonitor = { () -> pid_t? in
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).first { pid in
                (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.hasPrefix("[berth monitor] \(other) m2") == true
            }
        }
        kill(try #require(otherMonitor()), SIGKILL)
        #expect(eventually { otherMonitor() == nil }, "the killed monitor is gone")
        _ = try box.run("stop", ["-P", other, "-n", "m2", "-k"], lxcpath: false)
        #expect(FileManager.default.fileExists(atPath: hold))
        try box.ok("destroy", ["-P", other, "-n", "m2"], lxcpath: false)
        #expect(!FileManager.default.fileExists(atPath: hold), "destroy removes what a killed monitor left")
    }
}
