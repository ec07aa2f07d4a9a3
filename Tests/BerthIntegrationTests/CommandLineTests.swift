import Foundation
import Testing
import BerthKit

/// Scripts written for LXC's tools run unchanged: the container's name may come first instead
/// of after -n, wherever LXC takes it.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct CommandLineTests {
    @Test func containerNamesArePositionalAsInLXC() throws {
        let box = try Sandbox()
        try box.ok("create", ["web", "-t", "busybox"])
        try box.ok("start", ["web"])
        try box.ok("wait", ["web", "-s", "RUNNING", "-t", "5"])
        #expect(try box.ok("info", ["web", "-sH"]).stdout == "RUNNING\n")
        #expect(try box.ok("attach", ["web", "--", "hostname"]).stdout == "web\n")
        try box.ok("freeze", ["web"])
        #expect(try box.ok("info", ["web", "-sH"]).stdout == "FROZEN\n")
        try box.ok("unfreeze", ["web"])
        #expect(try box.ok("cgroup", ["web", "pids.max"]).stdout.isEmpty == false)
        #expect(try box.ok("cgroup", ["-n", "web", "pids.max"]).stdout.isEmpty == false, "with -n, the words are KEY [VALUE]")
        let bad = try box.run("cgroup", ["web"])
        #expect(bad.status != 0 && bad.stderr.contains("KEY"), "\(bad.stderr)")
        try box.ok("stop", ["web", "-k"])
        try box.ok("snapshot", ["web"])
        #expect(try box.ok("snapshot", ["web", "-L"]).stdout.contains("snap0"))
        try box.ok("copy", ["web", "-N", "web2"])
        let executed = try box.run("execute", ["web2", "--", "/bin/echo", "positional"])
        #expect(executed.status == 0 && executed.stdout == "positional\n", "\(executed.stderr)")
        try box.ok("destroy", ["web2"])
        try box.ok("destroy", ["web", "-s"])
        #expect(box.entries().filter { !$0.hasPrefix(".") }.isEmpty, "\(box.entries())")
        box.expectClean("web")
    }

    @Test func updateConfigRewritesLegacyKeysWithABackup() throws {
        let box = try Sandbox.withBusybox("old")
        let config = box.lxcpath + "/old/config"
        let modern = box.text(config) ?? ""
        let legacy = modern + "# an LXC 2.0 network\nlxc.network.type = empty\nlxc.utsname = legacy-name\nlxc.pivotdir = lxc_putold\n"
        try legacy.write(toFile: config, atomically: true, encoding: .utf8)
        try box.ok("update-config", ["-c", config])
        #expect(box.text(config + ".backup") == legacy)
        let updated = box.text(config) ?? ""
        #expect(updated.hasPrefix(modern) && updated.hasSuffix("# an LXC 2.0 network\nlxc.net.0.type = empty\nlxc.uts.name = legacy-name\n# obsolete, ignored: lxc.pivotdir = lxc_putold\n"), "\(updated)")
        // The rewritten config starts without a warning about legacy keys.
        let started = try box.run("start", ["-n", "old"])
        #expect(started.status == 0 && !started.stderr.contains("obsolete"), "\(started.stderr)")
        #expect(try box.ok("info", ["-n", "old", "-c", "lxc.uts.name", "-H"]).stdout == "legacy-name\n")
        try box.ok("stop", ["-n", "old", "-k"])
        // Nothing to rewrite: the file stays, no new backup; a missing file is an error naming it.
        try FileManager.default.removeItem(atPath: config + ".backup")
        try box.ok("update-config", ["-c", config])
        #expect(!FileManager.default.fileExists(atPath: config + ".backup"))
        let missing = try box.run("update-config", ["-c", box.root + "/nope"])
        #expect(missing.status != 0 && missing.stderr.contains(box.root + "/nope"), "\(missing.stderr)")
        box.expectClean("old")
    }
}
