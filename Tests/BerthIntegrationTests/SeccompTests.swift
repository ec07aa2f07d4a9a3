import Foundation
import Testing
import BerthKit

/// Seccomp on real containers: Berth's default policy, an admin's LXC-format profile, and none.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct SeccompTests {
    @Test func defaultPolicyFiltersInitAndAttach() throws {
        let box = try Sandbox.withBusybox("sc1")
        try #require(try box.run("start", ["-n", "sc1"]).status == 0)
        let status = try box.run("attach", ["-n", "sc1", "--", "/bin/sh", "-c", "grep '^Seccomp:' /proc/1/status /proc/self/status"])
        #expect(status.stdout.split(separator: "\n").map { $0.hasSuffix("\t2") } == [true, true], "\(status.stdout)")
        // reject_force_umount: a forced unmount is refused, a plain one works.
        let umount = try box.run("attach", ["-n", "sc1", "--", "/bin/sh", "-c",
                                            "mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && umount -f /mnt/t; echo forced=$?; umount /mnt/t; echo plain=$?"])
        #expect(umount.stdout == "forced=1\nplain=0\n" && umount.stderr.contains("Permission denied"), "\(umount.stdout)\(umount.stderr)")
        #expect(try box.run("stop", ["-n", "sc1", "-k"]).status == 0)
        box.expectClean("sc1")
    }

    @Test func adminProfileAndNone() throws {
        let box = try Sandbox.withBusybox("sc2")
        let profile = box.root + "/nomkdir.seccomp"
        try """
            2
            denylist
            # mkdir with any mode fails as if the kernel had no such call
            [all]
            mkdir errno 38
            mkdirat errno 38
            [arm64]
            not_a_syscall_here
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        let config = box.lxcpath + "/sc2/config"
        try (try String(contentsOfFile: config, encoding: .utf8) + "lxc.seccomp.profile = \(profile)\n").write(toFile: config, atomically: true, encoding: .utf8)
        try #require(try box.run("start", ["-n", "sc2"]).status == 0)
        let made = try box.run("attach", ["-n", "sc2", "--", "/bin/mkdir", "/newdir"])
        #expect(made.status != 0 && made.stderr.contains("Function not implemented"), "\(made.stderr)")
        #expect(try box.run("stop", ["-n", "sc2", "-k"]).status == 0)

        // `none`: no filter at all.
        try #require(try box.run("start", ["-n", "sc2", "-s", "lxc.seccomp.profile=none"]).status == 0)
        let pid = try box.run("info", ["-n", "sc2", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.contains("Seccomp:\t0"))
        #expect(try box.run("stop", ["-n", "sc2", "-k"]).status == 0)

        // A profile that cannot be honoured fails the start, naming file and line.
        let bad = box.root + "/bad.seccomp"
        try "2\ndenylist\n[all]\nkeyctl notify\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try box.run("start", ["-n", "sc2", "-s", "lxc.seccomp.profile=\(bad)"])
        #expect(refused.status == 1 && refused.stderr.contains("\(bad):4: the notify action"), "\(refused.stderr)")
        let missing = try box.run("start", ["-n", "sc2", "-s", "lxc.seccomp.profile=/nonexistent/policy"])
        #expect(missing.status == 1 && missing.stderr.contains("lxc.seccomp.profile"), "\(missing.stderr)")
        box.expectClean("sc2")
    }
}
