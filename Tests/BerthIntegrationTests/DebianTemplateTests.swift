import Foundation
import Testing
import BerthKit

/// The debian template end to end, as a new user runs it on a stock Debian host (deb822 apt
/// sources only): a first create that runs debootstrap into the shared cache, a cached create,
/// and a real systemd guest, unprivileged on a managed bridge of the test's own. The cache is
/// the host's (/var/cache/berth/debian), so a CI machine downloads the base system once.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct DebianTemplateTests {
    /// systemd's own verdict once it is up: right after the start its bus may not answer yet
    /// (systemctl then prints nothing), so the question is asked again for up to 90 s.
    static let waitForSystemd = "for i in $(seq 300); do s=$(timeout 90 systemctl is-system-running --wait 2>/dev/null); [ -n \"$s\" ] && break; sleep 0.3; done; echo \"$s\""

    @Test func aSystemdGuestBootsStopsAndReboots() throws {
        let box = try Sandbox()
        let links = TestLinks(box)
        let bridge = "bt\(links.tag)d"
        // Shipped defaults (unprivileged, a veth on the managed bridge), on the test's bridge.
        try box.useManagedBridge(bridge, ipv4: "10.205.0.1/24")
        defer { _ = try? box.run(executable: "/bin/sh", ["-c", "ip link del \(bridge) 2>/dev/null"]) }
        var environment = box.environment
        environment["BERTH_CACHE_DIR"] = "/var/cache/berth"
        func run(_ tool: String, _ arguments: [String]) throws -> RunResult {
            try box.run(executable: "/usr/bin/env", environment.map { "\($0.key)=\($0.value)" } + [binDirectory + "/berth-" + tool, "-P", box.lxcpath] + arguments)
        }

        var begin = Date()
        let made = try run("create", ["-n", "deb", "-t", "debian"])
        let firstCreate = Date().timeIntervalSince(begin)
        try #require(made.status == 0, "\(made.stderr)")
        begin = Date()
        let cached = try run("create", ["-n", "deb2", "-t", "debian"])
        let cachedCreate = Date().timeIntervalSince(begin)
        #expect(cached.status == 0 && cachedCreate < 30, "cached create: \(cachedCreate) s \(cached.stderr)")
        print("debian template: first create \(String(format: "%.1f", firstCreate)) s (a download unless the cache was warm), cached create \(String(format: "%.2f", cachedCreate)) s")
        let config = box.text(box.lxcpath + "/deb/config") ?? ""
        #expect(config.contains("lxc.idmap = u 0 ") && config.contains("lxc.net.0.link = \(bridge)"), "unprivileged on the managed bridge: \(config)")
        #expect(box.text(box.lxcpath + "/deb/rootfs/etc/hostname") == "deb\n")

        // The monitor's log at info, so a failed start says what the monitor saw.
        let log = box.root + "/deb-start.log"
        let started = try run("start", ["-n", "deb", "-o", log, "-l", "info"])
        try #require(started.status == 0, "first start: \(started.stderr) log: \(box.text(log) ?? "")")
        let state = try run("attach", ["-n", "deb", "--", "/bin/sh", "-c", Self.waitForSystemd])
        let failed = try run("attach", ["-n", "deb", "--", "systemctl", "--failed", "--no-legend"]).stdout
        #expect(state.stdout == "running\n", "systemd: \(state.stdout) \(failed)")
        #expect(failed.isEmpty, "failed units: \(failed)")
        let address = try run("attach", ["-n", "deb", "--", "ip", "-4", "-o", "addr", "show", "eth0"]).stdout
        #expect(address.contains("inet 10.205.0."), "eth0: \(address)")
        #expect(try box.run(executable: "/bin/busybox", ["ping", "-c1", "-W2", String(address.split(separator: " ")[3].split(separator: "/")[0])]).status == 0)

        // A clean stop (SIGRTMIN+3 to systemd) well within 5 s.
        begin = Date()
        let stopped = try run("stop", ["-n", "deb"])
        try #require(stopped.status == 0, "clean stop: \(stopped.stderr)")
        #expect(Date().timeIntervalSince(begin) < 5, "clean stop took \(Date().timeIntervalSince(begin)) s")
        // Start again, reboot from the host, and it comes back running.
        let restarted = try run("start", ["-n", "deb", "-o", log, "-l", "info"])
        try #require(restarted.status == 0, "second start: \(restarted.stderr) log: \(box.text(log) ?? "")")
        let before = try run("info", ["-n", "deb", "-pH"]).stdout
        let rebooted = try run("stop", ["-n", "deb", "-r"])
        try #require(rebooted.status == 0, "reboot: \(rebooted.stderr)")
        let after = try run("info", ["-n", "deb", "-pH"]).stdout
        #expect(before != after && !after.isEmpty, "a new init after the reboot")
        #expect(try run("attach", ["-n", "deb", "--", "/bin/sh", "-c", Self.waitForSystemd]).stdout == "running\n")
        try #require(try run("stop", ["-n", "deb"]).status == 0)
        box.expectClean("deb")
        _ = try run("destroy", ["-n", "deb"])
        _ = try run("destroy", ["-n", "deb2"])
    }
}
