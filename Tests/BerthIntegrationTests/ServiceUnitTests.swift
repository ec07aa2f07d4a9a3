import Foundation
import Testing
import BerthKit

/// The systemd units make install puts down: valid for systemd (systemd-analyze verify with the
/// tools where this test finds them), and their commands doing what the units promise when run
/// as systemd would run them (on a sandbox lxcpath; this machine's PID 1 is not systemd).
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct ServiceUnitTests {
    /// The unit's text with the tools' directory filled in.
    func unit(_ name: String) throws -> String {
        try String(contentsOfFile: repositoryRoot + "/config/systemd/" + name, encoding: .utf8)
            .replacingOccurrences(of: "@BINDIR@", with: binDirectory)
    }

    /// The command lines of `key` (ExecStart, ExecStop...) for instance `instance`.
    func commands(_ text: String, _ key: String, instance: String = "") -> [[String]] {
        text.split(separator: "\n").filter { $0.hasPrefix(key + "=") }.map { line in
            line.dropFirst(key.count + 1).replacingOccurrences(of: "%i", with: instance).split(separator: " ").map(String.init)
        }
    }

    @Test func unitsVerifyAndTheirCommandsWork() throws {
        let box = try Sandbox()
        let units = box.root + "/units"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        for name in ["berth.service", "berth@.service", "berth-net.service"] {
            try unit(name).write(toFile: units + "/" + name, atomically: true, encoding: .utf8)
        }
        let verified = try box.run(executable: "/bin/sh", ["-c", "cd '\(units)' && SYSTEMD_UNIT_PATH='\(units)': systemd-analyze verify --man=no berth.service berth@web.service berth-net.service"])
        #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified.stdout)\(verified.stderr)")

        // berth@NAME: start (the PID file names the monitor), status in the log, stop.
        let name = "u" + String(UUID().uuidString.prefix(6)).lowercased()
        try box.ok("create", ["-n", name, "-t", "busybox"])
        let single = try unit("berth@.service")
        var begin = Date()
        for command in commands(single, "ExecStart", instance: name) + commands(single, "ExecStartPost", instance: name) {
            let ran = try box.run(executable: command[0], Array(command.dropFirst()) + ["-P", box.lxcpath])
            #expect(ran.status == 0, "\(command): \(ran.stderr)")
            if command.contains("-s") { #expect(ran.stdout.contains("RUNNING"), "status: \(ran.stdout)") }
        }
        let pidFile = "/run/berth/\(name).unit.pid"
        defer { unlink(pidFile) }
        let pid = (box.text(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pid == box.monitorPID(name).map(String.init), "the PID file names the monitor: \(pid)")
        #expect(Date().timeIntervalSince(begin) < 10)
        for command in commands(single, "ExecStop", instance: name) {
            #expect(try box.run(executable: command[0], Array(command.dropFirst()) + ["-P", box.lxcpath]).status == 0)
        }
        #expect(try box.run("info", ["-n", name, "-sH"]).stdout == "STOPPED\n")

        // berth.service: boot starts the onboot group and the ungrouped autostart containers;
        // shutdown stops every running container.
        try box.ok("create", ["-n", "boot", "-t", "busybox", "-s", "lxc.start.auto=1", "-s", "lxc.group=onboot"])
        try box.ok("create", ["-n", "plain", "-t", "busybox", "-s", "lxc.start.auto=1"])
        try box.ok("create", ["-n", "other", "-t", "busybox", "-s", "lxc.start.auto=1", "-s", "lxc.group=web"])
        let all = try unit("berth.service")
        for command in commands(all, "ExecStart") {
            #expect(try box.run(executable: command[0], Array(command.dropFirst()) + ["-P", box.lxcpath]).status == 0)
        }
        #expect(try ["boot", "plain", "other"].map { try box.run("info", ["-n", $0, "-sH"]).stdout } == ["RUNNING\n", "RUNNING\n", "STOPPED\n"])
        try box.ok("start", ["-n", "other"])
        begin = Date()
        for command in commands(all, "ExecStop") {
            #expect(try box.run(executable: command[0], Array(command.dropFirst()) + ["-P", box.lxcpath]).status == 0)
        }
        #expect(try ["boot", "plain", "other"].map { try box.run("info", ["-n", $0, "-sH"]).stdout } == ["STOPPED\n", "STOPPED\n", "STOPPED\n"])
        #expect(Date().timeIntervalSince(begin) < 100, "within the unit's bound")
        for container in [name, "boot", "plain", "other"] { box.expectClean(container) }
    }

    /// berth-net.service's commands, as systemd runs them (ExecStart, ExecReload, ExecStop), in
    /// a network namespace of the test's own: the bridge, its DHCP server and their removal.
    @Test func networkUnitCommandsWork() throws {
        let box = try Sandbox()
        try box.useManagedBridge("btunit0", ipv4: "10.208.0.1/24", dhcp: true)
        let text = try unit("berth-net.service")
        let lines = ["ExecStart", "ExecReload", "ExecStop"].flatMap { commands(text, $0) }.map { $0.joined(separator: " ") }
        #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix(binDirectory + "/berth-net ") }, "\(lines)")
        let script = """
            set -e
            ip link set lo up
            \(lines[0]); ip -o -4 addr show btunit0; \(binDirectory)/berth-net status
            \(lines[1]); \(binDirectory)/berth-net status
            \(lines[2]); echo "links: $(ip -o link show | grep -c btunit0 || true)"; \(binDirectory)/berth-net status
            """
        let ran = try box.run(executable: "/usr/bin/unshare", ["-n", "/bin/sh", "-c", script])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        #expect(ran.stdout.contains("10.208.0.1/24") && ran.stdout.contains("bridge btunit0 up") && ran.stdout.contains("dhcp running (pid"), "\(ran.stdout)")
        #expect(ran.stdout.contains("links: 0") && ran.stdout.hasSuffix("bridge btunit0 down\ndhcp not running\nnat off\n"), "\(ran.stdout)")
        // With the bridge turned off in berth.conf, the unit's commands succeed doing nothing.
        try "berth.net.bridge =\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let off = try box.run(executable: binDirectory + "/berth-net", ["start"])
        #expect(off.status == 0 && off.stderr.contains("turned off"), "\(off.stderr)")
    }
}
