import Foundation
import Testing
import BerthKit

/// berth-autostart with lxc-autostart's selection and order, on real containers.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct AutostartTests {
    func make(_ box: Sandbox, _ name: String, _ lines: [String]) throws {
        try box.ok("create", ["-n", name, "-t", "busybox"])
        let config = box.lxcpath + "/\(name)/config"
        try ((box.text(config) ?? "") + lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
    }

    func states(_ box: Sandbox, _ names: [String]) throws -> [String] {
        try names.map { try box.run("info", ["-n", $0, "-sH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    @Test func selectionOrderDelaysAndFailures() throws {
        let box = try Sandbox()
        // Each start and stop of the two ordered containers is logged with a timestamp by a
        // host-side hook (pre-start before the container exists, post-stop after it ended).
        let log = box.root + "/order.log"
        let hook = try box.template("record", "echo \"$1 $3 $(date +%s.%N)\" >> '\(log)'")
        try make(box, "low", ["lxc.start.auto = 1", "lxc.start.order = 10", "lxc.hook.pre-start = \(hook)", "lxc.hook.post-stop = \(hook)"])
        try make(box, "high", ["lxc.start.auto = 1", "lxc.start.order = 20", "lxc.start.delay = 1", "lxc.hook.pre-start = \(hook)", "lxc.hook.post-stop = \(hook)"])
        try make(box, "manual", ["lxc.start.order = 99"])
        try make(box, "web", ["lxc.start.auto = 1", "lxc.group = web"])
        try make(box, "boot", ["lxc.start.auto = 1", "lxc.group = onboot", "lxc.start.order = 5"])
        // -L: what a start would do, higher order first, with the delays.
        #expect(try box.ok("autostart", ["-L"]).stdout == "high 1\nlow 0\n")
        #expect(try box.ok("autostart", ["-L", "-g", "onboot,"]).stdout == "high 1\nlow 0\nboot 0\n")
        #expect(try box.ok("autostart", ["-L", "-a"]).stdout == "high 1\nlow 0\nboot 0\nweb 0\n")
        #expect(try box.ok("autostart", ["-L", "-a", "-A"]).stdout == "manual 0\nhigh 1\nlow 0\nboot 0\nweb 0\n")
        #expect(try box.ok("autostart", ["-L", "-s", "-g", "web"]).stdout == "web 0\n")
        // A start: the empty group only, waiting high's delay; the others stay stopped.
        let begin = Date()
        try box.ok("autostart", [])
        #expect(Date().timeIntervalSince(begin) >= 1, "lxc.start.delay of high")
        #expect(try states(box, ["high", "low", "manual", "web", "boot"]) == ["RUNNING", "RUNNING", "STOPPED", "STOPPED", "STOPPED"])
        let starts = (box.text(log) ?? "").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(starts.map { "\($0[0]) \($0[1])" } == ["high pre-start", "low pre-start"], "higher order first: \(starts)")
        if starts.count == 2, let first = Double(starts[0][2]), let second = Double(starts[1][2]) {
            #expect(second - first >= 1, "low started \(second - first) s after high; high's lxc.start.delay is 1")
        }
        try box.ok("autostart", ["-g", "web", "-g", "onboot"])
        #expect(try states(box, ["web", "boot"]) == ["RUNNING", "RUNNING"])
        // One broken container: the rest still start, the status says one failed.
        try make(box, "broken", ["lxc.start.auto = 1", "lxc.start.order = 15", "lxc.init.cmd = /does/not/exist"])
        try box.ok("autostart", ["-a", "-k"])
        let started = try box.run("autostart", ["-a"])
        #expect(started.status == 1 && started.stderr.contains("broken"), "\(started.stderr)")
        #expect(try states(box, ["high", "low", "web", "boot", "broken"]) == ["RUNNING", "RUNNING", "RUNNING", "RUNNING", "STOPPED"])
        // A clean shutdown of everything marked, and -A -k for the rest.
        try box.ok("start", ["-n", "manual"])
        try "".write(toFile: log, atomically: true, encoding: .utf8)
        try box.ok("autostart", ["-a", "-s", "-t", "5"])
        #expect(try states(box, ["high", "low", "web", "boot", "manual"]) == ["STOPPED", "STOPPED", "STOPPED", "STOPPED", "RUNNING"])
        let stops = (box.text(log) ?? "").split(separator: "\n").map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(stops == ["low post-stop", "high post-stop"], "-s goes in reverse order: \(stops)")
        try box.ok("autostart", ["-a", "-A", "-k"])
        #expect(try states(box, ["manual"]) == ["STOPPED"])
        for name in ["high", "low", "manual", "web", "boot", "broken"] { box.expectClean(name) }
    }

    /// Without -P, berth-autostart walks every lxcpath of berth.conf (lxc.lxcpath and
    /// berth.lxcpaths) in one order; with -P only that one.
    @Test func severalLxcpathsFromBerthConf() throws {
        let box = try Sandbox()
        let second = box.root + "/lxc2"
        try "berth.unprivileged = 0\nlxc.lxcpath = \(box.lxcpath)\nberth.lxcpaths = \(second)\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        try make(box, "first", ["lxc.start.auto = 1", "lxc.start.order = 5"])
        let made = try box.run("create", ["-n", "other", "-t", "busybox", "-P", second, "-s", "lxc.start.auto=1", "-s", "lxc.start.order=9"], lxcpath: false)
        try #require(made.status == 0, "\(made.stderr)")
        defer { _ = try? box.run("stop", ["-n", "other", "-k", "-P", second], lxcpath: false) }
        #expect(try box.ok("config", ["berth.lxcpaths"], lxcpath: false).stdout == "\(second)\n")
        #expect(try box.ok("autostart", ["-L"], lxcpath: false).stdout == "other 0\nfirst 0\n")
        #expect(try box.ok("autostart", ["-L", "-P", second], lxcpath: false).stdout == "other 0\n")
        try box.ok("autostart", [], lxcpath: false)
        #expect(try states(box, ["first"]) == ["RUNNING"])
        #expect(try box.run("info", ["-n", "other", "-sH", "-P", second], lxcpath: false).stdout == "RUNNING\n")
        try box.ok("autostart", ["-s", "-t", "5"], lxcpath: false)
        #expect(try states(box, ["first"]) == ["STOPPED"])
        #expect(try box.run("info", ["-n", "other", "-sH", "-P", second], lxcpath: false).stdout == "STOPPED\n")
        // A relative path in berth.lxcpaths is refused, naming the line.
        try "berth.lxcpaths = relative/dir\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let refused = try box.run("autostart", ["-L"], lxcpath: false)
        #expect(refused.status != 0 && refused.stderr.contains("berth.conf:1: berth.lxcpaths takes absolute paths"), "\(refused.stderr)")
        box.expectClean("first")
    }
}
